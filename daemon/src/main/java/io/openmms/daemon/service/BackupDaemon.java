package io.openmms.daemon.service;

import com.mongodb.MongoException;
import io.openmms.common.config.Config;
import io.openmms.daemon.DaemonSettings;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.jobs.Lease;
import io.openmms.daemon.jobs.Leases;
import io.openmms.daemon.restore.RestoreService;
import io.openmms.daemon.snapshot.SnapshotService;
import io.openmms.daemon.snapshot.SnapshotStores;
import io.openmms.server.admin.AdminEndpoint;
import io.openmms.server.api.RestoreSshKeysApi;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Daemons;
import io.openmms.server.auth.Secrets;
import io.openmms.server.http.ServiceMetrics;
import io.openmms.server.store.AppDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup daemon process (SPEC §1, §3.4): takes leases on backups, keeps one head per leased
 * backup up to date from the batches the Backup HTTP service stored, reports each head's status,
 * and serves a localhost admin port.
 *
 * <p>Two scheduled tasks drive it. Every poll interval it reaps ended workers (releasing their
 * leases) and takes free or expired leases up to its share — the active backups divided by the
 * live daemons, rounded up — starting a {@link HeadWorker} thread for each. Every third of the
 * lease duration it renews its leases and its own liveness record (which also publishes the
 * public key SCP restores are pushed with, loaded or created at start); a renewal that finds the
 * lease taken stops that worker at once. A daemon that dies keeps nothing: its leases expire and
 * other daemons take the backups over and rebuild the heads by replaying the stored batches of
 * the current sync (asking for a new initial sync when they were pruned). Leases already held are
 * not rebalanced when daemons join. A third task grooms the block stores every
 * {@code daemon.groom.interval}; the head workers start snapshots through the
 * {@link SnapshotService}.
 *
 * <p>It talks to the application database directly through the driver, never to the server's
 * HTTP services. It depends on the server module for the stored data's types and readers
 * ({@code Backups}, {@code BackupData}, {@code BsonStream}), the collection names, the
 * {@code AppDatabase} connection settings and the {@code AdminEndpoint}, so the two sides share
 * one definition of the stored format; the distribution ships both anyway.
 *
 * <p>{@link #close()} stops the workers (each finishes the batch in progress), releases every
 * lease so other daemons can continue at once, and closes the database and admin port.
 * Thread-safe.
 */
public final class BackupDaemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackupDaemon.class);

  private final String daemonId;
  private final String host = hostName();
  private final Path headDir;
  private final Duration poll;
  private final Clock clock;
  private final AppDatabase db;
  private final Leases leases;
  private final BatchSource source;
  private final HeadReports reports;
  private final SnapshotService snapshots;
  private final RestoreService restores;
  private final Duration groomInterval;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Map<String, HeadWorker> workers = new ConcurrentHashMap<>();
  private final Map<String, Instant> coolingDown = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private AdminEndpoint admin;
  /** The restore key published in this daemon's record; set before the tasks start. */
  private volatile Daemons.RestoreKey restoreKey;
  private volatile boolean closing;

  private BackupDaemon(Config config, Clock clock, AppDatabase db, FileChannel lockChannel,
      FileLock lock, List<SnapshotStores.StoreConfig> stores) {
    this.clock = clock;
    this.db = db;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.headDir = DaemonSettings.headDir(config).toAbsolutePath();
    this.poll = config.get(DaemonSettings.POLL_INTERVAL);
    String id = config.get(DaemonSettings.ID);
    this.daemonId = id != null ? id : defaultId(config.get(DaemonSettings.DATA_DIR));
    this.leases = new Leases(db, daemonId, clock, config.get(DaemonSettings.LEASE_DURATION));
    this.source = new BatchSource(db, clock);
    this.reports = new HeadReports(db, daemonId, clock);
    this.groomInterval = config.get(DaemonSettings.GROOM_INTERVAL);
    this.snapshots = new SnapshotService(db, new Backups(db, new Secrets(new SecureRandom()),
        clock), new SnapshotStores(stores, config.get(DaemonSettings.KEYS_DIR), new SecureRandom()),
        clock, DaemonSettings.snapshotThreads(config),
        config.get(DaemonSettings.SNAPSHOT_CONCURRENCY),
        Duration.ofMinutes(10).plus(leases.duration()), daemonId);
    this.restores = new RestoreService(db, snapshots.stores(), DaemonSettings.restoreDir(config)
        .toAbsolutePath(), DaemonSettings.restoreSshKey(config).toAbsolutePath(),
        config.get(DaemonSettings.RESTORE_CONCURRENCY), leases.duration(), clock, daemonId);
    this.scheduler = Executors.newScheduledThreadPool(4, r -> {
      Thread t = new Thread(r, "openmms-daemon-leases");
      t.setDaemon(true);
      return t;
    });
  }

  /** Validates the configuration, connects, and starts taking leases and applying. */
  public static BackupDaemon start(Config config, Clock clock) {
    String uri = config.require(DaemonSettings.APPDB_URI);
    List<SnapshotStores.StoreConfig> stores = DaemonSettings.blockstores(config);
    Path dataDir = config.get(DaemonSettings.DATA_DIR).toAbsolutePath();
    FileChannel channel = null;
    FileLock lock;
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(DaemonSettings.headDir(config));
      channel = FileChannel.open(dataDir.resolve("daemon.lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      lock = channel.tryLock();
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("Cannot use the daemon data directory " + dataDir + " ("
          + DaemonSettings.DATA_DIR.key() + "): " + e.getMessage(), e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new IllegalStateException("Another daemon is running with data directory " + dataDir
          + " (" + DaemonSettings.DATA_DIR.key() + ")");
    }
    AppDatabase db;
    try {
      db = AppDatabase.open(uri, config.get(DaemonSettings.APPDB_NAME), dataDir, 0);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
    BackupDaemon d;
    try {
      d = new BackupDaemon(config, clock, db, channel, lock, stores);
    } catch (RuntimeException e) {
      db.close();
      closeQuietly(channel);
      throw e;
    }
    try {
      d.startTasks(config);
    } catch (RuntimeException | IOException e) {
      d.closeQuietly();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
    return d;
  }

  private void startTasks(Config config) throws IOException {
    restoreKey = restores.sshPublicKey();
    leases.heartbeat(host, snapshots.stores().names(), restoreKey);
    long renewEvery = Math.max(1, leases.duration().toMillis() / 3);
    scheduler.scheduleWithFixedDelay(this::renew, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::poll, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
    long restoreEvery = Math.min(1000, poll.toMillis());
    scheduler.scheduleWithFixedDelay(this::restores, 0, restoreEvery, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::groom, groomInterval.toMillis(),
        groomInterval.toMillis(), TimeUnit.MILLISECONDS);
    admin = AdminEndpoint.start("daemon", config.get(DaemonSettings.ADMIN_PORT),
        config.get(DaemonSettings.DATA_DIR), new Secrets(new SecureRandom()).hex(24),
        new ServiceMetrics(), this::health, this::closeQuietly);
    LOG.info("openmms daemon {} started: heads in {}, admin port 127.0.0.1:{}", daemonId, headDir,
        admin.port());
    LOG.info("Restore SSH public key {} (add it to authorized_keys on SCP restore targets; the"
        + " restore wizard and GET {} show it too): {}", restoreKey.fingerprint(),
        RestoreSshKeysApi.href("{groupId}"), restoreKey.line());
  }

  public String daemonId() {
    return daemonId;
  }

  public int adminPort() {
    return admin.port();
  }

  /** The backups whose head this daemon is working on now. */
  public List<String> heldBackups() {
    List<String> out = new ArrayList<>();
    workers.forEach((id, w) -> {
      if (!w.finished() && w.lease().held()) {
        out.add(id);
      }
    });
    Collections.sort(out);
    return out;
  }

  /** The head of a backup this daemon works on, for reading, or {@code null}. For tests. */
  HeadReader head(String backupId) {
    HeadWorker w = workers.get(backupId);
    return w == null ? null : w.head();
  }

  /** The last head report of a backup this daemon works on, or {@code null}. For tests. */
  HeadReports.Report workerReport(String backupId) {
    HeadWorker w = workers.get(backupId);
    return w == null ? null : w.lastReport();
  }

  /** Blocks until the daemon has stopped (for example through the admin shutdown). */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  // ---- the two scheduled tasks

  private void poll() {
    if (closing) {
      return;
    }
    try {
      reap();
      List<String> active = new ArrayList<>(source.activeBackupIds());
      if (active.isEmpty()) {
        return;
      }
      int share = (active.size() + leases.liveDaemons() - 1) / leases.liveDaemons();
      Collections.shuffle(active);
      Instant now = clock.instant();
      coolingDown.values().removeIf(until -> !now.isBefore(until));
      for (String backupId : active) {
        if (workers.size() >= share || closing) {
          break;
        }
        if (!workers.containsKey(backupId) && !coolingDown.containsKey(backupId)) {
          leases.tryTake(backupId).ifPresent(this::startWorker);
        }
      }
    } catch (MongoException e) {
      LOG.warn("Cannot look for backups to apply: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("Looking for backups to apply failed", e);
    }
  }

  private void startWorker(Lease lease) {
    HeadWorker w = new HeadWorker(lease.backupId(), lease, headDir, source, reports, snapshots,
        clock, poll, leases.duration().dividedBy(3));
    workers.put(lease.backupId(), w);
    Thread t = new Thread(w, "openmms-head-" + lease.backupId());
    t.setDaemon(true);
    t.start();
    LOG.info("Took the lease on backup {}", lease.backupId());
  }

  /** Renews the running restores' heartbeats and starts queued ones. */
  private void restores() {
    if (closing) {
      return;
    }
    try {
      restores.heartbeat();
      restores.poll();
    } catch (MongoException e) {
      LOG.warn("Cannot look for restore jobs: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("Looking for restore jobs failed", e);
    }
  }

  /** Removes ended workers and gives up their leases. */
  private void reap() {
    for (var e : workers.entrySet()) {
      HeadWorker w = e.getValue();
      if (w.finished()) {
        workers.remove(e.getKey());
        if (w.failed()) {
          coolingDown.put(e.getKey(), clock.instant().plus(leases.duration()));
        }
        if (!w.lease().lost()) {
          leases.release(w.lease());
        }
      }
    }
  }

  /** Grooms every block store domain (each groom excludes the others through the database). */
  private void groom() {
    if (closing) {
      return;
    }
    try {
      snapshots.groomAll();
    } catch (MongoException e) {
      LOG.warn("Cannot groom the block stores: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("Grooming the block stores failed", e);
    }
  }

  /** The daemon's snapshot service (for the snapshot and verify commands and tests). */
  public SnapshotService snapshots() {
    return snapshots;
  }

  private void renew() {
    if (closing) {
      return;
    }
    try {
      leases.heartbeat(host, snapshots.stores().names(), restoreKey);
      for (HeadWorker w : workers.values()) {
        if (!w.finished() && !leases.renew(w.lease())) {
          LOG.warn("Lost the lease on backup {} to another daemon; stopping its head worker",
              w.lease().backupId());
          w.stop();
        }
      }
    } catch (MongoException e) {
      LOG.warn("Cannot renew leases ({}); workers stop when their leases run out",
          e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("Renewing leases failed", e);
    }
  }

  private Map<String, Object> health() {
    db.ping();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("daemonId", daemonId);
    out.put("applicationDatabase", "reachable");
    List<Map<String, Object>> heads = new ArrayList<>();
    for (HeadWorker w : workers.values()) {
      HeadReports.Report r = w.lastReport();
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("backupId", w.lease().backupId());
      h.put("leaseHeld", w.lease().held());
      if (r != null) {
        h.put("state", r.state().name());
        h.put("appliedSeq", r.appliedSeq());
        h.put("sizeBytes", r.sizeBytes());
      }
      heads.add(h);
    }
    out.put("heads", heads);
    return out;
  }

  // ---- stopping

  /**
   * Stops the workers (each finishes its batch in progress), releases the leases and closes
   * everything; later calls do nothing.
   */
  @Override
  public void close() {
    stop(true);
  }

  /**
   * Stops everything without releasing the leases or signing off, as if the process had been
   * killed: other daemons take the backups over only when the leases expire. For tests.
   */
  void abandon() {
    stop(false);
  }

  private synchronized void stop(boolean release) {
    if (stopped.getCount() == 0) {
      return;
    }
    closing = true;
    scheduler.shutdownNow();
    restores.close(release);
    workers.values().forEach(HeadWorker::stop);
    for (HeadWorker w : workers.values()) {
      try {
        if (!w.await(Duration.ofSeconds(30))) {
          LOG.warn("The head worker of {} did not stop within 30 s", w.lease().backupId());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (release && !w.lease().lost()) {
        try {
          leases.release(w.lease());
        } catch (MongoException e) {
          LOG.warn("Cannot release the lease on {}: {}", w.lease().backupId(), e.getMessage());
        }
      }
    }
    if (release) {
      try {
        leases.signOff();
      } catch (MongoException e) {
        LOG.warn("Cannot remove this daemon's record: {}", e.getMessage());
      }
    }
    workers.clear();
    snapshots.close();
    if (admin != null) {
      try {
        admin.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Closing the admin port failed: {}", e.toString());
      }
    }
    try {
      db.close();
    } catch (RuntimeException e) {
      LOG.warn("Closing the application database connection failed: {}", e.toString());
    }
    try {
      lock.release();
    } catch (IOException e) {
      LOG.warn("Releasing the data directory lock failed: {}", e.toString());
    }
    closeQuietly(lockChannel);
    stopped.countDown();
    LOG.info("openmms daemon {} stopped{}", daemonId, release ? "; leases released" : "");
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      LOG.warn("Error during shutdown: {}", e.toString());
    }
  }

  private static void closeQuietly(FileChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // nothing left to do
      }
    }
  }

  // ---- identity

  /** Host name and a hash of the data directory: stable across restarts, unique per directory. */
  static String defaultId(Path dataDir) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(dataDir.toAbsolutePath().normalize()
          .toString().getBytes(StandardCharsets.UTF_8));
      return hostName() + "-" + HexFormat.of().formatHex(h, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
