package io.openmms.server.backup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Binary;

/**
 * The backup batches received from agents, stored as they arrived (gzip of the BSON stream) in
 * the application database.
 *
 * <p>Layout: {@code backupBatches} holds one document per batch, {@code _id} =
 * {@code backupId/syncId/seq}, with the header fields (kind, ns, firstTs, lastTs, count) and the
 * number of parts; {@code backupBatchParts} holds the bytes in parts of at most 8 MiB, {@code _id}
 * = {@code backupId/syncId/seq#i}. Parts are written before the batch document, so a batch
 * document means a complete batch. Every read goes by {@code _id}, which every MongoDB indexes
 * (an earlier GridFS layout was read through the {@code files_id} index, which the embedded
 * database does not maintain, and each read scanned all stored chunks). Thread-safe.
 */
public final class BackupData {
  private static final int PART = 8 << 20;
  private final MongoCollection<Document> batches;
  private final MongoCollection<Document> parts;

  public BackupData(AppDatabase db) {
    this.batches = db.collection(Collections.BACKUP_BATCHES);
    this.parts = db.collection(Collections.BACKUP_BATCH_PARTS);
  }

  static String name(String backupId, String syncId, long seq) {
    return backupId + "/" + syncId + "/" + seq;
  }

  /**
   * Stores a batch, replacing any copy left by an earlier attempt that was never acknowledged.
   */
  void store(String backupId, String syncId, long seq, byte[] gzipped, Document metadata) {
    String name = name(backupId, syncId, seq);
    delete(batches.find(Filters.eq("_id", name)).first());
    int n = Math.max(1, (gzipped.length + PART - 1) / PART);
    List<Document> chunks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      chunks.add(new Document("_id", name + "#" + i).append("data",
          new Binary(Arrays.copyOfRange(gzipped, i * PART, Math.min(gzipped.length,
              (i + 1) * PART)))));
    }
    for (Document c : chunks) {
      // replace, not insert: a crash after some parts and before the batch document leaves
      // parts without a batch, which the resend must overwrite
      parts.replaceOne(Filters.eq("_id", c.getString("_id")), c,
          new com.mongodb.client.model.ReplaceOptions().upsert(true));
    }
    batches.insertOne(new Document(metadata).append("_id", name).append("backupId", backupId)
        .append("syncId", syncId).append("seq", seq).append("parts", n)
        .append("bytes", gzipped.length));
  }

  /** The stored batch (gzip), or {@code null}. */
  public byte[] read(String backupId, String syncId, long seq) {
    Document meta = batches.find(Filters.eq("_id", name(backupId, syncId, seq))).first();
    if (meta == null) {
      return null;
    }
    List<String> ids = partIds(meta);
    ByteArrayOutputStream out = new ByteArrayOutputStream(meta.getInteger("bytes", 1024));
    List<Document> found = new ArrayList<>();
    parts.find(Filters.in("_id", ids)).forEach(found::add);
    found.sort(java.util.Comparator.comparingInt(d -> ids.indexOf(d.getString("_id"))));
    if (found.size() != ids.size()) {
      return null;
    }
    for (Document d : found) {
      out.writeBytes(d.get("data", Binary.class).getData());
    }
    return out.toByteArray();
  }

  /** Number of stored batches of a backup's sync. */
  public long count(String backupId, String syncId) {
    return batches.countDocuments(Filters.and(Filters.eq("backupId", backupId),
        Filters.eq("syncId", syncId)));
  }

  /** A stored oplog batch of a sync: its seq and the timestamps of its first and last entries. */
  public record OplogBatch(long seq, BsonTimestamp firstTs, BsonTimestamp lastTs) {}

  /** The stored oplog batches of a backup's sync, by seq (their metadata only). */
  public List<OplogBatch> oplogBatches(String backupId, String syncId) {
    List<OplogBatch> out = new ArrayList<>();
    for (Document d : matching(Filters.and(Filters.eq("backupId", backupId),
        Filters.eq("syncId", syncId), Filters.eq("kind", "oplog")))) {
      out.add(new OplogBatch(((Number) d.get("seq")).longValue(),
          d.get("firstTs", BsonTimestamp.class), d.get("lastTs", BsonTimestamp.class)));
    }
    out.sort(java.util.Comparator.comparingLong(OplogBatch::seq));
    return out;
  }

  /** The stored oplog batch of a sync with the lowest seq, if any (one document read). */
  public java.util.Optional<OplogBatch> firstOplogBatch(String backupId, String syncId) {
    Document d = batches.find(Filters.and(Filters.eq("backupId", backupId),
            Filters.eq("syncId", syncId), Filters.eq("kind", "oplog")))
        .projection(new Document("data", 0)).sort(new Document("seq", 1)).limit(1).first();
    return java.util.Optional.ofNullable(d).map(x -> new OplogBatch(
        ((Number) x.get("seq")).longValue(), x.get("firstTs", BsonTimestamp.class),
        x.get("lastTs", BsonTimestamp.class)));
  }

  /** Deletes the stored batches of a backup's other syncs (superseded by a resync). */
  public int deleteOtherSyncs(String backupId, String keepSyncId) {
    return deleteAll(Filters.and(Filters.eq("backupId", backupId),
        Filters.ne("syncId", keepSyncId)));
  }

  /** Deletes every stored batch of a backup (its backup was terminated). */
  public int deleteAll(String backupId) {
    return deleteAll(Filters.eq("backupId", backupId));
  }

  /**
   * Deletes a sync's oplog batches with {@code seq ≤ maxSeq} whose entries are all older than
   * {@code before}. Returns the highest seq deleted, or 0.
   */
  long pruneOplog(String backupId, String syncId, BsonTimestamp before, long maxSeq) {
    long highest = 0;
    for (Document d : matching(Filters.and(Filters.eq("backupId", backupId),
        Filters.eq("syncId", syncId), Filters.eq("kind", "oplog"), Filters.lte("seq", maxSeq),
        Filters.lt("lastTs", before)))) {
      delete(d);
      highest = Math.max(highest, ((Number) d.get("seq")).longValue());
    }
    return highest;
  }

  private int deleteAll(Bson filter) {
    List<Document> found = matching(filter);
    found.forEach(this::delete);
    return found.size();
  }

  private List<Document> matching(Bson filter) {
    List<Document> out = new ArrayList<>();
    batches.find(filter).projection(new Document("data", 0)).batchSize(1000).forEach(out::add);
    return out;
  }

  /** Deletes a batch: its document first (so it is never seen half-deleted), then its parts. */
  private void delete(Document meta) {
    if (meta == null) {
      return;
    }
    batches.deleteOne(Filters.eq("_id", meta.getString("_id")));
    parts.deleteMany(Filters.in("_id", partIds(meta)));
  }

  private static List<String> partIds(Document meta) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < meta.getInteger("parts"); i++) {
      ids.add(meta.getString("_id") + "#" + i);
    }
    return ids;
  }
}
