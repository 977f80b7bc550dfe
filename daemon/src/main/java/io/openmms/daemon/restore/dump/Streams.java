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
