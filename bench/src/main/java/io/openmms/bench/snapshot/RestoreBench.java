package io.openmms.bench.snapshot;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.openmms.blockstore.BlockCodec;
import io.openmms.blockstore.ChunkerParams;
import io.openmms.common.util.FileTrees;
import io.openmms.daemon.head.RocksHead;
import io.openmms.daemon.restore.RestoreService;
import io.openmms.daemon.snapshot.SnapshotStores;
import io.openmms.server.backup.RestoreFiles;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.Snapshots;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Restore throughput (issue: restores; docs/benchmarks.md, "Restores"): a head of about
 * {@code --size-mb} MB of documents is snapshotted into a filesystem block store, then restored
 * by the daemon's {@link RestoreService} exactly as a job runs — to a download (tar.gz: stage,
 * package, read back and verify, store in the application database, then read out the way the
 * Backup HTTP service serves it) and straight into a MongoDB stand-in (insert, build indexes,
 * read back and verify) — beside restic restoring the same data as a mongodump directory from
 * its repository. Then 5 % of the documents are updated, a second snapshot patches every
 * collection, and the same restores run from it. MB/s are of the documents' BSON restored.
 *
 * <p>Run: {@code java -Xmx3g -cp 'bench/target/openmms-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*'
 * io.openmms.bench.snapshot.RestoreBench --size-mb 200}.
 */
public final class RestoreBench {
  private static final double PATCHED_FRACTION = 0.05;

  public static void main(String[] args) throws Exception {
    long sizeMb = 200;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--size-mb")) {
        sizeMb = Long.parseLong(args[++i]);
      }
    }
    Path base = Files.createTempDirectory("openmms-restore-bench");
    try {
      run(base, sizeMb);
    } finally {
      FileTrees.delete(base);
    }
  }

  private static void run(Path base, long sizeMb) throws Exception {
    Path storeRoot = base.resolve("blocks");
    Snapshots.Snapshot s;
    Path dump = base.resolve("dump");
    try (RocksHead head = RocksHead.open(base.resolve("head"));
        OpenmmsSnapshots openmms = new OpenmmsSnapshots(base.resolve("app"),
            ChunkerParams.DEFAULT)) {
      System.out.printf("loading about %d MB of documents into a head%n", sizeMb);
      Dataset data = new Dataset(42);
      Dataset.Loaded loaded = data.load(head, sizeMb * 1_000_000);
      Dump.write(head, dump);
      Path store = storeRoot.resolve(OpenmmsSnapshots.GROUP);
      s = openmms.take(head, store, BlockCodec.plain(), 2).manifest();
      System.out.printf("snapshot %s: %,d documents, %,.1f MB logical%n", s.id(),
          loaded.documents(), s.logicalSizeBytes() / 1e6);
      restore(openmms, s, storeRoot, base, "");
      // the same data again, as the next snapshot after 5 % of the documents were updated: each
      // collection is the first snapshot's blocks plus a patch, merged while it is restored
      data.uniformUpdates(head, PATCHED_FRACTION, 7);
      Snapshots.Snapshot patched = openmms.take(head, store, BlockCodec.plain(), 2).manifest();
      long n = patched.collections().stream().filter(Snapshots.Collection::patched).count();
      System.out.printf("%nsnapshot %s after %.0f %% of the documents were updated: %d of %d"
          + " collections patched%n", patched.id(), PATCHED_FRACTION * 100, n,
          patched.collections().size());
      restore(openmms, patched, storeRoot, base, ", patched");
    }
    Path repo = base.resolve("restic");
    Restic.init(repo);
    Restic.backup(repo, dump, "auto", false);
    long start = System.nanoTime();
    Restic.restore(repo, base.resolve("restic-out"));
    double resticSeconds = (System.nanoTime() - start) / 1e9;
    row("restic " + Restic.version().replaceAll("restic ([0-9.]+).*", "$1")
        + " restore (mongodump directory)", documentBytes(s), resticSeconds);
  }

  private static void restore(OpenmmsSnapshots openmms, Snapshots.Snapshot s, Path storeRoot,
      Path base, String label) throws Exception {
    var db = openmms.db();
    try (SnapshotStores stores = new SnapshotStores(SnapshotStores.parse("bench=file:"
        + storeRoot, base), null, new SecureRandom())) {
      RestoreService service = new RestoreService(db, stores, base.resolve("staging"),
          base.resolve("key"), 1, Duration.ofMinutes(5), Clock.systemUTC(), "bench");
      ScheduledExecutorService loop = run(service);
      MongoServer target = new MongoServer(new MemoryBackend());
      InetSocketAddress address = target.bind();
      try {
        RestoreJobs jobs = new RestoreJobs(db, Clock.systemUTC());
        System.out.println();
        System.out.printf("%-52s %12s %10s %10s%n", "restore of one snapshot", "MB", "seconds",
            "MB/s");
        for (String format : List.of("TAR_GZ", "ARCHIVE")) {
          double t = job(jobs, s, new Document("methodName", "HTTP").append("format", format)
              .append("expirationHours", 1).append("maxDownloads", 1));
          row("openmms: download ready (" + format + label + ")", documentBytes(s), t);
          RestoreJobs.Job j = jobs.list(s.backupId()).get(0);
          long size = ((Number) j.file().get("size")).longValue();
          long start = System.nanoTime();
          try (InputStream in = new RestoreFiles(db).open(j.fileId(), 0, size)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
          }
          row("openmms: serving the file (" + format + label + ", " + (size / 1_000_000) + " MB)",
              size, (System.nanoTime() - start) / 1e9);
        }
        double direct = job(jobs, s, new Document("methodName", "AUTOMATED_RESTORE")
            .append("targetConnectionString", "mongodb://127.0.0.1:" + address.getPort())
            .append("target", "bench").append("dropExisting", true)
            .append("namespaceRemap", List.of()));
        row("openmms: direct restore (MongoDB stand-in" + label + ")", documentBytes(s), direct);
      } finally {
        loop.shutdownNow();
        service.close();
        target.shutdownNow();
      }
    }
  }

  /**
   * Runs {@code service} as the daemon does, but every 20 ms (heartbeat and progress, then a poll
   * for queued jobs), until the returned executor is shut down.
   */
  static ScheduledExecutorService run(RestoreService service) {
    ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    loop.scheduleWithFixedDelay(() -> {
      service.heartbeat();
      service.poll();
    }, 0, 20, TimeUnit.MILLISECONDS);
    return loop;
  }

  /** Runs one job to its end; its wall seconds. */
  private static double job(RestoreJobs jobs, Snapshots.Snapshot s, Document delivery)
      throws InterruptedException {
    long start = System.nanoTime();
    String id = new ObjectId().toHexString();
    jobs.create(id, s, "bench", null, null, delivery, null);
    while (true) {
      RestoreJobs.Job j = jobs.get(id).orElseThrow();
      if (j.status() != RestoreJobs.Status.IN_PROGRESS) {
        if (j.status() != RestoreJobs.Status.FINISHED) {
          throw new IllegalStateException("restore " + id + " ended " + j.status() + ": "
              + j.reason());
        }
        return (System.nanoTime() - start) / 1e9;
      }
      Thread.sleep(20);
    }
  }

  /** The BSON a restore of {@code s} writes: its documents (a patched stream is longer). */
  private static long documentBytes(Snapshots.Snapshot s) {
    return s.collections().stream().mapToLong(Snapshots.Collection::bytes).sum();
  }

  private static void row(String what, long bytes, double seconds) {
    System.out.printf("%-52s %12.1f %10.2f %10.1f%n", what, bytes / 1e6, seconds,
        bytes / 1e6 / seconds);
  }
}
