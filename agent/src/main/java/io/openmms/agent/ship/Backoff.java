package io.openmms.agent.ship;

import java.time.Duration;

/** Bounded exponential backoff: initial, doubling, capped at max. Not thread-safe. */
public final class Backoff {
  private final Duration initial;
  private final Duration max;
  private Duration next;

  public Backoff(Duration initial, Duration max) {
    this.initial = initial;
    this.max = max.compareTo(initial) < 0 ? initial : max;
    this.next = initial;
  }

  /** The wait before the next attempt; each call doubles the following one up to max. */
  public Duration next() {
    Duration d = next;
    Duration doubled = next.multipliedBy(2);
    next = doubled.compareTo(max) > 0 ? max : doubled;
    return d;
  }

  public void reset() {
    next = initial;
  }
}
