package io.openmms.daemon.service;

import com.mongodb.MongoException;
import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.HeadState;
import io.openmms.daemon.head.RocksHead;
import io.openmms.daemon.jobs.Lease;
import io.openmms.daemon.oplog.OplogApplyException;
import io.openmms.daemon.restore.HeadRebuild;
import io.openmms.daemon.restore.RestoreException;
import io.openmms.daemon.snapshot.SnapshotService;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.BsonStream;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bson.BSONException;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one backup's head up to date while this daemon holds the backup's lease: it polls the
 * backup record, applies every acknowledged batch after the last applied one through a
 * {@link SyncApplier}, writes the {@link AppliedRecord} and a head report after each, and stops
 * as soon as the lease is no longer held (checked before every batch).
 *
 * <p>The head lives in {@code <head dir>/<backupId>/db}, its side record beside it. On start:
 * a head whose sync is not the backup's current one is rebuilt from the new sync's first batch
 * ({@code syncStart} clears it); a head found in INITIAL_SYNC replays its sync from {@code seq} 1.
 * When that replay meets a pruned batch, the head is rebuilt from the newest snapshot the stored
 * oplog continues ({@link HeadRebuild}), and a new initial sync is asked for only when there is
 * none it can read.
 *
 * <p>Failures: an application database error is retried at the next poll; a batch that cannot be
 * applied (malformed, forbidden operator, out of place) marks the head RESYNC_REQUIRED with the
 * reason, in the side record, the head and the report, and the worker then waits — without
 * retrying — for a new sync id. Any other error ends the worker ({@link #failed()}).
 *
 * <p>Runs on its own thread; {@link #stop()} may be called from any thread.
 */
final class HeadWorker implements Runnable {
  /** Most stored batches applied with one head commit in steady state. */
  static final int MAX_BATCHES_PER_COMMIT = 64;
  /** Most oplog entries applied with one head commit in steady state. */
  static final int MAX_ENTRIES_PER_COMMIT = 50_000;

  private static final Logger LOG = LoggerFactory.getLogger(HeadWorker.class);

  private final String backupId;
  private final Lease lease;
  private final Path dir;
  private final BatchSource source;
  private final HeadReports reports;
  private final SnapshotService snapshots;
  private final Clock clock;
  private final Duration poll;
  private final Duration heartbeat;
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile boolean stopping;
  private volatile boolean failed;
  private volatile HeadReports.Report last;
  private volatile HeadRebuild rebuilding;
  private volatile Head head;
  private AppliedRecord record;
  private SyncApplier applier;
  private Instant lastReport = Instant.EPOCH;
  /** The backup as the last {@link #step} read it (the worker thread's own). */
  private Backups.Backup current;

  HeadWorker(String backupId, Lease lease, Path headDir, BatchSource source, HeadReports reports,
      SnapshotService snapshots, Clock clock, Duration poll, Duration heartbeat) {
    this.snapshots = snapshots;
    this.backupId = backupId;
    this.lease = lease;
    this.dir = headDir.resolve(backupId);
    this.source = source;
    this.reports = reports;
    this.clock = clock;
    this.poll = poll;
    this.heartbeat = heartbeat;
  }

  Lease lease() {
    return lease;
  }

  /** Asks the worker to stop after the batch in progress. */
  void stop() {
    stopping = true;
    HeadRebuild r = rebuilding;
    if (r != null) {
      r.cancel();
    }
  }

  /** Waits for the worker to end; returns whether it did within the timeout. */
  boolean await(Duration timeout) throws InterruptedException {
    return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean finished() {
    return done.getCount() == 0;
  }

  /** True when the worker ended on an unexpected error (the daemon leaves the backup alone for a while). */
  boolean failed() {
    return failed;
  }

  /** The open head (reads are thread-safe), or {@code null} before it is opened. For tests. */
  HeadReader head() {
    return finished() ? null : head;
  }

  /** The last report written, or {@code null}. */
  HeadReports.Report lastReport() {
    return last;
  }

  @Override
  public void run() {
    try {
      head = open();
      try {
        record = AppliedRecord.read(dir);
        if (record.failure() == null && head.state() != HeadState.STEADY) {
          record = record.applied(0); // an unfinished initial sync is replayed from its start
        }
        loop();
      } finally {
        if (snapshots != null) {
          snapshots.stop(backupId); // a snapshot must not read the head after it is closed
        }
        head.close();
      }
    } catch (RuntimeException | Error e) {
      failed = true;
      LOG.error("Backup {}: the head worker stopped on an unexpected error; the lease is given"
          + " up", backupId, e);
    } finally {
      done.countDown();
    }
  }

  private void loop() {
    while (!stopping && lease.held()) {
      boolean worked;
      try {
        worked = step();
      } catch (MongoException e) {
        LOG.warn("Backup {}: the application database failed ({}); retrying in {} ms", backupId,
            e.getMessage(), poll.toMillis());
        worked = false;
      }
      snapshotIfDue();
      if (!worked && !stopping) {
        if (clock.instant().isAfter(lastReport.plus(heartbeat)) && lease.held()) {
          report();
        }
        sleep(poll);
      }
    }
  }

  /** Starts a snapshot when the schedule or a request asks for one (it runs on its own thread). */
  private void snapshotIfDue() {
    Backups.Backup b = current;
    if (snapshots == null || b == null || stopping || !lease.held() || record.failure() != null
        || !b.syncId().equals(record.syncId())) {
      return;
    }
    try {
      snapshots.maybeStart(b, head);
    } catch (MongoException e) {
      LOG.warn("Backup {}: cannot check the snapshot schedule ({}); retrying", backupId,
          e.getMessage());
    }
  }

  /** Applies what is new; returns false when there was nothing to do. */
  private boolean step() {
    Backups.Backup b = source.backup(backupId);
    current = b;
    if (b == null || b.state() == Backups.State.STOPPED) {
      LOG.info("Backup {} is {}; giving it up", backupId, b == null ? "gone" : "stopped");
      stopping = true;
      return false;
    }
    if (!b.syncId().equals(record.syncId())) {
      if (b.lastSeq() == 0) {
        return false; // the agent has not started the new sync yet
      }
      startSync(b.syncId());
    }
    if (applier == null) {
      applier = new SyncApplier(head, seq -> source.read(backupId, b.syncId(), seq));
    }
    if (record.failure() != null || b.lastSeq() <= record.appliedSeq()) {
      return false;
    }
    for (long seq = record.appliedSeq() + 1; seq <= b.lastSeq(); ) {
      if (stopping || !lease.held()) {
        return true;
      }
      long last = seq;
      try {
        BsonStream batch = source.read(backupId, b.syncId(), seq);
        if (head.state() == HeadState.STEADY && SyncApplier.isOplog(batch)) {
          // steady state: apply a run of consecutive oplog batches with one head commit and one
          // report, since each commit is a synced write (docs/backup-daemon.md)
          List<RawBsonDocument> entries = new ArrayList<>(batch.documents());
          while (last < b.lastSeq() && last - seq < MAX_BATCHES_PER_COMMIT - 1
              && entries.size() < MAX_ENTRIES_PER_COMMIT) {
            BsonStream next = source.read(backupId, b.syncId(), last + 1);
            if (!SyncApplier.isOplog(next)) {
              break;
            }
            entries.addAll(next.documents());
            last++;
          }
          applier.applyOplog(entries);
        } else {
          applier.apply(seq, batch);
        }
      } catch (BatchPrunedException e) {
        Optional<String> failure = rebuildFromSnapshot(b);
        if (failure.isEmpty() || stopping) {
          return true;
        }
        String reason = "the head must be rebuilt but " + e.getMessage() + "; " + failure.get();
        LOG.warn("Backup {}: {}; asking for a new initial sync", backupId, reason);
        source.requireResync(backupId, reason);
        return true;
      } catch (OplogApplyException | BatchUnreadableException | IllegalArgumentException
          | IllegalStateException | BSONException e) {
        fail(seq, e);
        return true;
      }
      record = record.applied(last);
      record.write(dir);
      report();
      seq = last + 1;
    }
    return true;
  }

  /**
   * Rebuilds the head from the newest snapshot of the current sync that the stored oplog
   * continues, and the stored oplog after it (docs/backup-daemon.md, "Rebuilding a head").
   * Returns empty when the head was rebuilt (or the worker is stopping), else why it could not
   * be.
   */
  private Optional<String> rebuildFromSnapshot(Backups.Backup b) {
    if (snapshots == null) {
      return Optional.of("this daemon takes no snapshots to rebuild from");
    }
    List<BackupData.OplogBatch> stored = source.oplogBatches(backupId, b.syncId());
    Optional<Snapshots.Snapshot> base = HeadRebuild.base(
        snapshots.snapshots().list(backupId), b.syncId(), stored);
    if (base.isEmpty()) {
      return Optional.of("no snapshot of this sync is followed by the stored oplog");
    }
    Snapshots.Snapshot s = base.get();
    long lastSeq = stored.get(stored.size() - 1).seq();
    LOG.info("Backup {}: the oplog from the start of sync {} is pruned; rebuilding the head from"
        + " snapshot {} (at {}) and the stored oplog after it, up to batch {}", backupId,
        b.syncId(), s.id(), s.ts(), lastSeq);
    HeadRebuild rebuild = new HeadRebuild();
    rebuilding = rebuild;
    try {
      if (stopping) {
        return Optional.empty();
      }
      long replayed = rebuild.run(head, snapshots.stores().domainStore(s.store(), s.groupId()), s,
          source, stored);
      applier = null; // it holds no state of the rebuilt head
      if (stopping || !lease.held()) {
        return Optional.empty(); // another daemon holds the backup now: report nothing
      }
      record = record.applied(lastSeq);
      record.write(dir);
      report();
      LOG.info("Backup {}: the head was rebuilt from snapshot {} with {} oplog entries replayed;"
          + " it is STEADY at {}", backupId, s.id(), replayed, head.position().orElse(null));
      return Optional.empty();
    } catch (IOException | RestoreException | RuntimeException e) {
      if (stopping) {
        LOG.info("Backup {}: the head rebuild was stopped; the next holder starts it again",
            backupId);
        return Optional.empty();
      }
      LOG.warn("Backup {}: the head cannot be rebuilt from snapshot {}: {}", backupId, s.id(),
          e.getMessage());
      return Optional.of("rebuilding it from snapshot " + s.id() + " failed: " + e.getMessage());
    } finally {
      rebuilding = null;
    }
  }

  /** Switches to a new sync; a failure another daemon already reported for it is kept. */
  private void startSync(String syncId) {
    String failure = reports.failure(backupId, syncId);
    record = new AppliedRecord(syncId, 0, failure);
    applier = null;
    if (failure != null) {
      LOG.warn("Backup {}: sync {} already failed on another daemon ({}); waiting for a resync",
          backupId, syncId, failure);
      head.setState(HeadState.RESYNC_REQUIRED);
    } else {
      LOG.info("Backup {}: building the head from sync {}", backupId, syncId);
    }
    record.write(dir);
  }

  private void fail(long seq, RuntimeException e) {
    String reason = "batch " + seq + " of sync " + record.syncId() + " cannot be applied: "
        + e.getMessage();
    LOG.error("Backup {}: {}. The head is marked RESYNC_REQUIRED and nothing more is applied"
        + " until the backup gets a new sync.", backupId, reason);
    record = record.failed(reason);
    record.write(dir);
    head.setState(HeadState.RESYNC_REQUIRED);
    report();
  }

  private void report() {
    HeadReports.Report r = new HeadReports.Report(backupId, record.syncId(), head.state(),
        head.position().orElse(null), record.appliedSeq(), head.sizeOnDisk(), record.failure());
    reports.write(r);
    last = r;
    lastReport = clock.instant();
  }

  /**
   * Opens the head. One that cannot be opened (another format version, a lock held by another
   * process, a corrupt store) is left as it is for the operator: the worker fails with the
   * storage error rather than delete a directory it may not own.
   */
  private Head open() {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the head directory " + dir, e);
    }
    return RocksHead.open(dir.resolve("db"));
  }

  private void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    }
  }
}
