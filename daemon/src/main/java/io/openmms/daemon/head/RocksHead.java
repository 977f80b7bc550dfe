package io.openmms.daemon.head;

import java.nio.file.Path;

/**
 * The production {@link Head}: one RocksDB database per head directory. Every oplog batch is one
 * RocksDB {@code WriteBatch} holding the documents, the catalog changes and the new position,
 * written with a synced write-ahead log, so data and position never diverge across a crash. Why
 * RocksDB and the measurements behind it: docs/head-format.md.
 */
public final class RocksHead extends KeyValueHead {
  private RocksHead(Path dir) {
    super(new RocksStore(dir));
  }

  /** Opens (or creates) the head stored in {@code dir}. */
  public static RocksHead open(Path dir) {
    return new RocksHead(dir);
  }
}
