package io.openmms.daemon.head;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads store values for a {@link KeyValueBatch} ahead of use, on one virtual thread, in chunks
 * and in the order the batch will need them, so that the store's reads (native RocksDB point
 * lookups, about half of an update's cost) overlap with the applier's work on the batch thread.
 *
 * <p>The values stay valid for the whole batch because the batch is the store's only writer and
 * nothing is written before its commit. {@link #close} stops the reader and waits for it, so no
 * read outlives the batch (or reaches a closed store). Used by one batch thread; the reader thread
 * only touches the store and the futures.
 */
final class Prefetch implements AutoCloseable {
  static final int CHUNK = 32;

  private final List<List<byte[]>> chunks = new ArrayList<>();
  private final List<CompletableFuture<List<byte[]>>> results = new ArrayList<>();
  private final Thread reader;
  private volatile boolean cancelled;

  Prefetch(KeyValueStore store, List<byte[]> keys) {
    for (int i = 0; i < keys.size(); i += CHUNK) {
      chunks.add(keys.subList(i, Math.min(keys.size(), i + CHUNK)));
      results.add(new CompletableFuture<>());
    }
    reader = Thread.ofVirtual().name("head-prefetch").start(() -> read(store));
  }

  int chunks() {
    return chunks.size();
  }

  List<byte[]> keys(int chunk) {
    return chunks.get(chunk);
  }

  /** The values of chunk {@code chunk}, waiting for them; rethrows the store's failure. */
  List<byte[]> values(int chunk) {
    try {
      return results.get(chunk).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private void read(KeyValueStore store) {
    int i = 0;
    try {
      for (; i < chunks.size() && !cancelled; i++) {
        results.get(i).complete(store.getAll(chunks.get(i)));
      }
    } catch (RuntimeException e) {
      results.get(i).completeExceptionally(e);
      i++;
    }
    for (; i < results.size(); i++) {
      results.get(i).completeExceptionally(new IllegalStateException("prefetch stopped"));
    }
  }

  /** Stops reading after the current chunk and waits for the reader to end. */
  @Override
  public void close() {
    cancelled = true;
    boolean interrupted = false;
    while (true) {
      try {
        reader.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // the store must not be read after the batch ends: keep waiting
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
