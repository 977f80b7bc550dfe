package io.openmms.server.backup;

import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.gridfs.model.GridFSUploadOptions;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * The backup batches received from agents, stored as they arrived (gzip of the BSON stream) in a
 * GridFS bucket of the application database, so a batch of any size is one file. A file is named
 * {@code backupId/syncId/seq} and its metadata holds the header fields (kind, ns, firstTs,
 * lastTs, count). The daemon reads them in {@code seq} order. Thread-safe.
 */
public final class BackupData {
  private final GridFSBucket bucket;

  public BackupData(AppDatabase db) {
    this.bucket = GridFSBuckets.create(db.database(), Collections.BACKUP_DATA_BUCKET);
  }

  static String name(String backupId, String syncId, long seq) {
    return backupId + "/" + syncId + "/" + seq;
  }

  /**
   * Stores a batch, replacing any copy left by an earlier attempt that was never acknowledged.
   */
  void store(String backupId, String syncId, long seq, byte[] gzipped, Document metadata) {
    String name = name(backupId, syncId, seq);
    for (ObjectId old : ids(name)) {
      bucket.delete(old);
    }
    bucket.uploadFromStream(name, new ByteArrayInputStream(gzipped),
        new GridFSUploadOptions().chunkSizeBytes(1 << 20).metadata(metadata
            .append("backupId", backupId).append("syncId", syncId).append("seq", seq)));
  }

  /** The stored batch (gzip), or {@code null}. */
  public byte[] read(String backupId, String syncId, long seq) {
    List<ObjectId> ids = ids(name(backupId, syncId, seq));
    if (ids.isEmpty()) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    bucket.downloadToStream(ids.get(0), out);
    return out.toByteArray();
  }

  /** Number of stored batches of a backup's sync. */
  public long count(String backupId, String syncId) {
    List<Document> files = new ArrayList<>();
    bucket.find(Filters.and(Filters.eq("metadata.backupId", backupId),
        Filters.eq("metadata.syncId", syncId))).forEach(f -> files.add(f.getMetadata()));
    return files.size();
  }

  /** Deletes the stored batches of a backup's other syncs (superseded by a resync). */
  public int deleteOtherSyncs(String backupId, String keepSyncId) {
    List<ObjectId> ids = new ArrayList<>();
    bucket.find(Filters.and(Filters.eq("metadata.backupId", backupId),
        Filters.ne("metadata.syncId", keepSyncId))).forEach(f -> ids.add(f.getObjectId()));
    ids.forEach(bucket::delete);
    return ids.size();
  }

  /**
   * Deletes a sync's oplog batches with {@code seq ≤ maxSeq} whose entries are all older than
   * {@code before}. Returns the highest seq deleted, or 0.
   */
  long pruneOplog(String backupId, String syncId, org.bson.BsonTimestamp before, long maxSeq) {
    long highest = 0;
    List<ObjectId> ids = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    bucket.find(Filters.and(Filters.eq("metadata.backupId", backupId),
        Filters.eq("metadata.syncId", syncId), Filters.eq("metadata.kind", "oplog"),
        Filters.lte("metadata.seq", maxSeq), Filters.lt("metadata.lastTs", before)))
        .forEach(f -> {
          ids.add(f.getObjectId());
          seqs.add(((Number) f.getMetadata().get("seq")).longValue());
        });
    for (int i = 0; i < ids.size(); i++) {
      bucket.delete(ids.get(i));
      highest = Math.max(highest, seqs.get(i));
    }
    return highest;
  }

  /** Deletes every stored batch of a backup (its backup was terminated). */
  public int deleteAll(String backupId) {
    return deleteOtherSyncs(backupId, null);
  }

  private List<ObjectId> ids(String name) {
    List<ObjectId> ids = new ArrayList<>();
    bucket.find(Filters.eq("filename", name)).forEach(f -> ids.add(f.getObjectId()));
    return ids;
  }
}
