package io.openmms.server.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads request bodies with hard limits on both the bytes on the wire and the bytes after
 * decompression, so neither a huge upload nor a decompression bomb can exhaust memory.
 */
public final class Bodies {
  private Bodies() {}

  /**
   * Reads a body, gunzipping it when {@code contentEncoding} is gzip.
   *
   * @throws ApiException 413 when a limit is exceeded, 400 when the compression is corrupt, 415
   *     for an unsupported encoding
   */
  public static byte[] read(InputStream in, String contentEncoding, long maxWire, long maxPlain) {
    String enc = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase(Locale.ROOT);
    try {
      InputStream wire = new LimitedInputStream(in, maxWire, "request body on the wire");
      InputStream plain = switch (enc) {
        case "identity", "" -> wire;
        case "gzip", "x-gzip" -> new GZIPInputStream(wire);
        default -> throw new ApiException(415, "UNSUPPORTED_ENCODING",
            "Content-Encoding '" + enc + "' is not supported; use gzip or identity");
      };
      return readAll(new LimitedInputStream(plain, maxPlain, "decompressed request body"));
    } catch (ZipException | java.io.EOFException e) {
      throw ApiException.badRequest("INVALID_COMPRESSION",
          "The request body is not valid gzip: " + e.getMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("INVALID_BODY", "Could not read the request body: "
          + e.getMessage());
    }
  }

  /** The body as sent on the wire (still compressed), at most {@code maxWire} bytes. */
  public static byte[] readWire(InputStream in, long maxWire) {
    try {
      return readAll(new LimitedInputStream(in, maxWire, "request body on the wire"));
    } catch (IOException e) {
      throw ApiException.badRequest("INVALID_BODY", "Could not read the request body: "
          + e.getMessage());
    }
  }

  /** Decompresses a body read with {@link #readWire}, with the same checks as {@link #read}. */
  public static byte[] decode(byte[] wire, String contentEncoding, long maxPlain) {
    return read(new java.io.ByteArrayInputStream(wire), contentEncoding, Long.MAX_VALUE, maxPlain);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  private static final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private final long max;
    private final String what;
    private long count;

    LimitedInputStream(InputStream in, long max, String what) {
      this.in = in;
      this.max = max;
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        check(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        check(n);
      }
      return n;
    }

    private void check(int n) {
      count += n;
      if (count > max) {
        throw new ApiException(413, "PAYLOAD_TOO_LARGE",
            "The " + what + " exceeds the limit of " + max + " bytes");
      }
    }
  }
}
