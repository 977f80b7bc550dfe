package io.openmms.agent.backup;

import java.time.Instant;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * The content of one data request of the backup protocol (docs/backup-protocol.md, "Batches")
 * before it gets its sequence number: the {@code kind}, the kind's header fields and the
 * documents. Immutable.
 */
record Batch(String kind, BsonDocument fields, List<RawBsonDocument> documents) {
  static final String SYNC_START = "syncStart";
  static final String COLLECTION = "collection";
  static final String DOCUMENTS = "documents";
  static final String SYNC_END = "syncEnd";
  static final String OPLOG = "oplog";

  Batch {
    documents = List.copyOf(documents);
  }

  static Batch syncStart(BsonTimestamp startTs, Instant startWall) {
    return new Batch(SYNC_START, new BsonDocument("startTs", startTs)
        .append("startWall", new BsonDateTime(startWall.toEpochMilli())), List.of());
  }

  /** @param uuid {@code info.uuid} of listCollections, or {@code null} when the server has none */
  static Batch collection(String ns, String type, BsonDocument options, BsonValue uuid,
      List<BsonDocument> indexes) {
    BsonDocument f = new BsonDocument("ns", new BsonString(ns))
        .append("type", new BsonString(type)).append("options", options);
    if (uuid != null) {
      f.append("uuid", uuid);
    }
    return new Batch(COLLECTION, f.append("indexes", new BsonArray(indexes)), List.of());
  }

  static Batch documents(String ns, List<RawBsonDocument> docs) {
    return new Batch(DOCUMENTS, new BsonDocument("ns", new BsonString(ns)), docs);
  }

  static Batch syncEnd(BsonTimestamp endTs) {
    return new Batch(SYNC_END, new BsonDocument("endTs", endTs), List.of());
  }

  /** @param entries oplog entries in {@code ts} order, at least one */
  static Batch oplog(List<RawBsonDocument> entries) {
    BsonTimestamp first = entries.get(0).getTimestamp("ts");
    BsonTimestamp last = entries.get(entries.size() - 1).getTimestamp("ts");
    return new Batch(OPLOG, new BsonDocument("firstTs", first).append("lastTs", last)
        .append("count", new BsonInt32(entries.size())), entries);
  }

  /** The header document of this batch sent as {@code seq} of {@code syncId}. */
  BsonDocument header(String backupId, String syncId, long seq) {
    BsonDocument h = new BsonDocument("backupId", new BsonString(backupId))
        .append("syncId", new BsonString(syncId)).append("seq", new BsonInt64(seq))
        .append("kind", new BsonString(kind));
    fields.forEach(h::append);
    return h;
  }

  /** The last oplog {@code ts} of an {@code oplog} batch, else {@code null}. */
  BsonTimestamp lastTs() {
    return kind.equals(OPLOG) ? fields.getTimestamp("lastTs") : null;
  }

  @Override
  public String toString() {
    return kind + (fields.containsKey("ns") ? " " + fields.getString("ns").getValue() : "")
        + (documents.isEmpty() ? "" : " (" + documents.size() + " documents)");
  }
}
