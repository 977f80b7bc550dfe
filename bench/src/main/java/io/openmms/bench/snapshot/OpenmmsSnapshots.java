package io.openmms.bench.snapshot;

import io.openmms.blockstore.BlockCodec;
import io.openmms.blockstore.ChunkerParams;
import io.openmms.blockstore.FileBlockStore;
import io.openmms.common.util.FileTrees;
import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.HeadSnapshot;
import io.openmms.daemon.snapshot.Coordination;
import io.openmms.daemon.snapshot.SnapshotWriter;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.store.AppDatabase;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * openmms's side: snapshots of a head into a {@link FileBlockStore} (the local filesystem store,
 * packs and an index in the manner of restic) by the daemon's {@link SnapshotWriter}, with the
 * coordination records and manifests in an embedded application database, as the daemon writes
 * them. Each snapshot opens the store, writes, and closes it again, so a timed run includes
 * what a restic process does around its backup (opening the repository, loading the index).
 */
final class OpenmmsSnapshots implements AutoCloseable {
  /** The group of the bench's snapshots: their store directory's name. */
  static final String GROUP = "5f0000000000000000000b01";
  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final AppDatabase db;
  private final Coordination coordination;
  private final Snapshots snapshots;
  private final ChunkerParams chunker;
  private final Clock clock = Clock.systemUTC();
  private int taken;

  /**
   * One snapshot: its manifest, the wall time, the CPU time of this whole process meanwhile
   * (every thread: the writer's, RocksDB's, the application database's, GC and JIT), and the
   * store's directory bytes and block count after.
   */
  record Run(Snapshots.Snapshot manifest, double wallSeconds, double cpuSeconds, long storeBytes,
      long blocks) {}

  OpenmmsSnapshots(Path appDir, ChunkerParams chunker) {
    this.db = AppDatabase.open(null, "openmms", appDir, 0);
    this.coordination = new Coordination(db, clock, Duration.ofMinutes(10));
    this.snapshots = new Snapshots(db);
    this.chunker = chunker;
  }

  /** Writes a snapshot of {@code head} into the store at {@code storeDir} with {@code threads}. */
  Run take(Head head, Path storeDir, BlockCodec codec, int threads)
      throws IOException, InterruptedException {
    String id = "bench-" + ++taken;
    SnapshotWriter.Plan plan = new SnapshotWriter.Plan(id, "bench-backup", GROUP, "bench",
        Set.of("DAILY"), clock.instant().plus(Duration.ofDays(7)), true);
    long cpuStart = CPU.getProcessCpuTime();
    long start = System.nanoTime();
    Snapshots.Snapshot s;
    long blocks;
    try (FileBlockStore store = FileBlockStore.open(storeDir, codec);
        HeadSnapshot view = head.snapshot()) {
      s = new SnapshotWriter(store, coordination, chunker, threads, clock).write(view, plan,
          snapshots);
      blocks = store.stats().blocks();
    }
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = (CPU.getProcessCpuTime() - cpuStart) / 1e9;
    return new Run(s, wall, cpu, FileTrees.size(storeDir), blocks);
  }

  /**
   * Forgets every manifest taken so far, so the next snapshot has no earlier one to reuse blocks
   * from (a first snapshot), or only the one taken next (the parent of a workload's snapshot).
   */
  void forgetAll() {
    snapshots.deleteAll("bench-backup");
  }

  /** Forgets one run's manifest (its store was removed). */
  void forget(Run r) {
    snapshots.delete(r.manifest().id());
  }

  /** The application database the manifests are in. */
  AppDatabase db() {
    return db;
  }

  @Override
  public void close() {
    db.close();
  }
}
