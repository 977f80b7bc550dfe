package io.openmms.daemon.restore.dump;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Builds mongodump archives byte by byte from the specification (mongo-tools
 * common/archive/spec.md), independently of {@link ArchiveDump}'s writer, so tests can make
 * interleaved and broken archives.
 */
final class ArchiveBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final Map<String, ByteArrayOutputStream> documents = new HashMap<>();

  /** Magic number 0x8199e26d, little-endian. */
  ArchiveBytes magic() {
    return raw(0x6d, 0xe2, 0x99, 0x81);
  }

  /** The header document as mongodump 100.x writes it. */
  ArchiveBytes header(String version) {
    return doc(new BsonDocument("concurrent_collections", new BsonInt32(4))
        .append("version", new BsonString(version))
        .append("server_version", new BsonString("7.0.14"))
        .append("tool_version", new BsonString("100.10.0")));
  }

  /** A prelude CollectionMetadata document. */
  ArchiveBytes collection(String db, String coll, String metadata) {
    return doc(new BsonDocument("db", new BsonString(db)).append("collection", new BsonString(coll))
        .append("metadata", new BsonString(metadata)).append("size", new BsonInt32(0))
        .append("type", new BsonString("collection")));
  }

  /** A namespace segment: header (EOF false, CRC 0), the documents, a terminator. */
  ArchiveBytes segment(String db, String coll, BsonDocument... docs) {
    namespaceHeader(db, coll, false, 0);
    for (BsonDocument d : docs) {
      byte[] b = bytes(d);
      documents.computeIfAbsent(db + "." + coll, k -> new ByteArrayOutputStream()).writeBytes(b);
      out.writeBytes(b);
    }
    return terminator();
  }

  /** The EOF header carrying the CRC-64 of the namespace's documents so far, a terminator. */
  ArchiveBytes eof(String db, String coll) {
    ByteArrayOutputStream docs = documents.getOrDefault(db + "." + coll,
        new ByteArrayOutputStream());
    return eof(db, coll, crc64(docs.toByteArray()));
  }

  ArchiveBytes eof(String db, String coll, long crc) {
    namespaceHeader(db, coll, true, crc);
    return terminator();
  }

  ArchiveBytes namespaceHeader(String db, String coll, boolean eof, long crc) {
    return doc(new BsonDocument("db", new BsonString(db)).append("collection", new BsonString(coll))
        .append("EOF", BsonBoolean.valueOf(eof)).append("CRC", new BsonInt64(crc)));
  }

  ArchiveBytes terminator() {
    return raw(0xff, 0xff, 0xff, 0xff);
  }

  ArchiveBytes doc(BsonDocument d) {
    out.writeBytes(bytes(d));
    return this;
  }

  ArchiveBytes raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  byte[] bytes() {
    return out.toByteArray();
  }

  static byte[] gzip(byte[] b) {
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(z)) {
      g.write(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return z.toByteArray();
  }

  static byte[] bytes(BsonDocument d) {
    return DumpSamples.bytes(new RawBsonDocument(d, new BsonDocumentCodec()));
  }

  /** Go's crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)), bit by bit. */
  static long crc64(byte[] b) {
    long crc = -1L;
    for (byte x : b) {
      crc ^= x & 0xff;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xC96C5795D7870F42L : crc >>> 1;
      }
    }
    return ~crc;
  }
}
