package io.openmms.bench.backup;

import java.util.Arrays;

/**
 * Measured values (nanoseconds, or any long) summarised by nearest-rank percentiles: every figure
 * reported is a value that was measured. Thread-safe.
 */
final class LatencyLog {
  private long[] values = new long[256];
  private int size;

  synchronized void add(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
  }

  synchronized int count() {
    return size;
  }

  /** The {@code p}-th percentile (0 &lt; p &le; 100) of the raw values; -1 when empty. */
  synchronized long percentile(double p) {
    if (size == 0) {
      return -1;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * size);
    return sorted[Math.max(0, Math.min(size, rank) - 1)];
  }

  double millis(double p) {
    long v = percentile(p);
    return v < 0 ? Double.NaN : v / 1e6;
  }
}
