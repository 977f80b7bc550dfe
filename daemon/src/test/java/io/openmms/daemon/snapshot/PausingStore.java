package io.openmms.daemon.snapshot;

import io.openmms.blockstore.Block;
import io.openmms.blockstore.BlockCodec;
import io.openmms.blockstore.BlockId;
import io.openmms.blockstore.BlockInfo;
import io.openmms.blockstore.BlockStore;
import io.openmms.blockstore.StoreStats;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** A store that stops the caller at its n-th {@code put} until released: a writer caught mid-way. */
final class PausingStore implements BlockStore {
  private final BlockStore delegate;
  private final int pauseAt;
  private final CountDownLatch paused;
  private final CountDownLatch resume;
  private final AtomicInteger puts = new AtomicInteger();

  PausingStore(BlockStore delegate, int pauseAt, CountDownLatch paused, CountDownLatch resume) {
    this.delegate = delegate;
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
  public String location() {
    return delegate.location();
  }

  @Override
  public BlockCodec codec() {
    return delegate.codec();
  }

  @Override
  public long putSealed(BlockId id, byte[] sealed) throws IOException {
    return delegate.putSealed(id, sealed);
  }

  @Override
  public byte[] getSealed(BlockId id) throws IOException {
    return delegate.getSealed(id);
  }

  @Override
  public boolean exists(BlockId id) throws IOException {
    return delegate.exists(id);
  }

  @Override
  public boolean delete(BlockId id) throws IOException {
    return delegate.delete(id);
  }

  @Override
  public Stream<BlockInfo> list() throws IOException {
    return delegate.list();
  }

  @Override
  public StoreStats stats() throws IOException {
    return delegate.stats();
  }

  @Override
  public void flush() throws IOException {
    delegate.flush();
  }

  @Override
  public void close() {
    // the delegate belongs to the site
  }
}
