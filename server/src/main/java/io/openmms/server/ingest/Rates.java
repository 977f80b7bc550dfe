package io.openmms.server.ingest;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns cumulative counters into per-second rates between two samples of one process.
 *
 * <p>MongoDB's counters start at zero when the process starts and only grow, but they can go
 * backwards: the process restarted (its {@code uptime} went down) or a counter was reset or
 * wrapped. In that case the current value is what accumulated since the reset, so the rate is
 * {@code current / elapsed}, where elapsed is the uptime when the process restarted (bounded by
 * the time between samples) and the time between samples otherwise. This never produces a
 * negative rate or a spike of the size of the old counter.
 */
public final class Rates {
  private Rates() {}

  /**
   * @param prevCounters counters of the previous sample (may be {@code null}: no rates yet)
   * @param prevUptime uptime of the previous sample in seconds, or {@code null}
   * @param elapsedMillis time between the samples, must be positive
   * @return rates per second by metric name, only for counters present in both samples
   */
  public static Map<String, Double> compute(Map<String, Long> prevCounters, Long prevUptime,
      Map<String, Long> counters, Long uptime, long elapsedMillis) {
    Map<String, Double> out = new HashMap<>();
    if (prevCounters == null || counters == null || elapsedMillis <= 0) {
      return out;
    }
    double dt = elapsedMillis / 1000.0;
    boolean restarted = uptime != null && prevUptime != null && uptime < prevUptime;
    double sinceRestart = restarted ? Math.max(1.0, Math.min(dt, uptime)) : dt;
    for (var e : counters.entrySet()) {
      Long prev = prevCounters.get(e.getKey());
      long cur = e.getValue();
      if (restarted) {
        out.put(e.getKey(), cur / sinceRestart);
      } else if (prev != null) {
        out.put(e.getKey(), cur >= prev ? (cur - prev) / dt : cur / dt);
      }
    }
    return out;
  }
}
