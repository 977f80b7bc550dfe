package io.openmms.daemon.restore;

import io.openmms.common.util.FileTrees;
import io.openmms.daemon.restore.delivery.SshKeys;
import io.openmms.daemon.service.BatchSource;
import io.openmms.daemon.snapshot.SnapshotStores;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.Daemons;
import io.openmms.server.backup.RestoreFiles;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.store.AppDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's restore worker (docs/restores.md, "Jobs"): {@link #poll()} claims queued jobs of
 * the block stores this daemon has, up to {@code daemon.restore.concurrency} at once, and runs
 * each on its own thread ({@link RestoreRun}); {@link #heartbeat()} stores every running job's
 * progress and stops a job that was killed or taken over. A job whose daemon died is claimed
 * again by any daemon once its heartbeat is {@code stale}, and starts over. {@link #close()}
 * stops the running jobs and hands them back. Thread-safe.
 */
public final class RestoreService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreService.class);

  private final RestoreContext ctx;
  private final int concurrency;
  private final Duration stale;
  private final ExecutorService pool;
  private final Map<String, JobProgress> running = new ConcurrentHashMap<>();
  private volatile boolean closing;
  private volatile boolean handBack = true;

  public RestoreService(AppDatabase db, SnapshotStores stores, Path stagingDir, Path sshKeyFile,
      int concurrency, Duration stale, Clock clock, String daemonId) {
    KeyHolder keys = new KeyHolder(sshKeyFile);
    this.ctx = new RestoreContext(daemonId, new RestoreJobs(db, clock), new RestoreFiles(db),
        new Snapshots(db), stores, new BatchSource(db, clock), new BackupData(db), stagingDir,
        keys::get, clock);
    this.concurrency = concurrency;
    this.stale = stale;
    sweepStaging();
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "openmms-restore-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Removes what earlier runs of this daemon left in the staging directory (a crash or kill mid-
   * restore leaves a dump, a temporary head, a package): one directory per attempt of a job,
   * named {@code <jobId>.<attempt>}, removed unless it is the attempt another daemon that shares
   * the directory runs now. Anything else in the directory is not the daemon's and stays.
   */
  /** A job attempt's staging directory: {@code RestoreJobs.Job.fileId()}. */
  private static final java.util.regex.Pattern STAGING_NAME =
      java.util.regex.Pattern.compile("[0-9a-f]{24}\\.[0-9]+");

  private void sweepStaging() {
    Path dir = ctx.stagingDir();
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.toList()) {
        String name = p.getFileName().toString();
        if (!STAGING_NAME.matcher(name).matches() || !Files.isDirectory(p)) {
          LOG.warn("{} is not restore staging; the daemon leaves it alone", p);
          continue;
        }
        if (!runningElsewhere(name)) {
          FileTrees.delete(p);
          LOG.info("Removed {}: restore staging left by an earlier run", p);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot clean the restore staging directory {}: {}", dir, e.getMessage());
    }
  }

  /** True for the staging directory {@code <jobId>.<attempt>} of an attempt another daemon runs. */
  private boolean runningElsewhere(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 && ctx.jobs().get(name.substring(0, dot))
        .filter(j -> j.status() == RestoreJobs.Status.IN_PROGRESS && j.owner() != null
            && !j.owner().equals(ctx.daemonId()) && j.fileId().equals(name))
        .isPresent();
  }

  /** Claims and starts jobs while this daemon has free restore slots. */
  public void poll() {
    while (!closing && running.size() < concurrency) {
      Optional<RestoreJobs.Job> claimed = ctx.jobs().claim(ctx.daemonId(),
          ctx.stores().names(), stale);
      if (claimed.isEmpty()) {
        return;
      }
      RestoreJobs.Job job = claimed.get();
      JobProgress progress = new JobProgress();
      running.put(job.id(), progress);
      LOG.info("Restore job {} of {} started (attempt {}): {} {} by {}", job.id(),
          job.replicaSetName(), job.attempts(), job.pointInTime() ? "point in time "
              + job.targetTs() + " from snapshot" : "snapshot", job.snapshotId(), job.method());
      pool.execute(() -> {
        try {
          new RestoreRun(job, ctx, progress).run();
        } finally {
          running.remove(job.id());
          if (!progress.killed() && progress.cancelled() && handBack) {
            ctx.jobs().release(job.id(), ctx.daemonId());
          }
        }
      });
    }
  }

  /** Stores each running job's progress; stops those killed or taken over. */
  public void heartbeat() {
    running.forEach((id, p) -> {
      if (!ctx.jobs().progress(id, ctx.daemonId(), p.phase(), p.done(), p.total())) {
        boolean kill = ctx.jobs().get(id).map(RestoreJobs.Job::killRequested).orElse(false);
        p.cancel(kill);
      }
    });
  }

  /** Jobs running now. */
  public int runningCount() {
    return running.size();
  }

  /**
   * The public key SCP targets must accept: its authorized_keys line (commented
   * {@code openmms-restore@<daemonId>}), type and fingerprint, as the daemon publishes it.
   * Loads or creates the key file on first use.
   *
   * @throws UncheckedIOException naming the file and the setting when the key cannot be
   *     loaded or created
   */
  public Daemons.RestoreKey sshPublicKey() {
    PublicKey key = ctx.sshKey().getPublic();
    return new Daemons.RestoreKey(SshKeys.keyType(key),
        SshKeys.publicKeyLine(key, "openmms-restore@" + ctx.daemonId()),
        SshKeys.fingerprint(key));
  }

  @Override
  public void close() {
    close(true);
  }

  /**
   * Stops the running jobs; {@code handBack} releases them for other daemons at once, otherwise
   * (a simulated crash) they are left to go stale.
   */
  public void close(boolean handBack) {
    this.handBack = handBack;
    closing = true;
    running.values().forEach(p -> p.cancel(false));
    pool.shutdown();
    try {
      if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Loads (or creates) the SSH key on first use. */
  private static final class KeyHolder {
    private final Path file;
    private KeyPair key;

    KeyHolder(Path file) {
      this.file = file;
    }

    synchronized KeyPair get() {
      if (key == null) {
        try {
          key = SshKeys.loadOrCreate(file);
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot load or create the daemon's SSH key "
              + file + " (daemon.restore.ssh.key): " + e.getMessage(), e);
        }
      }
      return key;
    }
  }
}
