package io.openmms.daemon.restore.dump;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Reads the prelude of a mongodump archive (mongo-tools {@code common/archive/prelude.go}): the
 * magic number, the header document (format version "0.1" required; {@code server_version},
 * {@code tool_version} and {@code concurrent_collections} are not needed to read), then one
 * {@code CollectionMetadata} document per namespace — {@code db}, {@code collection},
 * {@code metadata} (the metadata.json text, possibly empty), {@code size} (int32 or int64, as
 * Go encodes an int) and {@code type} — up to the terminator. Also decodes the body's header
 * documents for {@link ArchiveReader}. Errors name the byte offset of the document.
 */
final class ArchivePrelude {
  private ArchivePrelude() {}

  /** The namespaces the prelude lists, by "db.collection", in prelude order. */
  static Map<String, DumpCollection> read(BsonFrames frames) throws IOException {
    byte[] m = frames.fixed(4, "the magic number");
    int magic = (m[0] & 0xff) | (m[1] & 0xff) << 8 | (m[2] & 0xff) << 16 | (m[3] & 0xff) << 24;
    if (magic != ArchiveFormat.MAGIC) {
      throw frames.error(0, String.format("not a mongodump archive: magic number %08x, expected"
          + " %08x", magic, ArchiveFormat.MAGIC));
    }
    long at = frames.offset();
    BsonDocument header = document(frames, frames.next("the archive header"), at,
        "the archive header");
    BsonValue version = header.get(ArchiveFormat.FORMAT_VERSION);
    if (version == null || !version.isString()
        || !version.asString().getValue().equals(ArchiveFormat.VERSION)) {
      throw frames.error(at, "archive format version " + MetadataJson.show(version)
          + " is not supported (the only version is \"" + ArchiveFormat.VERSION + "\")");
    }
    Map<String, DumpCollection> namespaces = new LinkedHashMap<>();
    while (true) {
      at = frames.offset();
      byte[] b = frames.nextOrTerminator("collection metadata");
      if (b == BsonFrames.TERMINATOR) {
        return namespaces;
      }
      DumpCollection c = collection(frames, document(frames, b, at, "collection metadata"), at);
      if (namespaces.putIfAbsent(c.ns(), c) != null) {
        throw frames.error(at, "namespace " + c.ns() + " is listed twice in the prelude");
      }
    }
  }

  /** Decodes a header document read at {@code at}; the end of input or a terminator is wrong. */
  static BsonDocument document(BsonFrames frames, byte[] b, long at, String what)
      throws DumpFormatException {
    if (b == null) {
      throw frames.error(at, "the archive ends where " + what + " should start");
    }
    if (b == BsonFrames.TERMINATOR) {
      throw frames.error(at, "a terminator where " + what + " should start");
    }
    try {
      return new RawBsonDocument(b).decode(new BsonDocumentCodec());
    } catch (RuntimeException e) {
      throw frames.error(at, what + " is not valid BSON: " + e.getMessage());
    }
  }

  /** The string {@code field} of {@code d}, which was read at {@code at}. */
  static String string(BsonFrames frames, BsonDocument d, String field, long at)
      throws DumpFormatException {
    BsonValue v = d.get(field);
    if (v == null || !v.isString()) {
      throw frames.error(at, "field " + field + " is missing or not a string in " + d.toJson());
    }
    return v.asString().getValue();
  }

  private static DumpCollection collection(BsonFrames frames, BsonDocument d, long at)
      throws DumpFormatException {
    String db = string(frames, d, ArchiveFormat.DB, at);
    String name = string(frames, d, ArchiveFormat.COLLECTION, at);
    String metadata = string(frames, d, ArchiveFormat.METADATA, at);
    String ns = db + "." + name;
    BsonValue type = d.get(ArchiveFormat.TYPE);
    if (type != null && !(type.isString() && (type.asString().getValue().isEmpty()
        || type.asString().getValue().equals("collection")))) {
      throw frames.error(at, "namespace " + ns + " has type " + MetadataJson.show(type)
          + ", which is not supported (openmms dumps hold collections, not views or time-series"
          + " collections)");
    }
    if (db.isEmpty() || name.isEmpty()) {
      throw frames.error(at, "namespace \"" + ns + "\" is not a collection of a database (the"
          + " oplog of mongodump --oplog is not supported)");
    }
    BsonValue size = d.get(ArchiveFormat.SIZE);
    if (size != null && !size.isInt32() && !size.isInt64()) {
      throw frames.error(at, "size of namespace " + ns + " is not an integer: "
          + MetadataJson.show(size));
    }
    if (metadata.isEmpty()) {
      return new DumpCollection(db, name, Optional.empty(), new BsonDocument(), List.of());
    }
    MetadataJson.Parsed p = MetadataJson.parse(metadata,
        "archive, collection metadata at byte offset " + at + ", metadata of " + ns);
    if (p.collectionName().isPresent() && !p.collectionName().get().equals(name)) {
      throw frames.error(at, "the metadata of namespace " + ns + " names collection "
          + p.collectionName().get());
    }
    return p.collection(db, name);
  }
}
