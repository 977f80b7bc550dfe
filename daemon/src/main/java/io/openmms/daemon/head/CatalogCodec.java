package io.openmms.daemon.head;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.ByteBuf;
import org.bson.BsonBinary;
import org.bson.BsonBinaryWriter;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;

/** BSON encodings of the catalog entries and of the meta record (docs/head-format.md). */
final class CatalogCodec {
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

  /**
   * A catalog entry: the head-internal collection id, the public info, the documents' content
   * tag: a random name drawn anew by every commit that changes them (see
   * {@link HeadReader#contentTag}), and the change log's lineage and {@code since} (see
   * {@link ChangeLog}).
   */
  record Entry(long id, CollectionInfo info, String contentTag, String lineage,
      BsonTimestamp since) {
    /** A new collection: a new content tag and a new change-log lineage. */
    Entry(long id, CollectionInfo info) {
      this(id, info, newContentTag(), newContentTag(), NO_TIMESTAMP);
    }

    Entry withInfo(CollectionInfo newInfo) {
      return new Entry(id, newInfo, contentTag, lineage, since);
    }

    /** The documents changed: a new content tag, the same change log. */
    Entry withDocuments(CollectionInfo newInfo) {
      return new Entry(id, newInfo, newContentTag(), lineage, since);
    }

    /** The change log no longer covers every document write: a new lineage, nothing pruned. */
    Entry withNewLineage() {
      return new Entry(id, info, contentTag, newContentTag(), NO_TIMESTAMP);
    }

    Entry withSince(BsonTimestamp newSince) {
      return new Entry(id, info, contentTag, lineage, newSince);
    }
  }

  /** {@code Timestamp(0, 0)}: the {@code since} of a change log that was never pruned. */
  static final BsonTimestamp NO_TIMESTAMP = new BsonTimestamp(0L);

  /** A new content tag: 128 random bits. */
  static String newContentTag() {
    UUID u = UUID.randomUUID();
    return java.util.HexFormat.of().toHexDigits(u.getMostSignificantBits())
        + java.util.HexFormat.of().toHexDigits(u.getLeastSignificantBits());
  }

  /** The meta record: format version, state, position, next collection id. */
  record Meta(HeadState state, Optional<OplogPosition> position, long nextCollectionId) {}

  private CatalogCodec() {}

  static byte[] encodeEntry(Entry e) {
    CollectionInfo info = e.info();
    BsonDocument d = new BsonDocument("collectionId", new BsonInt64(e.id()));
    info.uuid().ifPresent(u -> d.put("uuid", new BsonBinary(u, UuidRepresentation.STANDARD)));
    d.put("options", info.options());
    d.put("indexes", new BsonArray(new ArrayList<BsonValue>(info.indexes())));
    d.put("count", new BsonInt64(info.count()));
    d.put("dataSize", new BsonInt64(info.dataSize()));
    d.put("contentTag", new BsonString(e.contentTag()));
    d.put("changes", new BsonDocument("lineage", new BsonString(e.lineage()))
        .append("since", e.since()));
    return bytes(d);
  }

  static Entry decodeEntry(String ns, byte[] value) {
    BsonDocument d = new RawBsonDocument(value).decode(CODEC);
    Optional<UUID> uuid = d.containsKey("uuid")
        ? Optional.of(d.getBinary("uuid").asUuid(UuidRepresentation.STANDARD)) : Optional.empty();
    List<BsonDocument> indexes = d.getArray("indexes").stream().map(BsonValue::asDocument).toList();
    BsonDocument log = d.containsKey("changes") ? d.getDocument("changes") : null;
    return new Entry(d.getInt64("collectionId").getValue(), new CollectionInfo(Namespace.parse(ns),
        uuid, d.getDocument("options"), indexes, d.getInt64("count").getValue(),
        d.getInt64("dataSize").getValue()),
        // an entry written before tags existed gets a new one: nothing matches it by chance
        d.containsKey("contentTag") ? d.getString("contentTag").getValue() : newContentTag(),
        // and one written before change logs existed, a new lineage: its writes were not logged
        log == null ? newContentTag() : log.getString("lineage").getValue(),
        log == null ? NO_TIMESTAMP : log.getTimestamp("since"));
  }

  static byte[] encodeMeta(Meta m) {
    BsonDocument d = new BsonDocument("formatVersion", new BsonInt32(Keys.FORMAT_VERSION))
        .append("state", new BsonString(m.state().name()))
        .append("nextCollectionId", new BsonInt64(m.nextCollectionId()));
    m.position().ifPresent(p -> d.append("position", new BsonDocument("ts", p.ts())
        .append("t", new BsonInt64(p.term()))
        .append("wall", new BsonDateTime(p.wallTime().toEpochMilli()))));
    return bytes(d);
  }

  static Meta decodeMeta(byte[] value) {
    BsonDocument d = new RawBsonDocument(value).decode(CODEC);
    int version = d.getInt32("formatVersion").getValue();
    if (version != Keys.FORMAT_VERSION) {
      throw new HeadStorageException("head format version " + version
          + " is not supported (this daemon reads version " + Keys.FORMAT_VERSION + ")");
    }
    Optional<OplogPosition> pos = Optional.empty();
    if (d.containsKey("position")) {
      BsonDocument p = d.getDocument("position");
      pos = Optional.of(new OplogPosition(p.getTimestamp("ts"), p.getInt64("t").getValue(),
          Instant.ofEpochMilli(p.getDateTime("wall").getValue())));
    }
    return new Meta(HeadState.valueOf(d.getString("state").getValue()), pos,
        d.getInt64("nextCollectionId").getValue());
  }

  /**
   * The BSON bytes of {@code d}: a {@link RawBsonDocument}'s own array when it spans all of it,
   * else a copy of its bytes, else the encoding.
   */
  static byte[] bytes(BsonDocument d) {
    if (d instanceof RawBsonDocument raw) {
      ByteBuf buf = raw.getByteBuffer();
      if (buf.arrayOffset() == 0 && buf.position() == 0 && buf.limit() == buf.array().length) {
        return buf.array(); // a document made from exactly these bytes; never modified
      }
      ByteBuffer bb = buf.asNIO();
      byte[] out = new byte[bb.remaining()];
      bb.get(out);
      return out;
    }
    BasicOutputBuffer buf = new BasicOutputBuffer(256);
    try (BsonBinaryWriter w = new BsonBinaryWriter(buf)) {
      CODEC.encode(w, d, EncoderContext.builder().build());
    }
    return buf.toByteArray();
  }
}
