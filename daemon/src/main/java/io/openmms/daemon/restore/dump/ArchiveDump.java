package io.openmms.daemon.restore.dump;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.GZIPOutputStream;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * The {@code mongodump --archive} format, which {@code mongorestore --archive=<file>} (with
 * {@code --gzip} when compressed) restores unchanged. Written to the published specification
 * (mongo-tools {@code common/archive/spec.md}) and checked against the tools' Go source; the
 * layout is in docs/restore-formats.md.
 *
 * <p><b>Writing.</b> The prelude lists every collection of the dump directory in
 * {@link DumpDirectory#collections} order with its metadata.json text and .bson size; the body
 * then holds each namespace whole, one after another, in the same order: one block (its
 * namespace header, every document, a terminator), then its EOF header carrying the CRC-64 of
 * its documents, then a terminator — byte for byte what mongodump writes for one collection
 * dumped at a time (its multiplexer only starts a new block when the namespace changes), an
 * empty collection included (a header and terminator with no documents between). The header
 * says {@code concurrent_collections} 1, {@code tool_version} {@value #TOOL_VERSION}. With
 * {@code gzip} the whole stream is gzip-compressed, as {@code mongodump --archive --gzip} does.
 *
 * <p><b>Reading</b> is {@link ArchiveReader}'s, an independent implementation of the
 * specification that also accepts interleaved namespaces.
 */
public final class ArchiveDump {
  /** The {@code tool_version} openmms writes. */
  public static final String TOOL_VERSION = "openmms";
  /** The server version written when the source's is unknown. */
  private static final String UNKNOWN_SERVER = "0.0.0";

  private ArchiveDump() {}

  /**
   * Writes the dump in {@code dumpDir} to {@code out} as an archive whose header names the
   * source's MongoDB version (such as "7.0.14"; recent mongorestore parses it and warns when it
   * differs from the target's), or "0.0.0" when {@code serverVersion} is null (unknown; then
   * mongorestore warns that the archive comes from another server version). {@code out} is
   * flushed, not closed.
   *
   * @throws IllegalArgumentException when {@code serverVersion} is not a version mongorestore
   *     parses
   */
  public static void pack(Path dumpDir, OutputStream out, boolean gzip, String serverVersion)
      throws IOException {
    pack(dumpDir, out, gzip, serverVersion, n -> { });
  }

  /**
   * As {@link #pack(Path, OutputStream, boolean, String)}, passing to {@code read} the number of
   * bytes of each read from the dump's .bson files.
   */
  public static void pack(Path dumpDir, OutputStream out, boolean gzip, String serverVersion,
      LongConsumer read) throws IOException {
    if (serverVersion == null) {
      serverVersion = UNKNOWN_SERVER;
    }
    if (!io.openmms.server.backup.SourceVersions.parses(serverVersion)) {
      throw new IllegalArgumentException("serverVersion \"" + serverVersion
          + "\" is not a MongoDB version such as 7.0.14");
    }
    List<DumpDirectory.Entry> entries = DumpDirectory.entries(dumpDir);
    OutputStream target = Streams.nonClosing(out);
    if (gzip) {
      target = new GZIPOutputStream(target, Streams.GZIP_BUFFER);
    }
    try (OutputStream sink = new BufferedOutputStream(target, Streams.FILE_BUFFER)) {
      prelude(sink, entries, serverVersion);
      for (DumpDirectory.Entry e : entries) {
        namespace(sink, e, read);
      }
    }
  }

  /** Reads an archive (gzip-compressed when {@code gzip}), spooling to {@code java.io.tmpdir}. */
  public static DumpReader read(InputStream in, boolean gzip) throws IOException {
    return read(in, gzip, Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * Reads an archive (gzip-compressed when {@code gzip}). Interleaved namespaces are spooled to
   * temporary files in {@code tempDir}, deleted once read and on close. The reader owns
   * {@code in} and closes it.
   */
  public static DumpReader read(InputStream in, boolean gzip, Path tempDir) throws IOException {
    return new ArchiveReader(in, gzip, tempDir);
  }

  private static void prelude(OutputStream sink, List<DumpDirectory.Entry> entries,
      String serverVersion) throws IOException {
    int magic = ArchiveFormat.MAGIC;
    sink.write(new byte[] {(byte) magic, (byte) (magic >> 8), (byte) (magic >> 16),
        (byte) (magic >> 24)});
    write(sink, new BsonDocument()
        .append(ArchiveFormat.CONCURRENT_COLLECTIONS, new BsonInt32(1))
        .append(ArchiveFormat.FORMAT_VERSION, new BsonString(ArchiveFormat.VERSION))
        .append(ArchiveFormat.SERVER_VERSION, new BsonString(serverVersion))
        .append(ArchiveFormat.TOOL_VERSION, new BsonString(TOOL_VERSION)));
    for (DumpDirectory.Entry e : entries) {
      long size = Files.size(e.bson());
      // Go encodes the int field as an int32 when the value fits, else as an int64.
      BsonValue sizeValue = size == (int) size ? new BsonInt32((int) size) : new BsonInt64(size);
      write(sink, new BsonDocument()
          .append(ArchiveFormat.DB, new BsonString(e.collection().db()))
          .append(ArchiveFormat.COLLECTION, new BsonString(e.collection().collection()))
          .append(ArchiveFormat.METADATA, new BsonString(e.metadataJson()))
          .append(ArchiveFormat.SIZE, sizeValue)
          .append(ArchiveFormat.TYPE, new BsonString("collection")));
    }
    sink.write(ArchiveFormat.TERMINATOR);
  }

  private static void namespace(OutputStream sink, DumpDirectory.Entry e, LongConsumer read)
      throws IOException {
    DumpCollection c = e.collection();
    write(sink, header(c, false, 0));
    Crc64 crc = new Crc64();
    try (InputStream in = new BufferedInputStream(Streams.counting(
        Files.newInputStream(e.bson()), read), Streams.FILE_BUFFER)) {
      BsonFrames frames = new BsonFrames(in, e.bson().toString());
      for (byte[] d = frames.next("document"); d != null; d = frames.next("document")) {
        crc.update(d);
        sink.write(d);
      }
    }
    sink.write(ArchiveFormat.TERMINATOR);
    write(sink, header(c, true, crc.value()));
    sink.write(ArchiveFormat.TERMINATOR);
  }

  private static BsonDocument header(DumpCollection c, boolean eof, long crc) {
    return new BsonDocument()
        .append(ArchiveFormat.DB, new BsonString(c.db()))
        .append(ArchiveFormat.COLLECTION, new BsonString(c.collection()))
        .append(ArchiveFormat.EOF, BsonBoolean.valueOf(eof))
        .append(ArchiveFormat.CRC, new BsonInt64(crc));
  }

  private static void write(OutputStream sink, BsonDocument d) throws IOException {
    RawBsonDocument raw = new RawBsonDocument(d, new BsonDocumentCodec());
    sink.write(raw.getBackingArray(), raw.getByteOffset(), raw.getByteLength());
  }
}
