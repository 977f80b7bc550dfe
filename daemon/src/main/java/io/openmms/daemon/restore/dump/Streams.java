package io.openmms.daemon.restore.dump;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Buffer sizes and a stream adapter the dump formats share. */
final class Streams {
  /** Buffer for .bson files and archive bodies: large, so a dump moves in few system calls. */
  static final int FILE_BUFFER = 1 << 20;
  /** Buffer of the gzip encoders and decoders. */
  static final int GZIP_BUFFER = 64 << 10;

  private Streams() {}

  /**
   * {@code out}, except that {@code close()} only flushes: the formats write into a stream the
   * caller owns, yet close their own encoders (gzip, tar) to release them.
   */
  /**
   * {@code in}, reporting to {@code read} after each read the bytes read so far plus
   * {@code before} (a packer's progress over all the files of a dump).
   */
  static java.io.InputStream counting(java.io.InputStream in, long before,
      java.util.function.LongConsumer read) {
    return new java.io.FilterInputStream(in) {
      private long n = before;

      @Override
      public int read() throws java.io.IOException {
        int b = super.read();
        if (b >= 0) {
          read.accept(++n);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        int r = super.read(b, off, len);
        if (r > 0) {
          n += r;
          read.accept(n);
        }
        return r;
      }
    };
  }

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
