package io.openmms.server.backup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import io.openmms.server.auth.Secrets;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.BsonTimestamp;
import org.bson.Document;

/**
 * Backup configurations per cluster ({@code backupConfigs}: Ops Manager's {@code statusName}
 * STARTED, STOPPED or TERMINATING) and the backup of each replica set they cover
 * ({@code backups}: the state of its initial sync or tailing, the current {@code syncId}, and the
 * service's acknowledged position {@code lastSeq}/{@code lastTs}). Thread-safe.
 */
public final class Backups {
  /** The state of one replica set's backup as the agent sees it (docs/backup-protocol.md). */
  public enum State { INITIAL_SYNC_REQUIRED, INITIAL_SYNC, TAILING, RESYNC_REQUIRED, STOPPED }

  private final MongoCollection<Document> configs;
  private final MongoCollection<Document> backups;
  private final Secrets secrets;
  private final Clock clock;

  public Backups(AppDatabase db, Secrets secrets, Clock clock) {
    this.configs = db.collection(Collections.BACKUP_CONFIGS);
    this.backups = db.collection(Collections.BACKUPS);
    this.secrets = secrets;
    this.clock = clock;
  }

  /** One replica set's backup. */
  public record Backup(String id, String groupId, String configId, String replicaSetName,
      String clusterName, State state, String syncId, long lastSeq, BsonTimestamp lastTs,
      BsonTimestamp syncStartTs, BsonTimestamp syncEndTs, Date updated) {}

  /** A replica set a configuration covers: its cluster id, name and sharded cluster name. */
  public record Member(String clusterId, String replicaSetName, String clusterName) {}

  /** The default point-in-time window: stored oplog is kept this long (SPEC §3 step 6). */
  public static final int DEFAULT_PIT_WINDOW_HOURS = 24;

  /** The point-in-time window of a cluster's backup, in hours. */
  public int pitWindowHours(String clusterId) {
    Document d = configs.find(Filters.eq("_id", clusterId)).first();
    Object h = d == null ? null : d.get("pitWindowHours");
    return h instanceof Number n ? n.intValue() : DEFAULT_PIT_WINDOW_HOURS;
  }

  /**
   * The start of a backup's point-in-time window, in seconds: the newest oplog time the service
   * received minus the window; empty before any oplog was received or when the window reaches
   * back before the epoch.
   */
  public java.util.OptionalLong pitWindowStart(Backup b) {
    if (b.lastTs() == null) {
      return java.util.OptionalLong.empty();
    }
    long start = b.lastTs().getTime() - pitWindowHours(b.configId()) * 3600L;
    return start <= 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(start);
  }

  /** Sets a cluster's point-in-time window (the configuration must exist). */
  public void setPitWindowHours(String clusterId, int hours) {
    configs.updateOne(Filters.eq("_id", clusterId),
        new Document("$set", new Document("pitWindowHours", hours)));
  }

  /**
   * A cluster's snapshot schedule (the defaults when none was set); its point-in-time window is
   * {@link #pitWindowHours}.
   */
  public SnapshotSchedule schedule(String clusterId) {
    Document d = configs.find(Filters.eq("_id", clusterId)).first();
    Document s = d == null ? null : d.get("snapshotSchedule", Document.class);
    return SnapshotSchedule.of(s, pitWindowHours(clusterId));
  }

  /**
   * Sets a cluster's snapshot schedule and, from it, its point-in-time window. A cluster without
   * a configuration gets one, with its backup STOPPED.
   */
  public void setSchedule(String clusterId, SnapshotSchedule s) {
    configs.updateOne(Filters.eq("_id", clusterId), new Document("$set",
        new Document("snapshotSchedule", s.document())
            .append("pitWindowHours", s.pointInTimeWindowHours()))
        .append("$setOnInsert", new Document("statusName", "STOPPED")),
        new UpdateOptions().upsert(true));
  }

  /** Records that a backup's stored batches up to {@code seq} may have been pruned. */
  void markPruned(String backupId, long seq) {
    backups.updateOne(Filters.eq("_id", backupId),
        new Document("$max", new Document("prunedSeq", seq)));
  }

  /** The highest seq whose batch may have been pruned, or 0. */
  public long prunedSeq(String backupId) {
    Document d = backups.find(Filters.eq("_id", backupId)).first();
    Object v = d == null ? null : d.get("prunedSeq");
    return v instanceof Number n ? n.longValue() : 0;
  }

  /** The configured status of a cluster, or {@code STOPPED} when never configured. */
  public String status(String clusterId) {
    Document d = configs.find(Filters.eq("_id", clusterId)).first();
    return d == null ? "STOPPED" : d.getString("statusName");
  }

  /**
   * Sets a cluster's status. Starting creates (or restarts) a backup for each replica set it
   * covers, which then needs an initial sync; stopping stops them.
   */
  public void setStatus(String groupId, String clusterId, String statusName, List<Member> members) {
    Date now = new Date(clock.millis());
    configs.updateOne(Filters.eq("_id", clusterId), new Document("$set",
        new Document("groupId", groupId).append("statusName", statusName).append("updated", now)),
        new com.mongodb.client.model.UpdateOptions().upsert(true));
    for (Member m : members) {
      Backup b = get(m.clusterId());
      if (statusName.equals("STARTED")) {
        if (b == null || b.state() == State.STOPPED) {
          backups.replaceOne(Filters.eq("_id", m.clusterId()), new Document("_id", m.clusterId())
              .append("groupId", groupId).append("configId", clusterId)
              .append("replicaSetName", m.replicaSetName()).append("clusterName", m.clusterName())
              .append("state", State.INITIAL_SYNC_REQUIRED.name()).append("syncId", secrets.hex(12))
              .append("lastSeq", 0L).append("updated", now), new ReplaceOptions().upsert(true));
        }
      } else if (b != null) {
        backups.updateOne(Filters.eq("_id", m.clusterId()), new Document("$set",
            new Document("state", State.STOPPED.name()).append("updated", now)));
      }
    }
  }

  public Backup get(String backupId) {
    Document d = backups.find(Filters.eq("_id", backupId)).first();
    return d == null ? null : of(d);
  }

  /** The group's backups that agents must work on (not stopped). */
  public List<Backup> active(String groupId) {
    List<Backup> out = new ArrayList<>();
    backups.find(Filters.eq("groupId", groupId)).batchSize(500).forEach(d -> {
      Backup b = of(d);
      if (b.state() != State.STOPPED) {
        out.add(b);
      }
    });
    return out;
  }

  /**
   * Moves a backup's acknowledged position from {@code seq - 1} to {@code seq}, with the given
   * field changes, only if nobody moved it meanwhile. Returns false when it had moved.
   */
  boolean advance(Backup b, long seq, Document set) {
    set.append("lastSeq", seq).append("updated", new Date(clock.millis()));
    return backups.updateOne(Filters.and(Filters.eq("_id", b.id()), Filters.eq("syncId",
        b.syncId()), Filters.eq("lastSeq", seq - 1)), new Document("$set", set))
        .getModifiedCount() == 1;
  }

  /** Marks a backup as needing a new initial sync, with a new sync id. Returns the new id. */
  public String requireResync(String backupId, String reason) {
    String syncId = secrets.hex(12);
    backups.updateOne(Filters.eq("_id", backupId), new Document("$set",
        new Document("state", State.RESYNC_REQUIRED.name()).append("syncId", syncId)
            .append("lastSeq", 0L).append("lastTs", null).append("syncStartTs", null)
            .append("syncEndTs", null).append("resyncReason", reason)
            .append("updated", new Date(clock.millis()))));
    return syncId;
  }

  private static Backup of(Document d) {
    return new Backup(d.getString("_id"), d.getString("groupId"), d.getString("configId"),
        d.getString("replicaSetName"), d.getString("clusterName"),
        State.valueOf(d.getString("state")), d.getString("syncId"),
        ((Number) d.get("lastSeq")).longValue(), ts(d.get("lastTs")), ts(d.get("syncStartTs")),
        ts(d.get("syncEndTs")), d.getDate("updated"));
  }

  private static BsonTimestamp ts(Object o) {
    return o instanceof BsonTimestamp t ? t : null;
  }
}
