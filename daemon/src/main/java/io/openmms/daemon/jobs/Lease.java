package io.openmms.daemon.jobs;

import java.time.Clock;
import java.time.Instant;

/**
 * This daemon's hold on one backup. It is held until {@link #validUntil()} — counted from the
 * moment before the last successful take or renewal was sent, so it never outlives the record in
 * the application database — unless a renewal found it taken ({@link #lost()}). A worker checks
 * {@link #held()} before each step and stops as soon as it is false.
 *
 * <p>Thread-safe: renewed by the lease keeper, read by the backup's worker.
 */
public final class Lease {
  private final String backupId;
  private final Clock clock;
  private volatile Instant validUntil;
  private volatile boolean lost;

  Lease(String backupId, Clock clock, Instant validUntil) {
    this.backupId = backupId;
    this.clock = clock;
    this.validUntil = validUntil;
  }

  public String backupId() {
    return backupId;
  }

  /** True while this daemon may work on the backup. */
  public boolean held() {
    return !lost && clock.instant().isBefore(validUntil);
  }

  public Instant validUntil() {
    return validUntil;
  }

  /** True once a renewal found the lease held by another daemon, or it was released. */
  public boolean lost() {
    return lost;
  }

  void extend(Instant until) {
    validUntil = until;
  }

  void markLost() {
    lost = true;
  }

  @Override
  public String toString() {
    return "lease on " + backupId + (lost ? " (lost)" : " until " + validUntil);
  }
}
