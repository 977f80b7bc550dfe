package io.openmms.agent.backup;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backs up one replica set for one assignment, on its own thread, until stopped or until it
 * needs a new assignment ({@link #outcome()}; it then calls {@code wantsAssignments}). Where it starts comes from the service's
 * position in the assignment, never from local state:
 *
 * <ul>
 *   <li>{@code INITIAL_SYNC_REQUIRED}, {@code RESYNC_REQUIRED}, and {@code INITIAL_SYNC} with
 *       {@code lastSeq} 0 (nothing of that sync was stored yet): an initial sync with the
 *       assignment's {@code syncId}, from seq 1.
 *   <li>{@code INITIAL_SYNC} with {@code lastSeq} &gt; 0: an interrupted copy cannot be resumed
 *       consistently (the oplog spooled meanwhile is gone), so the worker posts {@code resync}
 *       and waits for a new sync.
 *   <li>{@code TAILING}: ships the oplog after {@code lastTs}, from seq {@code lastSeq + 1}.
 * </ul>
 *
 * <p>Initial sync: read T0, the newest oplog {@code ts}; ship {@code syncStart}; start the
 * {@link OplogReader} at T0 inclusive into the on-disk {@link OplogQueue} under
 * {@code agent.data.dir/backup/<backupId>/oplog}, so the oplog of the copy's duration is kept
 * while {@link InitialSync} copies; ship {@code syncEnd} with the newest {@code ts} after the
 * copy; then ship the queued oplog and go on tailing. All batches travel in one sequence through
 * one {@link Shipper}, so the oplog follows the copy. If the queue fills during a long copy the
 * reader pauses and later continues from the source oplog.
 *
 * <p>A gap (the position left the source oplog) posts {@code resync} with the reason.
 */
final class BackupWorker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(BackupWorker.class);

  enum Outcome { RUNNING, STOPPED, REASSIGN, RESYNC_REQUESTED, FAILED }

  private final Assignment assignment;
  private final BackupClient client;
  private final BackupOptions options;
  private final Function<Assignment, MongoClient> connector;
  private final OplogReader.TailMode tailMode;
  private final Clock clock;
  private final Path queueDir;
  private final Runnable wantsAssignments;
  private volatile Outcome outcome = Outcome.RUNNING;
  private volatile boolean stopped;
  private volatile Thread thread;
  private volatile Thread readerThread;
  private volatile OplogReader reader;
  private volatile MongoClient source;
  private volatile Shipper shipper;

  BackupWorker(Assignment assignment, BackupClient client, BackupOptions options,
      Function<Assignment, MongoClient> connector, OplogReader.TailMode tailMode, Clock clock,
      Runnable wantsAssignments) {
    this.wantsAssignments = wantsAssignments;
    this.assignment = assignment;
    this.client = client;
    this.options = options;
    this.connector = connector;
    this.tailMode = tailMode;
    this.clock = clock;
    this.queueDir = options.dataDir().resolve("backup").resolve(safe(assignment.backupId()))
        .resolve("oplog");
  }

  private static String safe(String id) {
    return id.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  void start() {
    Thread t = new Thread(this, "openmms-backup-" + assignment.replicaSetName());
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  @Override
  public void run() {
    String label = assignment.label();
    try (OplogQueue queue = OplogQueue.open(queueDir, options.spoolMaxBytes())) {
      source = connector.apply(assignment);
      work(queue);
      outcome = Outcome.STOPPED;
    } catch (BackupStop.Gap e) {
      LOG.warn("{}", e.getMessage());
      outcome = requestResync(e.getMessage());
    } catch (BackupStop.Reassign e) {
      LOG.info("{}; reading the assignments again", e.getMessage());
      outcome = Outcome.REASSIGN;
    } catch (BackupStop e) { // Rejected
      LOG.error("{}; the worker restarts from the service's position", e.getMessage());
      outcome = Outcome.FAILED;
    } catch (InterruptedException e) {
      outcome = Outcome.STOPPED;
    } catch (RuntimeException | IOException e) {
      if (stopped) {
        outcome = Outcome.STOPPED;
      } else {
        LOG.error("{}: backup failed; it restarts from the service's position", label, e);
        outcome = Outcome.FAILED;
      }
    } finally {
      stopReader();
      MongoClient s = source;
      if (s != null) {
        s.close();
      }
    }
    if (!stopped && (outcome == Outcome.REASSIGN || outcome == Outcome.RESYNC_REQUESTED)) {
      pause(); // so a service that keeps answering the same way is not asked in a tight loop
      wantsAssignments.run();
    }
  }

  private void pause() {
    try {
      Thread.sleep(options.retryInitial().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void work(OplogQueue queue) throws InterruptedException, BackupStop {
    Assignment a = assignment;
    switch (a.state()) {
      case INITIAL_SYNC_REQUIRED, RESYNC_REQUIRED -> initialSync(queue);
      case INITIAL_SYNC -> {
        if (a.lastSeq() != 0) {
          throw new BackupStop.Gap(a.label() + ": initial sync " + a.syncId() + " was "
              + "interrupted after batch " + a.lastSeq() + " and cannot be resumed; a new "
              + "initial sync is needed");
        }
        initialSync(queue);
      }
      case TAILING -> {
        if (a.lastTs() == null) {
          throw new BackupStop.Gap(a.label() + ": the service has no oplog position to resume "
              + "from; a new initial sync is needed");
        }
        shipper = newShipper(a.lastSeq(), a.lastTs());
        checkOldest(a.lastTs());
        LOG.info("{}: resuming the oplog after {} (seq {})", a.label(),
            OplogReader.describe(a.lastTs()), a.lastSeq());
        startReader(queue, a.lastTs(), false);
        ship(queue);
      }
    }
  }

  private Shipper newShipper(long lastSeq, BsonTimestamp lastTs) {
    return new Shipper(client, assignment, lastSeq, lastTs, options.retryInitial(),
        options.retryMax());
  }

  private void initialSync(OplogQueue queue) throws InterruptedException, BackupStop {
    Assignment a = assignment;
    shipper = newShipper(a.lastSeq(), null);
    BsonTimestamp t0 = OplogReader.newest(oplog());
    if (t0 == null) {
      throw new IllegalStateException(a.label() + ": local.oplog.rs is empty or missing on the "
          + "primary; is it a replica set?");
    }
    LOG.info("{}: initial sync {} starting at {}", a.label(), a.syncId(),
        OplogReader.describe(t0));
    shipper.ship(Batch.syncStart(t0, clock.instant()));
    startReader(queue, t0, true);
    new InitialSync(source, shipper, options.batchMaxBytes(), options.batchMaxDocuments(),
        options.copyBatchSize(), a.label()).copy();
    BsonTimestamp end = OplogReader.newest(oplog());
    shipper.ship(Batch.syncEnd(end));
    LOG.info("{}: initial sync copy done at {}; shipping the oplog", a.label(),
        OplogReader.describe(end));
    ship(queue);
  }

  private void checkOldest(BsonTimestamp position) throws BackupStop.Gap {
    BsonTimestamp oldest = OplogReader.oldest(oplog());
    if (oldest == null || oldest.compareTo(position) > 0) {
      throw new BackupStop.Gap(assignment.label() + ": the oldest entry of the source oplog ("
          + OplogReader.describe(oldest) + ") is newer than the backup's position "
          + OplogReader.describe(position) + "; a new initial sync is needed");
    }
  }

  private MongoCollection<RawBsonDocument> oplog() {
    return source.getDatabase("local").getCollection("oplog.rs", RawBsonDocument.class);
  }

  private void startReader(OplogQueue queue, BsonTimestamp from, boolean inclusive) {
    OplogReader r = new OplogReader(oplog(), from, inclusive, queue, options.readerOptions(),
        assignment.label(), tailMode);
    Thread t = new Thread(r, "openmms-backup-oplog-" + assignment.replicaSetName());
    t.setDaemon(true);
    reader = r;
    readerThread = t;
    t.start();
  }

  private void ship(OplogQueue queue) throws InterruptedException, BackupStop {
    while (!stopped) {
      List<RawBsonDocument> entries = queue.take(options.batchMaxBytes(),
          options.batchMaxDocuments(), 1000);
      if (!entries.isEmpty()) {
        shipper.ship(Batch.oplog(entries));
      }
    }
  }

  /** Posts resync until the service takes it; retries with backoff while it is unavailable. */
  private Outcome requestResync(String reason) {
    io.openmms.agent.ship.Backoff backoff = new io.openmms.agent.ship.Backoff(
        options.retryInitial(), options.retryMax());
    try {
      while (!stopped) {
        PostResult r = client.resync(assignment.backupId(), reason);
        switch (r.outcome()) {
          case ACKNOWLEDGED -> {
            LOG.info("{}: resync requested; waiting for a new initial sync", assignment.label());
            return Outcome.RESYNC_REQUESTED;
          }
          case UNAVAILABLE -> Thread.sleep(backoff.next().toMillis());
          default -> {
            LOG.warn("{}: the service answered HTTP {} to the resync request ({})",
                assignment.label(), r.status(), r.detail());
            return Outcome.REASSIGN;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Outcome.STOPPED;
  }

  private void stopReader() {
    OplogReader r = reader;
    Thread t = readerThread;
    if (r != null) {
      r.stop();
    }
    if (t != null) {
      t.interrupt();
      join(t);
    }
  }

  /** Stops the worker and waits for its threads; closes its connection to the source. */
  void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      join(t);
    }
  }

  private static void join(Thread t) {
    try {
      t.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean isAlive() {
    Thread t = thread;
    return t != null && t.isAlive();
  }

  Outcome outcome() {
    return outcome;
  }

  Assignment assignment() {
    return assignment;
  }

  /** The service's acknowledged seq as this worker knows it. */
  long ackedSeq() {
    Shipper s = shipper;
    return s == null ? assignment.lastSeq() : s.ackedSeq();
  }
}
