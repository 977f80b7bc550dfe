package io.openmms.agent.backup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * The body of a data request: the gzip of a BSON header document followed by zero or more BSON
 * documents, each in plain BSON framing (docs/backup-protocol.md, "Transport"). Documents are
 * copied byte for byte, so every BSON type arrives exact. Compresses at the fastest level: the
 * agent runs beside a database server and should spend little CPU. Stateless.
 */
final class BsonStream {
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

  private BsonStream() {}

  static byte[] encode(BsonDocument header, List<RawBsonDocument> documents) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(estimate(documents));
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 64 * 1024) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      write(gzip, new RawBsonDocument(header, CODEC));
      for (RawBsonDocument d : documents) {
        write(gzip, d);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static int estimate(List<RawBsonDocument> documents) {
    long raw = 256;
    for (RawBsonDocument d : documents) {
      raw += size(d);
    }
    return (int) Math.min(Integer.MAX_VALUE - 8, raw / 3 + 1024);
  }

  private static void write(GZIPOutputStream out, RawBsonDocument d) throws IOException {
    ByteBuffer b = d.getByteBuffer().asNIO();
    out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
  }

  /** The BSON size of a document, without parsing it. */
  static int size(RawBsonDocument d) {
    return d.getByteBuffer().remaining();
  }

  /** Reads a whole stream back: the header first. For tests and diagnostics. */
  static List<RawBsonDocument> decode(InputStream gzipped) throws IOException {
    byte[] all;
    try (InputStream in = new GZIPInputStream(gzipped)) {
      all = in.readAllBytes();
    }
    return split(all, 0, all.length);
  }

  /** Splits concatenated BSON documents; fails on a truncated or malformed frame. */
  static List<RawBsonDocument> split(byte[] bytes, int offset, int length) {
    List<RawBsonDocument> docs = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(bytes, offset, length).order(ByteOrder.LITTLE_ENDIAN);
    int pos = offset;
    int end = offset + length;
    while (pos < end) {
      if (end - pos < 5) {
        throw new IllegalArgumentException("truncated BSON frame at byte " + (pos - offset));
      }
      int size = b.getInt(pos);
      if (size < 5 || size > end - pos) {
        throw new IllegalArgumentException("bad BSON frame length " + size + " at byte "
            + (pos - offset));
      }
      docs.add(new RawBsonDocument(bytes, pos, size));
      pos += size;
    }
    return docs;
  }
}
