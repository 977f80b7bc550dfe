package io.openmms.bench.head;

import io.openmms.daemon.head.KeyValueStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ByteArrayDataType;

/**
 * The benchmark's alternative head store: one H2 MVStore file with a single byte-key map. A
 * batch is buffered, applied to the map and made durable by {@code commit()} (a new store
 * version) plus {@code sync()} (fsync) — the same guarantee as RocksDB's synced WriteBatch: after
 * a crash the store reopens at its last committed version. Snapshots are not supported.
 */
final class MvStoreKeyValueStore implements KeyValueStore {
  private final Path file;
  private final MVStore store;
  private final MVMap<byte[], byte[]> map;

  MvStoreKeyValueStore(Path file) {
    this.file = file;
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().cacheSize(64).open();
    map = store.openMap("head", new MVMap.Builder<byte[], byte[]>()
        .keyType(UnsignedBytes.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
  }

  @Override
  public byte[] get(byte[] key) {
    return map.get(key);
  }

  @Override
  public Cursor scan(byte[] from, byte[] to) {
    org.h2.mvstore.Cursor<byte[], byte[]> c = map.cursor(from);
    return new KeyValueReaderCursor(c, to);
  }

  @Override
  public Snapshot snapshot() {
    throw new UnsupportedOperationException("the MVStore benchmark store has no snapshots");
  }

  @Override
  public Batch newBatch() {
    List<Object[]> ops = new ArrayList<>();
    return new Batch() {
      @Override
      public void put(byte[] key, byte[] value) {
        ops.add(new Object[] {key, value});
      }

      @Override
      public void delete(byte[] key) {
        ops.add(new Object[] {key, null});
      }

      @Override
      public void deleteRange(byte[] from, byte[] to) {
        ops.add(new Object[] {from, null, to});
      }

      @Override
      public void commit(boolean sync) {
        for (Object[] op : ops) {
          if (op.length == 3) {
            List<byte[]> doomed = new ArrayList<>();
            for (Iterator<byte[]> it = map.keyIterator((byte[]) op[0]); it.hasNext(); ) {
              byte[] k = it.next();
              if (Arrays.compareUnsigned(k, (byte[]) op[2]) >= 0) {
                break;
              }
              doomed.add(k);
            }
            doomed.forEach(map::remove);
          } else if (op[1] == null) {
            map.remove((byte[]) op[0]);
          } else {
            map.put((byte[]) op[0], (byte[]) op[1]);
          }
        }
        store.commit();
        if (sync) {
          store.sync();
        }
      }

      @Override
      public void close() {
        ops.clear();
      }
    };
  }

  @Override
  public long sizeOnDisk() {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    store.close();
  }

  private static final class KeyValueReaderCursor implements Cursor {
    private final org.h2.mvstore.Cursor<byte[], byte[]> c;
    private final byte[] to;

    KeyValueReaderCursor(org.h2.mvstore.Cursor<byte[], byte[]> c, byte[] to) {
      this.c = c;
      this.to = to;
    }

    @Override
    public boolean next() {
      if (!c.hasNext()) {
        return false;
      }
      return Arrays.compareUnsigned(c.next(), to) < 0;
    }

    @Override
    public byte[] key() {
      return c.getKey();
    }

    @Override
    public byte[] value() {
      return c.getValue();
    }

    @Override
    public void close() {}
  }

  /** byte[] keys compared as unsigned bytes, like RocksDB's default comparator. */
  private static final class UnsignedBytes extends BasicDataType<byte[]> {
    static final UnsignedBytes INSTANCE = new UnsignedBytes();

    @Override
    public int compare(byte[] a, byte[] b) {
      return Arrays.compareUnsigned(a, b);
    }

    @Override
    public int getMemory(byte[] obj) {
      return 24 + obj.length;
    }

    @Override
    public void write(WriteBuffer buff, byte[] obj) {
      buff.putVarInt(obj.length).put(obj);
    }

    @Override
    public byte[] read(ByteBuffer buff) {
      byte[] b = new byte[org.h2.mvstore.DataUtils.readVarInt(buff)];
      buff.get(b);
      return b;
    }

    @Override
    public byte[][] createStorage(int size) {
      return new byte[size][];
    }
  }
}
