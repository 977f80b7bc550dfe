package io.openmms.daemon.restore.dump;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads length-prefixed BSON documents from a stream, as a mongodump {@code .bson} file and the
 * body of a mongodump archive hold them: a little-endian int32 total length, the elements, a
 * {@code 0x00}. Only this framing is checked — a length of 5 bytes to 48 MiB (larger than any
 * MongoDB document, 16 MiB, with room to spare; the snapshot stream uses the same bound) and the
 * final zero byte — as mongorestore's own parser does; the server checks the content. Every
 * error is a {@link DumpFormatException} naming the source and the byte offset where the frame
 * starts. Not thread-safe.
 */
final class BsonFrames {
  static final int MAX_DOCUMENT = 48 << 20;
  /** Returned for the archive terminator, four {@code 0xff} bytes where a length would be. */
  static final byte[] TERMINATOR = new byte[0];

  private final InputStream in;
  private final String source;
  private long offset;

  BsonFrames(InputStream in, String source) {
    this.in = in;
    this.source = source;
  }

  /** The bytes consumed so far: the offset of the next frame. */
  long offset() {
    return offset;
  }

  /** The next document, or {@code null} if the input ends where it would start. */
  byte[] next(String what) throws IOException {
    return read(what, false);
  }

  /** Like {@link #next}, but returns {@link #TERMINATOR} for the archive terminator. */
  byte[] nextOrTerminator(String what) throws IOException {
    return read(what, true);
  }

  /** Exactly {@code n} bytes (the archive's magic number); a shorter input is an error. */
  byte[] fixed(int n, String what) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw error(offset, "the input ends after " + b.length + " of the " + n + " bytes of "
          + what);
    }
    offset += n;
    return b;
  }

  /** A {@link DumpFormatException} naming the source and {@code at}. */
  DumpFormatException error(long at, String message) {
    return new DumpFormatException(source + ", byte offset " + at + ": " + message);
  }

  private byte[] read(String what, boolean terminatorAllowed) throws IOException {
    long at = offset;
    byte[] length = new byte[4];
    int got = in.readNBytes(length, 0, 4);
    offset += got;
    if (got == 0) {
      return null;
    }
    if (got < 4) {
      throw error(at, "truncated " + what + ": the input ends after " + got
          + " of its 4 length bytes");
    }
    int n = (length[0] & 0xff) | (length[1] & 0xff) << 8 | (length[2] & 0xff) << 16
        | (length[3] & 0xff) << 24;
    if (n == -1 && terminatorAllowed) {
      return TERMINATOR;
    }
    if (n < 5 || n > MAX_DOCUMENT) {
      throw error(at, "impossible length " + Integer.toUnsignedString(n) + " of " + what
          + " (a BSON document has 5 bytes to 48 MiB)");
    }
    byte[] doc = new byte[n];
    System.arraycopy(length, 0, doc, 0, 4);
    int body = in.readNBytes(doc, 4, n - 4);
    offset += body;
    if (body < n - 4) {
      throw error(at, "truncated " + what + ": its length is " + n + " but the input ends after "
          + (4 + body) + " bytes");
    }
    if (doc[n - 1] != 0) {
      throw error(at, what + " of length " + n + " does not end with a 0x00 byte");
    }
    return doc;
  }
}
