package io.openmms.server.backup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * Restore jobs in the {@code restoreJobs} collection (docs/restores.md, "Jobs"). The service
 * creates a job IN_PROGRESS and QUEUED; a backup daemon that has the snapshot's block store claims
 * it, moves it through its phases with progress and a heartbeat, and ends it FINISHED, BROKEN
 * (with a reason) or KILLED (after a kill request). A job whose daemon stopped heart-beating is
 * claimed again and restarted from the beginning. Thread-safe.
 */
public final class RestoreJobs {
  /** Ops Manager's restore job states. */
  public enum Status { IN_PROGRESS, FINISHED, BROKEN, KILLED }

  /** Where the work of an IN_PROGRESS job stands. */
  public enum Phase { QUEUED, READING_SNAPSHOT, REPLAYING_OPLOG, PACKAGING, VERIFYING, DELIVERING,
    DONE }

  /** How the restored data is delivered, by Ops Manager's {@code delivery.methodName}. */
  public enum Method { HTTP, SCP, AUTOMATED_RESTORE }

  /** The file format of an HTTP or SCP delivery. */
  public enum Format { TAR_GZ, ARCHIVE, ARCHIVE_GZ }

  /**
   * What the job restores: a snapshot as it is, or ({@code targetTs} set) the base snapshot plus
   * the stored oplog of its sync up to and including {@code targetTs}. {@code sourceVersion} is
   * the replica set's MongoDB version when the job was created, or {@code null} when unknown.
   */
  public record Job(String id, String groupId, String clusterId, String replicaSetName,
      String snapshotId, String store, String syncId, BsonTimestamp snapshotTs,
      BsonTimestamp targetTs, Long pointInTimeUtcMillis, Document delivery, Status status,
      Phase phase, long bytesDone, long bytesTotal, String reason, Document verification,
      Document file, String owner, Instant created, Instant finished, boolean killRequested,
      int attempts, String sourceVersion) {

    public Method method() {
      return Method.valueOf(delivery.getString("methodName"));
    }

    public boolean pointInTime() {
      return targetTs != null;
    }

    /**
     * The name of this attempt's download file in {@link RestoreFiles}; once the job is FINISHED
     * no attempt follows, so it names the file the link serves.
     */
    public String fileId() {
      return id + "." + attempts;
    }

    /**
     * The oplog time the restored data stands at: the one the replay reached once known, else
     * the target, else the snapshot's.
     */
    public BsonTimestamp restoredTs() {
      if (file != null && file.get("restoredTs") instanceof BsonTimestamp r) {
        return r;
      }
      return targetTs != null ? targetTs : snapshotTs;
    }

    /** Progress in percent: 100 once FINISHED, at most 99 before. */
    public int percent() {
      if (status == Status.FINISHED) {
        return 100;
      }
      return bytesTotal > 0 ? (int) Math.min(99, 100 * bytesDone / bytesTotal) : 0;
    }

    /** PASSED, FAILED, or PENDING before the check ran. */
    public String verificationStatus() {
      return verification == null || verification.getString("status") == null ? "PENDING"
          : verification.getString("status");
    }
  }

  private final MongoCollection<Document> jobs;
  private final Clock clock;

  public RestoreJobs(AppDatabase db, Clock clock) {
    this.jobs = db.collection(Collections.RESTORE_JOBS);
    this.clock = clock;
  }

  /**
   * Inserts a new job, IN_PROGRESS and QUEUED; {@code sourceVersion} is the source's MongoDB
   * version, or {@code null} when unknown.
   */
  public Job create(String id, Snapshots.Snapshot base, String replicaSetName,
      BsonTimestamp targetTs, Long pointInTimeUtcMillis, Document delivery,
      String sourceVersion) {
    Document d = new Document("_id", id).append("groupId", base.groupId())
        .append("clusterId", base.backupId()).append("replicaSetName", replicaSetName)
        .append("snapshotId", base.id()).append("store", base.store())
        .append("syncId", base.syncId()).append("snapshotTs", base.ts())
        .append("targetTs", targetTs).append("pointInTimeUTCMillis", pointInTimeUtcMillis)
        .append("delivery", delivery).append("statusName", Status.IN_PROGRESS.name())
        .append("phase", Phase.QUEUED.name()).append("bytesDone", 0L).append("bytesTotal", 0L)
        .append("created", Date.from(clock.instant())).append("attempts", 0);
    if (sourceVersion != null) {
      d.append("sourceVersion", sourceVersion);
    }
    jobs.insertOne(d);
    return of(d);
  }

  public Optional<Job> get(String id) {
    return Optional.ofNullable(jobs.find(Filters.eq("_id", id)).first()).map(RestoreJobs::of);
  }

  /** A cluster's jobs, newest first. */
  public List<Job> list(String clusterId) {
    List<Job> out = new ArrayList<>();
    jobs.find(Filters.eq("clusterId", clusterId)).sort(Sorts.descending("created"))
        .batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  /** Every IN_PROGRESS job, oldest first. */
  public List<Job> running() {
    List<Job> out = new ArrayList<>();
    jobs.find(Filters.eq("statusName", Status.IN_PROGRESS.name()))
        .sort(Sorts.ascending("created")).batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  // ---- the daemon's side

  /**
   * Claims the oldest IN_PROGRESS job of one of {@code stores} that no daemon holds, or whose
   * holder stopped heart-beating for {@code stale}; empty when there is none.
   */
  public Optional<Job> claim(String daemonId, Collection<String> stores, Duration stale) {
    Instant now = clock.instant();
    Bson free = Filters.or(Filters.eq("owner", null),
        Filters.lt("heartbeat", Date.from(now.minus(stale))));
    for (Job candidate : running()) {
      if (candidate.killRequested() && candidate.owner() == null) {
        end(candidate.id(), null, Status.KILLED, "killed before it started", null);
        continue;
      }
      if (!stores.contains(candidate.store())) {
        continue;
      }
      Document d = jobs.findOneAndUpdate(Filters.and(Filters.eq("_id", candidate.id()),
          Filters.eq("statusName", Status.IN_PROGRESS.name()), free),
          Updates.combine(Updates.set("owner", daemonId), Updates.set("heartbeat", Date.from(now)),
              Updates.set("phase", Phase.QUEUED.name()), Updates.set("bytesDone", 0L),
              Updates.inc("attempts", 1)),
          new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
      if (d != null) {
        return Optional.of(of(d));
      }
    }
    return Optional.empty();
  }

  /**
   * Records progress and renews the heartbeat; returns false when the job is no longer this
   * daemon's (taken over) or a kill was requested, so the caller stops.
   */
  public boolean progress(String id, String daemonId, Phase phase, long done, long total) {
    Document d = jobs.findOneAndUpdate(Filters.and(Filters.eq("_id", id),
            Filters.eq("owner", daemonId), Filters.eq("statusName", Status.IN_PROGRESS.name())),
        Updates.combine(Updates.set("phase", phase.name()), Updates.set("bytesDone", done),
            Updates.set("bytesTotal", total), Updates.set("heartbeat", Date.from(clock.instant()))),
        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
    return d != null && !d.getBoolean("killRequested", false);
  }

  /** Hands a job back (its daemon is stopping): another daemon claims it and starts over. */
  public void release(String id, String daemonId) {
    jobs.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("owner", daemonId),
            Filters.eq("statusName", Status.IN_PROGRESS.name())),
        Updates.combine(Updates.set("owner", null), Updates.set("phase", Phase.QUEUED.name())));
  }

  /** Stores the verification result (shown on the job whatever the outcome). */
  public void setVerification(String id, Document verification) {
    jobs.updateOne(Filters.eq("_id", id), Updates.set("verification", verification));
  }

  /** Records the delivered file (HTTP: in restoreFileParts; SCP: on the target host). */
  public void setFile(String id, Document file) {
    jobs.updateOne(Filters.eq("_id", id), Updates.set("file", file));
  }

  /**
   * Ends an IN_PROGRESS job held by {@code daemonId} (any holder when null); the target
   * connection string, a secret, is removed with it. Returns false when it had already ended.
   */
  public boolean end(String id, String daemonId, Status status, String reason, Document set) {
    Bson filter = Filters.and(Filters.eq("_id", id),
        Filters.eq("statusName", Status.IN_PROGRESS.name()));
    if (daemonId != null) {
      filter = Filters.and(filter, Filters.eq("owner", daemonId));
    }
    List<Bson> updates = new ArrayList<>(List.of(Updates.set("statusName", status.name()),
        Updates.set("phase", Phase.DONE.name()), Updates.set("finished",
            Date.from(clock.instant())), Updates.unset("delivery.targetConnectionString")));
    if (reason != null) {
      updates.add(Updates.set("reason", reason));
    }
    if (set != null) {
      set.forEach((k, v) -> updates.add(Updates.set(k, v)));
    }
    return jobs.updateOne(filter, Updates.combine(updates)).getModifiedCount() == 1;
  }

  /** Marks a kill request; the daemon holding the job stops and ends it KILLED. */
  public boolean requestKill(String id) {
    return jobs.updateOne(Filters.and(Filters.eq("_id", id),
            Filters.eq("statusName", Status.IN_PROGRESS.name())),
        Updates.set("killRequested", true)).getMatchedCount() == 1;
  }

  /** Ends a FINISHED download job BROKEN (its link expired unused); false if it changed. */
  public boolean breakFinished(String id, String reason) {
    return jobs.updateOne(Filters.and(Filters.eq("_id", id),
            Filters.eq("statusName", Status.FINISHED.name())),
        Updates.combine(Updates.set("statusName", Status.BROKEN.name()),
            Updates.set("reason", reason))).getModifiedCount() == 1;
  }

  // ---- downloads (HTTP delivery)

  /** The FINISHED or BROKEN HTTP job whose link token hashes to {@code tokenSha256}. */
  public Optional<Job> byToken(String tokenSha256) {
    return Optional.ofNullable(jobs.find(Filters.eq("delivery.tokenSha256", tokenSha256))
        .first()).map(RestoreJobs::of);
  }

  /**
   * Counts one use of a download link if it has uses left and has not expired; returns false
   * otherwise (nothing changed).
   */
  public boolean countDownload(String id, int maxDownloads) {
    return jobs.updateOne(Filters.and(Filters.eq("_id", id),
            Filters.eq("statusName", Status.FINISHED.name()),
            Filters.gt("delivery.expires", Date.from(clock.instant())),
            Filters.or(Filters.exists("delivery.downloads", false),
                Filters.lt("delivery.downloads", maxDownloads))),
        Updates.inc("delivery.downloads", 1)).getModifiedCount() == 1;
  }

  /** HTTP jobs whose link has expired but whose file is still stored. */
  public List<Job> expiredDownloads() {
    List<Job> out = new ArrayList<>();
    jobs.find(Filters.and(Filters.eq("delivery.methodName", Method.HTTP.name()),
            Filters.lte("delivery.expires", Date.from(clock.instant())),
            Filters.eq("file.deleted", null), Filters.ne("file", null)))
        .batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  /** Notes that a job's stored file is gone. */
  public void markFileDeleted(String id) {
    jobs.updateOne(Filters.eq("_id", id), Updates.set("file.deleted", Date.from(clock.instant())));
  }

  /** Deletes a cluster's jobs (its backup was terminated). */
  public long deleteAll(String clusterId) {
    return jobs.deleteMany(Filters.eq("clusterId", clusterId)).getDeletedCount();
  }

  private static Job of(Document d) {
    Date finished = d.getDate("finished");
    Number done = (Number) d.get("bytesDone");
    Number total = (Number) d.get("bytesTotal");
    Number pit = (Number) d.get("pointInTimeUTCMillis");
    return new Job(d.getString("_id"), d.getString("groupId"), d.getString("clusterId"),
        d.getString("replicaSetName"), d.getString("snapshotId"), d.getString("store"),
        d.getString("syncId"), d.get("snapshotTs", BsonTimestamp.class),
        d.get("targetTs", BsonTimestamp.class), pit == null ? null : pit.longValue(),
        d.get("delivery", Document.class), Status.valueOf(d.getString("statusName")),
        Phase.valueOf(d.getString("phase")), done == null ? 0 : done.longValue(),
        total == null ? 0 : total.longValue(), d.getString("reason"),
        d.get("verification", Document.class), d.get("file", Document.class),
        d.getString("owner"), d.getDate("created").toInstant(),
        finished == null ? null : finished.toInstant(), d.getBoolean("killRequested", false),
        d.getInteger("attempts", 0), d.getString("sourceVersion"));
  }
}
