package io.openmms.daemon.snapshot;

import io.openmms.blockstore.BlockStore;
import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.HeadSnapshot;
import io.openmms.daemon.head.HeadState;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.OplogPosition;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Retention;
import io.openmms.server.backup.SnapshotSchedule;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.store.AppDatabase;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bson.types.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the snapshots of the heads a daemon holds and grooms the block store domains
 * (docs/snapshots.md). A head worker calls {@link #maybeStart} after each step; a snapshot is due
 * when one was requested, or when the backup has none yet, or when its schedule's interval has
 * passed since the newest one <em>and</em> the head's oplog position moved past it. Snapshots run
 * on this service's threads from a consistent view of the head, so oplog application goes on
 * meanwhile. A failed snapshot is retried after {@link #RETRY_AFTER}; the failure is recorded
 * ({@link Snapshots#failure}) until a snapshot of the backup succeeds. Thread-safe.
 */
public final class SnapshotService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotService.class);
  static final Duration RETRY_AFTER = Duration.ofMinutes(1);
  /** How long a backup's newest snapshot and schedule are cached between schedule checks. */
  private static final Duration LATEST_REREAD = Duration.ofSeconds(30);

  private final Backups backups;
  private final Snapshots snapshots;
  private final SnapshotStores stores;
  private final Coordination coordination;
  private final Clock clock;
  private final int threads;
  private final String owner;
  private final ExecutorService pool;
  private final Map<String, Future<?>> running = new ConcurrentHashMap<>();
  private final Map<String, Instant> retryAfter = new ConcurrentHashMap<>();
  private final Map<String, Latest> latest = new ConcurrentHashMap<>();
  private final Set<String> stopping = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  /** A backup's newest snapshot and its schedule as last read, and when they were read. */
  private record Latest(Optional<Snapshots.Snapshot> snapshot, SnapshotSchedule schedule,
      Instant read) {}

  public SnapshotService(AppDatabase db, Backups backups, SnapshotStores stores, Clock clock,
      int threads, int concurrent, Duration staleAfter, String owner) {
    this.backups = backups;
    this.snapshots = new Snapshots(db);
    this.stores = stores;
    this.coordination = new Coordination(db, clock, staleAfter);
    this.clock = clock;
    this.threads = threads;
    this.owner = owner;
    this.pool = Executors.newFixedThreadPool(Math.max(1, concurrent), r -> {
      Thread t = new Thread(r, "openmms-snapshot");
      t.setDaemon(true);
      return t;
    });
  }

  public Snapshots snapshots() {
    return snapshots;
  }

  public SnapshotStores stores() {
    return stores;
  }

  public Coordination coordination() {
    return coordination;
  }

  /** True while a snapshot of {@code backupId} is being written. */
  public boolean running(String backupId) {
    Future<?> f = running.get(backupId);
    return f != null && !f.isDone();
  }

  /** Starts a snapshot of {@code head} on this service's threads if one is due. */
  public void maybeStart(Backups.Backup b, Head head) {
    if (closing || running(b.id()) || head.state() != HeadState.STEADY || head.position().isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    Instant retry = retryAfter.get(b.id());
    if (retry != null && now.isBefore(retry)) {
      return;
    }
    Optional<Instant> requested = snapshots.requested(b.id());
    if (requested.isEmpty() && !due(b, head.position().get(), now)) {
      return;
    }
    HeadSnapshot view = head.snapshot();
    try {
      running.put(b.id(), pool.submit(() -> {
        try (view) {
          Snapshots.Snapshot written = take(b, view, requested.isPresent());
          if (!closing && !stopping.contains(b.id())) { // its head may be closing
            pruneChangeLogs(head, written);
          }
          requested.ifPresent(at -> snapshots.clearRequest(b.id(), at));
          retryAfter.remove(b.id());
          snapshots.succeeded(b.id());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
          if (closing || stopping.contains(b.id())) {
            LOG.info("Backup {}: the snapshot was stopped ({}); it leaves no manifest", b.id(),
                e.getMessage());
            return;
          }
          Instant retryAt = clock.instant().plus(RETRY_AFTER);
          retryAfter.put(b.id(), retryAt);
          String message = e.getMessage() == null ? e.toString() : e.getMessage();
          LOG.error("Backup {}: the snapshot failed; retrying in {} s: {}", b.id(),
              RETRY_AFTER.toSeconds(), message, e instanceof IOException ? null : e);
          try {
            snapshots.failed(b.id(), message, clock.instant(), retryAt, requested);
          } catch (RuntimeException recording) {
            LOG.warn("Backup {}: the failure could not be recorded: {}", b.id(),
                recording.getMessage());
          }
        } finally {
          stopping.remove(b.id()); // set by stop(), which may have given up waiting
        }
      }));
    } catch (RuntimeException e) {
      view.close();
      throw e;
    }
  }

  /**
   * Lets the head forget the change-log entries no later snapshot patches with: those at or
   * before the base of each of {@code s}'s collections (docs/snapshot-format.md, "Patched
   * collections"). A failure here only keeps entries longer.
   */
  static void pruneChangeLogs(Head head, Snapshots.Snapshot s) {
    for (Snapshots.Collection c : s.collections()) {
      if (c.base() == null) {
        continue;
      }
      try {
        head.pruneChanges(Namespace.parse(c.ns()), c.base().lineage(), c.base().ts());
      } catch (RuntimeException e) {
        LOG.warn("Backup {}: the change log of {} was not pruned: {}", s.backupId(), c.ns(),
            e.toString());
      }
    }
  }

  /** True when the schedule says a snapshot is due at {@code now} for a head at {@code pos}. */
  boolean due(Backups.Backup b, OplogPosition pos, Instant now) {
    Latest l = latest.get(b.id());
    if (l == null || now.isAfter(l.read().plus(LATEST_REREAD))) {
      l = new Latest(snapshots.latest(b.id()), backups.schedule(b.configId()), now);
      latest.put(b.id(), l);
    }
    if (l.snapshot().isEmpty()) {
      return true;
    }
    Snapshots.Snapshot newest = l.snapshot().get();
    if (pos.ts().compareTo(newest.ts()) <= 0) {
      return false;
    }
    return !now.isBefore(newest.taken().plus(Duration.ofMinutes(
        l.schedule().snapshotIntervalMinutes())));
  }

  /** Writes a snapshot of {@code view} now, on the calling thread. */
  public Snapshots.Snapshot take(Backups.Backup b, HeadReader view, boolean onDemand)
      throws IOException, InterruptedException {
    return writer(b, view, onDemand, null);
  }

  /** As {@link #take}, stopping before {@code crashAt} as a crash there would. For tests. */
  Snapshots.Snapshot take(Backups.Backup b, HeadReader view, SnapshotWriter.Step crashAt)
      throws IOException, InterruptedException {
    return writer(b, view, false, crashAt);
  }

  private Snapshots.Snapshot writer(Backups.Backup b, HeadReader view, boolean onDemand,
      SnapshotWriter.Step crashAt) throws IOException, InterruptedException {
    String store = snapshots.assignedStore(b.id())
        .orElseGet(() -> snapshots.assignStore(b.id(), stores.defaultStore()));
    BlockStore bs = stores.domainStore(store, b.groupId());
    Instant now = clock.instant();
    SnapshotSchedule schedule = backups.schedule(b.configId());
    Instant previous = snapshots.latest(b.id()).map(Snapshots.Snapshot::taken).orElse(null);
    Set<Retention.Tier> tiers = Retention.classify(now, previous, schedule);
    Set<String> names = new TreeSet<>();
    tiers.forEach(t -> names.add(t.name()));
    SnapshotWriter.Plan plan = new SnapshotWriter.Plan(new ObjectId().toHexString(), b.id(),
        b.groupId(), store, names, Retention.expires(now, tiers, schedule), onDemand, b.syncId());
    SnapshotWriter w = new SnapshotWriter(bs, coordination, threads, clock)
        .stopWhen(() -> closing || stopping.contains(b.id()));
    if (crashAt != null) {
      w.failAt(crashAt);
    }
    Snapshots.Snapshot written;
    try {
      written = w.write(view, plan, snapshots);
    } catch (IOException e) {
      if (io.openmms.common.util.FileTrees.diskFull(e)) {
        throw new IOException("the block store '" + store + "' is out of disk space ("
            + e.getMessage() + "); free space or move the backup to another store", e);
      }
      throw e;
    }
    latest.put(b.id(), new Latest(Optional.of(written), schedule, clock.instant()));
    return written;
  }

  /**
   * Stops the snapshot of {@code backupId} being written, if any (it leaves no manifest), and
   * waits up to a minute for it to end: its head is about to close.
   */
  public void stop(String backupId) {
    Future<?> f = running.get(backupId);
    if (f == null || f.isDone()) {
      return;
    }
    stopping.add(backupId);
    try {
      f.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException
        | java.util.concurrent.CancellationException e) {
      // the task logs its own failures
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.warn("Backup {}: the snapshot did not stop within 60 s", backupId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (f.isDone()) {
        stopping.remove(backupId);
      } // else the task clears it when it ends: until then it must keep stopping
    }
  }

  /** Grooms every domain that holds snapshots; one failure does not stop the others. */
  public List<Groom.Result> groomAll() {
    Set<List<String>> domains = new LinkedHashSet<>();
    for (Snapshots.Snapshot s : snapshots.all()) {
      domains.add(List.of(s.store(), s.groupId()));
    }
    List<Groom.Result> out = new ArrayList<>();
    for (List<String> d : domains) {
      try {
        new Groom(stores, snapshots, backups, coordination, clock, owner).run(d.get(0), d.get(1))
            .ifPresent(out::add);
      } catch (IOException | RuntimeException e) {
        LOG.error("Groom of {} failed: {}", SnapshotStores.domain(d.get(0), d.get(1)),
            e.getMessage(), e instanceof IOException ? null : e);
      }
    }
    return out;
  }

  /** Stops the snapshots in progress (they leave no manifest) and closes the stores. */
  @Override
  public void close() {
    closing = true;
    pool.shutdown();
    try {
      // no interrupt: the writers see closing at their next block and stop cleanly
      if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.warn("A snapshot did not stop within 60 s");
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      stores.close();
    } catch (IOException e) {
      LOG.warn("Closing the block stores failed: {}", e.getMessage());
    }
  }
}
