package io.openmms.daemon.restore.delivery;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Passes the count of bytes sent to a consumer at most once per {@link #INTERVAL_NANOS} (the
 * first count at once), and the final count always. The ticker is a monotonic nanosecond source
 * ({@code System::nanoTime} in production, a fake in tests). Not thread-safe.
 */
final class SftpProgress {
  static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final LongConsumer consumer;
  private final LongSupplier ticker;
  private boolean reported;
  private long lastReport;

  SftpProgress(LongConsumer consumer, LongSupplier ticker) {
    this.consumer = consumer;
    this.ticker = ticker;
  }

  void sent(long bytes) {
    long now = ticker.getAsLong();
    if (!reported || now - lastReport >= INTERVAL_NANOS) {
      reported = true;
      lastReport = now;
      consumer.accept(bytes);
    }
  }

  void done(long bytes) {
    consumer.accept(bytes);
  }
}
