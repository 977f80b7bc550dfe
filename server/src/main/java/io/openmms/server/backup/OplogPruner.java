package io.openmms.server.backup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.util.List;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps stored oplog only for each backup's point-in-time window (default 24 h, per cluster), so
 * that every time in the window stays restorable: a restore to time t starts from the newest
 * snapshot at or before t and replays the oplog after it. An oplog batch is therefore deleted
 * once all its entries are older than the <em>base</em> snapshot — the newest one at or before
 * the window's start (the newest received entry minus the window); with no such snapshot, once
 * they are older than the window's start. And only after the daemon has applied it to the head
 * (so a running head never misses one). A running point-in-time restore keeps the oplog after its
 * base snapshot. A daemon that later has to rebuild a head from the start finds the pruned
 * batches gone and rebuilds it from the newest snapshot the stored oplog continues
 * (docs/backup-daemon.md, "Rebuilding a head").
 */
public final class OplogPruner {
  private static final Logger LOG = LoggerFactory.getLogger(OplogPruner.class);
  private final Backups backups;
  private final BackupData data;
  private final MongoCollection<Document> heads;
  private final MongoCollection<Document> backupRecords;
  private final Snapshots snapshots;
  private final RestoreJobs restores;

  public OplogPruner(AppDatabase db, Backups backups) {
    this.backups = backups;
    this.data = new BackupData(db);
    this.heads = db.collection(Collections.HEADS);
    this.backupRecords = db.collection(Collections.BACKUPS);
    this.snapshots = new Snapshots(db);
    this.restores = new RestoreJobs(db, java.time.Clock.systemUTC());
  }

  /** Prunes every tailing backup; returns how many batches' worth of seqs were pruned. */
  public long run() {
    long pruned = 0;
    List<RestoreJobs.Job> restoring = restores.running();
    for (Document d : backupRecords.find(Filters.eq("state", Backups.State.TAILING.name()))
        .batchSize(500)) {
      Backups.Backup b = backups.get(d.getString("_id"));
      if (b == null || b.lastTs() == null) {
        continue;
      }
      Document head = heads.find(Filters.eq("_id", b.id())).first();
      if (head == null || !b.syncId().equals(head.getString("syncId"))) {
        continue; // nothing applied from this sync yet: keep everything
      }
      long applied = ((Number) head.get("appliedSeq")).longValue();
      java.util.OptionalLong windowStart = backups.pitWindowStart(b);
      if (windowStart.isEmpty()) {
        continue;
      }
      BsonTimestamp cutoff = Snapshots.pitBase(snapshots.list(b.id()), windowStart.getAsLong())
          .map(Snapshots.Snapshot::ts)
          .orElse(new BsonTimestamp((int) windowStart.getAsLong(), 0));
      for (RestoreJobs.Job j : restoring) {
        if (j.clusterId().equals(b.id()) && j.pointInTime()
            && j.snapshotTs().compareTo(cutoff) < 0) {
          cutoff = j.snapshotTs(); // a running point-in-time restore replays from its base
        }
      }
      long highest = data.pruneOplog(b.id(), b.syncId(), cutoff, applied);
      if (highest > 0) {
        backups.markPruned(b.id(), highest);
        pruned++;
        LOG.info("Backup {} ({}): pruned stored oplog up to batch {} (older than the {} h"
            + " point-in-time window)", b.id(), b.replicaSetName(), highest,
            (b.lastTs().getTime() - windowStart.getAsLong()) / 3600);
      }
    }
    return pruned;
  }
}
