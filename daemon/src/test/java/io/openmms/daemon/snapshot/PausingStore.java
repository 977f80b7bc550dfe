package io.openmms.daemon.snapshot;

import io.openmms.blockstore.Block;
import io.openmms.blockstore.BlockStore;
import io.openmms.blockstore.ForwardingBlockStore;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A store that stops the caller at its n-th {@code put} until released: a writer caught mid-way. */
final class PausingStore extends ForwardingBlockStore {
  private final int pauseAt;
  private final CountDownLatch paused;
  private final CountDownLatch resume;
  private final AtomicInteger puts = new AtomicInteger();

  PausingStore(BlockStore delegate, int pauseAt, CountDownLatch paused, CountDownLatch resume) {
    super(delegate);
    this.pauseAt = pauseAt;
    this.paused = paused;
    this.resume = resume;
  }

  @Override
  public long put(Block block) throws IOException {
    if (puts.incrementAndGet() == pauseAt) {
      paused.countDown();
      try {
        resume.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    return delegate.put(block);
  }

  @Override
  public void close() {
    // the delegate belongs to the site
  }
}
