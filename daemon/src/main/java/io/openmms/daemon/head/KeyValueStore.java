package io.openmms.daemon.head;

/**
 * The ordered byte-key store a {@link KeyValueHead} is built on (keys compare as unsigned bytes).
 * {@link RocksHead} uses RocksDB; the benchmark plugs in an alternative to compare engines under
 * the same head logic.
 *
 * <p>Contract: one writer at a time; a {@link Batch} becomes visible and durable all at once in
 * {@link Batch#commit}, or not at all (also across a crash). Reads may run concurrently with the
 * writer and see committed state only.
 */
public interface KeyValueStore extends KeyValueReader, AutoCloseable {

  /** A consistent read-only view of the store as it was when taken. */
  interface Snapshot extends KeyValueReader, AutoCloseable {
    @Override
    void close();
  }

  /** Changes applied in order and atomically at {@link #commit}. */
  interface Batch extends AutoCloseable {
    void put(byte[] key, byte[] value);

    void delete(byte[] key);

    /** Deletes every key {@code from <= key < to}. */
    void deleteRange(byte[] from, byte[] to);

    /** Writes the batch atomically; with {@code sync} it is on stable storage when this returns. */
    void commit(boolean sync);

    /** Discards the batch unless it was committed. */
    @Override
    void close();
  }

  Batch newBatch();

  /**
   * The values of {@code keys} (null where absent), in the same order, as {@link #get} would
   * return them one by one; a store may read them in one call.
   */
  default java.util.List<byte[]> getAll(java.util.List<byte[]> keys) {
    java.util.List<byte[]> values = new java.util.ArrayList<>(keys.size());
    for (byte[] key : keys) {
      values.add(get(key));
    }
    return values;
  }

  Snapshot snapshot();

  /** Bytes the store occupies on disk (approximate). */
  long sizeOnDisk();

  @Override
  void close();
}
