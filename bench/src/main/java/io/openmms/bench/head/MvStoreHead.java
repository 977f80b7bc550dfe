package io.openmms.bench.head;

import io.openmms.daemon.head.KeyValueHead;
import java.nio.file.Path;

/** The daemon's head logic on H2 MVStore instead of RocksDB, to compare the engines. */
final class MvStoreHead extends KeyValueHead {
  MvStoreHead(Path dir) {
    super(new MvStoreKeyValueStore(dir.resolve("head.mv.db")));
  }
}
