package io.openmms.daemon.head;

/** Read access to the committed data of a {@link KeyValueStore} (or of one of its snapshots). */
public interface KeyValueReader {
  /** The value, or null. */
  byte[] get(byte[] key);

  /** Entries with {@code from <= key < to} in key order. */
  Cursor scan(byte[] from, byte[] to);

  /** Forward iteration; {@link #next} must return true before {@link #key}/{@link #value}. */
  interface Cursor extends AutoCloseable {
    boolean next();

    byte[] key();

    byte[] value();

    @Override
    void close();
  }
}
