package io.openmms.daemon.head;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bson.BsonTimestamp;

/** The key layout of format version {@value #FORMAT_VERSION}; see docs/head-format.md. */
final class Keys {
  static final int FORMAT_VERSION = 1;

  static final byte META = 0x01;
  static final byte CATALOG = 0x02;
  static final byte PENDING = 0x03;
  static final byte CHANGES = 0x05;
  static final byte DOCS = 0x10;

  static final byte[] META_KEY = {META};
  static final byte[] CATALOG_START = {CATALOG};
  static final byte[] CATALOG_END = {CATALOG + 1};
  static final byte[] PENDING_START = {PENDING};
  static final byte[] PENDING_END = {PENDING + 1};
  static final byte[] CHANGES_START = {CHANGES};
  static final byte[] CHANGES_END = {CHANGES + 1};
  static final byte[] DOCS_START = {DOCS};
  static final byte[] DOCS_END = {DOCS + 1};

  private Keys() {}

  static byte[] catalog(String ns) {
    byte[] name = ns.getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[1 + name.length];
    key[0] = CATALOG;
    System.arraycopy(name, 0, key, 1, name.length);
    return key;
  }

  static String catalogNs(byte[] key) {
    return new String(key, 1, key.length - 1, StandardCharsets.UTF_8);
  }

  static byte[] pending(BsonTimestamp ts) {
    byte[] key = new byte[9];
    key[0] = PENDING;
    putLong(key, 1, ts.getValue());
    return key;
  }

  /** The first key of collection {@code collectionId}; {@code docPrefix(id + 1)} ends its range. */
  static byte[] docPrefix(long collectionId) {
    byte[] key = new byte[9];
    key[0] = DOCS;
    putLong(key, 1, collectionId);
    return key;
  }

  static byte[] doc(long collectionId, byte[] idKey) {
    byte[] key = Arrays.copyOf(docPrefix(collectionId), 9 + idKey.length);
    System.arraycopy(idKey, 0, key, 9, idKey.length);
    return key;
  }

  /**
   * The first change-log key of collection {@code collectionId}; {@code changePrefix(id + 1)} ends
   * its range.
   */
  static byte[] changePrefix(long collectionId) {
    byte[] key = docPrefix(collectionId);
    key[0] = CHANGES;
    return key;
  }

  /** The key of the change-log record of collection {@code collectionId}'s commit at {@code ts}. */
  static byte[] changeRecord(long collectionId, BsonTimestamp ts) {
    byte[] key = Arrays.copyOf(changePrefix(collectionId), 17);
    putLong(key, 9, ts.getValue());
    return key;
  }

  /** The commit timestamp of a {@link #changeRecord} key. */
  static BsonTimestamp changeRecordTs(byte[] key) {
    return new BsonTimestamp(getLong(key, 9));
  }

  /** The collection id of a document key. */
  static long collectionId(byte[] key) {
    return getLong(key, 1);
  }

  /** Appends a document key's {@code _id} key to a change-log record: length (4 bytes) ‖ key. */
  static void appendChange(java.io.ByteArrayOutputStream record, byte[] docKey) {
    int len = docKey.length - 9;
    record.write(len >>> 24);
    record.write(len >>> 16);
    record.write(len >>> 8);
    record.write(len);
    record.write(docKey, 9, len);
  }

  /** Passes each {@code _id} key of a change-log record's value to {@code each}. */
  static void forEachChange(byte[] record, java.util.function.Consumer<byte[]> each) {
    int at = 0;
    while (at < record.length) {
      int len = at + 4 > record.length ? -1 : (record[at] & 0xFF) << 24
          | (record[at + 1] & 0xFF) << 16 | (record[at + 2] & 0xFF) << 8 | (record[at + 3] & 0xFF);
      if (len < 0 || len > record.length - at - 4) {
        throw new HeadStorageException("a change-log record of " + record.length
            + " bytes is damaged at byte " + at + "; the head must be synced again");
      }
      each.accept(Arrays.copyOfRange(record, at + 4, at + 4 + len));
      at += 4 + len;
    }
  }

  private static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }
}
