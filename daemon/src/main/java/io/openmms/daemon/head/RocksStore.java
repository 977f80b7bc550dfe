package io.openmms.daemon.head;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * {@link KeyValueStore} on one RocksDB database (default column family, bytewise comparator).
 * Commits are one {@link WriteBatch}; a synced commit fsyncs the write-ahead log before returning,
 * which also makes every earlier unsynced batch durable. Bloom filters keep the applier's
 * read-before-write of new {@code _id}s cheap.
 */
final class RocksStore implements KeyValueStore {
  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final LRUCache cache;
  private final Options options;
  private final RocksDB db;
  private final WriteOptions syncWrite;
  private final WriteOptions asyncWrite;
  private final ReadOptions pointRead;

  RocksStore(Path dir) {
    this(dir, true);
  }

  /**
   * A store in {@code dir}; when not {@code durable} (a scratch head that a crash makes useless
   * anyway) commits skip the write-ahead log, so "synced" commits cost no fsync.
   */
  RocksStore(Path dir, boolean durable) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new HeadStorageException("cannot create head directory " + dir, e);
    }
    cache = new LRUCache(64L << 20);
    options = new Options().setCreateIfMissing(true)
        .setWriteBufferSize(64L << 20)
        // the applier reads every document it updates: keep the upper levels uncompressed so a
        // point read does not decompress a block, compress the bulk at the bottom
        .setCompressionPerLevel(List.of(CompressionType.NO_COMPRESSION,
            CompressionType.NO_COMPRESSION, CompressionType.LZ4_COMPRESSION,
            CompressionType.LZ4_COMPRESSION, CompressionType.LZ4_COMPRESSION,
            CompressionType.LZ4_COMPRESSION, CompressionType.LZ4_COMPRESSION))
        .setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION)
        .setMemtablePrefixBloomSizeRatio(0.1)
        .setMemtableWholeKeyFiltering(true)
        .setMaxBackgroundJobs(2)
        .setTableFormatConfig(new BlockBasedTableConfig()
            .setBlockCache(cache)
            .setFilterPolicy(new BloomFilter(10, false))
            .setBlockSize(4 * 1024));
    try {
      db = RocksDB.open(options, dir.toString());
    } catch (RocksDBException e) {
      options.close();
      cache.close();
      throw new HeadStorageException("cannot open head RocksDB at " + dir + ": " + e.getMessage(), e);
    }
    syncWrite = durable ? new WriteOptions().setSync(true)
        : new WriteOptions().setSync(false).setDisableWAL(true);
    asyncWrite = new WriteOptions().setSync(false).setDisableWAL(!durable);
    pointRead = new ReadOptions().setVerifyChecksums(false); // block checksums still checked on compaction
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return db.get(pointRead, key);
    } catch (RocksDBException e) {
      throw failure("get", e);
    }
  }

  @Override
  public List<byte[]> getAll(List<byte[]> keys) {
    try {
      return db.multiGetAsList(pointRead, keys); // one JNI call and one RocksDB super-version
    } catch (RocksDBException e) {
      throw failure("multiGet", e);
    }
  }

  @Override
  public Cursor scan(byte[] from, byte[] to) {
    return new RocksCursor(new ReadOptions(), from, to);
  }

  @Override
  public Snapshot snapshot() {
    org.rocksdb.Snapshot snap = db.getSnapshot();
    return new Snapshot() {
      @Override
      public byte[] get(byte[] key) {
        try (ReadOptions ro = new ReadOptions().setSnapshot(snap)) {
          return db.get(ro, key);
        } catch (RocksDBException e) {
          throw failure("get", e);
        }
      }

      @Override
      public Cursor scan(byte[] from, byte[] to) {
        return new RocksCursor(new ReadOptions().setSnapshot(snap), from, to);
      }

      @Override
      public void close() {
        db.releaseSnapshot(snap);
      }
    };
  }

  @Override
  public Batch newBatch() {
    WriteBatch wb = new WriteBatch();
    return new Batch() {
      @Override
      public void put(byte[] key, byte[] value) {
        try {
          wb.put(key, value);
        } catch (RocksDBException e) {
          throw failure("put", e);
        }
      }

      @Override
      public void delete(byte[] key) {
        try {
          wb.delete(key);
        } catch (RocksDBException e) {
          throw failure("delete", e);
        }
      }

      @Override
      public void deleteRange(byte[] from, byte[] to) {
        try {
          wb.deleteRange(from, to);
        } catch (RocksDBException e) {
          throw failure("deleteRange", e);
        }
      }

      @Override
      public void commit(boolean sync) {
        try {
          db.write(sync ? syncWrite : asyncWrite, wb);
        } catch (RocksDBException e) {
          throw failure("write", e);
        }
      }

      @Override
      public void close() {
        wb.close();
      }
    };
  }

  @Override
  public long sizeOnDisk() {
    // RocksDB deletes files (old logs, compacted tables) while we walk: a file that vanishes
    // between listing and reading is skipped, not an error
    long[] total = new long[1];
    try {
      Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
        @Override
        public java.nio.file.FileVisitResult visitFile(Path file,
            java.nio.file.attribute.BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            total[0] += attrs.size();
          }
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
          return java.nio.file.FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new HeadStorageException("cannot measure " + dir, e);
    }
    return total[0];
  }

  @Override
  public void close() {
    syncWrite.close();
    asyncWrite.close();
    pointRead.close();
    db.close();
    options.close();
    cache.close();
  }

  private HeadStorageException failure(String what, RocksDBException e) {
    return new HeadStorageException("RocksDB " + what + " failed in " + dir + ": " + e.getMessage(), e);
  }

  private final class RocksCursor implements Cursor {
    private final ReadOptions ro;
    private final Slice upper;
    private final RocksIterator it;
    private boolean started;

    RocksCursor(ReadOptions ro, byte[] from, byte[] to) {
      this.ro = ro;
      this.upper = new Slice(to);
      ro.setIterateUpperBound(upper);
      this.it = db.newIterator(ro);
      it.seek(from);
    }

    @Override
    public boolean next() {
      if (started) {
        it.next();
      }
      started = true;
      return it.isValid();
    }

    @Override
    public byte[] key() {
      return it.key();
    }

    @Override
    public byte[] value() {
      return it.value();
    }

    @Override
    public void close() {
      it.close();
      ro.close();
      upper.close();
    }
  }
}
