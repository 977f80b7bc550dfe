package io.openmms.bench;

import java.util.Arrays;

/**
 * Request latencies in nanoseconds, summarised by nearest-rank percentiles (no interpolation:
 * every figure reported is a latency that was measured). Not thread-safe; merge per-thread
 * instances with {@link #addAll}.
 */
final class Latencies {
  private long[] nanos = new long[64];
  private int size;

  void add(long latencyNanos) {
    if (size == nanos.length) {
      nanos = Arrays.copyOf(nanos, size * 2);
    }
    nanos[size++] = latencyNanos;
  }

  void addAll(Latencies other) {
    for (int i = 0; i < other.size; i++) {
      add(other.nanos[i]);
    }
  }

  int count() {
    return size;
  }

  /** The {@code p}-th percentile (0 &lt; p &le; 100) in milliseconds; NaN when empty. */
  double percentileMillis(double p) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(nanos, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * size);
    return sorted[Math.max(0, Math.min(size, rank) - 1)] / 1e6;
  }

  double maxMillis() {
    return percentileMillis(100);
  }
}
