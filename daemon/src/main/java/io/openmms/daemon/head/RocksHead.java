package io.openmms.daemon.head;

import java.nio.file.Path;

/**
 * The production {@link Head}: one RocksDB database per head directory. Every oplog batch is one
 * RocksDB {@code WriteBatch} holding the documents, the catalog changes and the new position,
 * written with a synced write-ahead log, so data and position never diverge across a crash. Why
 * RocksDB and the measurements behind it: docs/head-format.md.
 */
public final class RocksHead extends KeyValueHead {
  private RocksHead(Path dir, boolean durable) {
    super(new RocksStore(dir, durable), durable); // a scratch head keeps no change log
  }

  /** Opens (or creates) the head stored in {@code dir}. */
  public static RocksHead open(Path dir) {
    return new RocksHead(dir, true);
  }

  /**
   * Creates a scratch head in {@code dir}: nothing is written to a write-ahead log or synced, so
   * after a crash its content is undefined and it must be thrown away (a point-in-time restore's
   * temporary head, which a new attempt rebuilds). It keeps no change log: no snapshot reads it.
   */
  public static RocksHead openScratch(Path dir) {
    return new RocksHead(dir, false);
  }
}
