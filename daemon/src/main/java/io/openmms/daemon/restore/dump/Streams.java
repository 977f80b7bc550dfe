package io.openmms.daemon.restore.dump;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.LongConsumer;

/**
 * Buffer sizes and stream adapters the dump formats share; {@link #counting} also serves the
 * restore's progress while it reads a package back.
 */
public final class Streams {
  /** Buffer for .bson files and archive bodies: large, so a dump moves in few system calls. */
  static final int FILE_BUFFER = 1 << 20;
  /** Buffer of the gzip encoders and decoders. */
  static final int GZIP_BUFFER = 64 << 10;

  private Streams() {}

  /** {@code in}, passing to {@code read} the number of bytes each read returned. */
  public static InputStream counting(InputStream in, LongConsumer read) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          read.accept(1);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
          read.accept(n);
        }
        return n;
      }
    };
  }

  /**
   * {@code out}, except that {@code close()} only flushes: the formats write into a stream the
   * caller owns, yet close their own encoders (gzip, tar) to release them.
   */
  static OutputStream nonClosing(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }
}
