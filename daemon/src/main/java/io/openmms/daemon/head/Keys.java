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
  static final byte CHANGES = 0x04;
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

  /** The change-log key of the document stored under {@code docKey} (a {@link #doc} key). */
  static byte[] changeOf(byte[] docKey) {
    byte[] key = docKey.clone();
    key[0] = CHANGES;
    return key;
  }

  /** The collection id of a document or change-log key. */
  static long collectionId(byte[] key) {
    return getLong(key, 1);
  }

  /** The {@code _id} key ({@link IdKey#encode}) of a document or change-log key. */
  static byte[] idKey(byte[] key) {
    return Arrays.copyOfRange(key, 9, key.length);
  }

  /** A change-log value: the commit's oplog timestamp, 8 bytes big-endian. */
  static byte[] changeValue(BsonTimestamp ts) {
    byte[] value = new byte[8];
    putLong(value, 0, ts.getValue());
    return value;
  }

  static BsonTimestamp changeTs(byte[] value) {
    return new BsonTimestamp(getLong(value, 0));
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
