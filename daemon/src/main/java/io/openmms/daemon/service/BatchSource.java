package io.openmms.daemon.service;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.openmms.server.auth.Secrets;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.BsonStream;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.bson.Document;

/**
 * The backups and their acknowledged batches as the Backup HTTP service stored them
 * ({@link Backups}, {@link BackupData}), read straight from the application database. Only
 * batches with {@code seq} ≤ the backup's {@code lastSeq} are acknowledged; a stored file beyond
 * it may be a leftover of an attempt that was never acknowledged and is never read. Thread-safe.
 */
public final class BatchSource {
  private final Backups backups;
  private final BackupData data;
  private final MongoCollection<Document> backupRecords;

  public BatchSource(AppDatabase db, Clock clock) {
    // Backups needs a Secrets only to create sync ids, which the daemon never does
    this.backups = new Backups(db, new Secrets(new SecureRandom()), clock);
    this.data = new BackupData(db);
    this.backupRecords = db.collection(Collections.BACKUPS);
  }

  /** The backup, or {@code null} when it no longer exists. */
  Backups.Backup backup(String backupId) {
    return backups.get(backupId);
  }

  /** Asks the service for a new initial sync of the backup; returns the new sync id. */
  String requireResync(String backupId, String reason) {
    return backups.requireResync(backupId, reason);
  }

  /** Ids of every backup (of every group) that is not stopped: the daemons' work. */
  List<String> activeBackupIds() {
    List<String> ids = new ArrayList<>();
    backupRecords.find(Filters.ne("state", Backups.State.STOPPED.name()))
        .projection(Projections.include("_id")).batchSize(1000)
        .forEach(d -> ids.add(d.getString("_id")));
    return ids;
  }

  /** The stored oplog batches of a sync, by seq (their metadata only). */
  public List<BackupData.OplogBatch> oplogBatches(String backupId, String syncId) {
    return data.oplogBatches(backupId, syncId);
  }

  /** The acknowledged batch {@code seq} of a sync, parsed. */
  public BsonStream read(String backupId, String syncId, long seq) {
    byte[] gzipped = data.read(backupId, syncId, seq);
    if (gzipped == null && seq <= backups.prunedSeq(backupId)) {
      throw new BatchPrunedException(seq, "batch " + seq + " of sync " + syncId + " was pruned"
          + " (older than the backup's point-in-time window)");
    }
    if (gzipped == null) {
      throw new BatchUnreadableException(seq, "batch " + seq + " of sync " + syncId
          + " is acknowledged but not stored in " + Collections.BACKUP_BATCHES);
    }
    byte[] plain;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
      plain = in.readAllBytes();
    } catch (IOException e) {
      throw new BatchUnreadableException(seq, "batch " + seq + " of sync " + syncId
          + " is not valid gzip: " + e.getMessage());
    }
    try {
      return BsonStream.parse(plain, Integer.MAX_VALUE);
    } catch (RuntimeException e) {
      throw new BatchUnreadableException(seq, "batch " + seq + " of sync " + syncId
          + " is not a valid BSON stream: " + e.getMessage());
    }
  }
}
