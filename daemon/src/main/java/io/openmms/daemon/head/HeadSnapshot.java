package io.openmms.daemon.head;

/**
 * A consistent, read-only view of a head at one oplog position, unaffected by batches committed
 * after it was taken. Must be closed; usable from any thread.
 */
public interface HeadSnapshot extends HeadReader, AutoCloseable {
  @Override
  void close();
}
