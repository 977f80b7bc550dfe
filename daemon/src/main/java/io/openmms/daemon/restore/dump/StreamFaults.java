package io.openmms.daemon.restore.dump;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Tells a failure of the caller's stream (a disk or network error, rethrown as it was) from a
 * failure of a decoder reading it (gzip, tar: the dump is corrupt, reported as
 * {@link DumpFormatException}). The caller's stream is wrapped by {@link #source} so its own
 * exceptions are marked; anything else a decoder throws is the dump's fault.
 */
final class StreamFaults {
  private StreamFaults() {}

  /** {@code in}, with its read failures marked as its own. */
  static InputStream source(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        try {
          return in.read();
        } catch (IOException e) {
          throw new SourceFailure(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return in.read(b, off, len);
        } catch (IOException e) {
          throw new SourceFailure(e);
        }
      }

      @Override
      public long skip(long n) throws IOException {
        try {
          return in.skip(n);
        } catch (IOException e) {
          throw new SourceFailure(e);
        }
      }
    };
  }

  /**
   * What to throw for {@code e}, raised while decoding: the source's own exception unwrapped, a
   * {@link DumpFormatException} as it is, anything else as a {@link DumpFormatException} that
   * starts with {@code where}.
   */
  static IOException classify(Exception e, String where) {
    if (e instanceof SourceFailure f) {
      return (IOException) f.getCause();
    }
    if (e instanceof DumpFormatException d) {
      return d;
    }
    return new DumpFormatException(where + ": " + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : " " + e.getMessage()));
  }

  /**
   * A decoder's output (the bytes gzip inflates, a tar entry's bytes), counted, its failures
   * classified: what the formats above it read only ever fails with the source's own exception
   * or a {@link DumpFormatException} naming {@code what} and the count of bytes decoded so far.
   */
  static final class Decoded extends FilterInputStream {
    private final String what;
    private long count;

    Decoded(InputStream decoder, String what) {
      super(decoder);
      this.what = what;
    }

    /** The bytes read or skipped through this stream so far. */
    long count() {
      return count;
    }

    @Override
    public int read() throws IOException {
      try {
        int b = in.read();
        count += b < 0 ? 0 : 1;
        return b;
      } catch (IOException | IllegalArgumentException e) {
        throw classify(e, where());
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = in.read(b, off, len);
        count += Math.max(n, 0);
        return n;
      } catch (IOException | IllegalArgumentException e) {
        throw classify(e, where());
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        long skipped = in.skip(n);
        count += skipped;
        return skipped;
      } catch (IOException | IllegalArgumentException e) {
        throw classify(e, where());
      }
    }

    private String where() {
      return what + " is corrupt after " + count + " decoded bytes";
    }
  }

  /** Marks an exception of the caller's stream while it travels through a decoder. */
  private static final class SourceFailure extends IOException {
    SourceFailure(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }
}
