package io.openmms.bench.snapshot;

import io.openmms.bench.Machine;
import io.openmms.blockstore.BlockCodec;
import io.openmms.blockstore.BlockKey;
import io.openmms.blockstore.ChunkerParams;
import io.openmms.common.util.FileTrees;
import io.openmms.daemon.head.HeadSnapshot;
import io.openmms.daemon.head.RocksHead;
import io.openmms.daemon.snapshot.SnapshotStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The snapshot benchmark of issue 5, side by side with restic in one run: the same logical data
 * is a RocksDB head for openmms ({@link Dataset}: orders, users and events, ~1 KB documents) and
 * a mongodump directory of BSON files for restic ({@link Dump}). It prints two tables:
 *
 * <ol>
 *   <li><b>First snapshot</b> into an empty store: openmms's {@code SnapshotWriter} with one
 *       thread and with {@code --threads} into fresh {@code FileBlockStore}s, restic 0.14
 *       ({@code --compression auto}) with {@code GOMAXPROCS=1} and without, into fresh
 *       repositories. MB/s is logical bytes (the snapshot stream; the files restic read) per
 *       second of wall time; stored bytes are the size of the store's or repository's
 *       directory. For reference, without a goal of their own: openmms with AES-256-GCM (restic
 *       always encrypts) and restic {@code --compression max}.
 *   <li><b>Incremental cost</b> of a second snapshot after each workload, each starting from
 *       the same base (the first multi-threaded store or repository is copied; openmms first
 *       takes an untimed snapshot of the base into the copy, the last snapshot before the
 *       workload as the scheduler would have taken it, so collections the workload leaves alone
 *       reuse its blocks; the workload is applied to the head through head batches and the dump
 *       rewritten; afterwards the workload
 *       is reverted and the stream checked to hash as the base did): (a) 1 % of the documents
 *       updated uniformly, (b) as many updates, 80 % of them to the newest 5 % of each
 *       collection, (c) append-only inserts of 1 % new events with {@code _id}s after every
 *       existing one. New stored bytes are the directory's growth (for openmms also the
 *       manifest's {@code newStoredBytes}).
 * </ol>
 *
 * Each row states the issue's goal (at least 2x restic's throughput, no more stored bytes than
 * restic) and PASS or FAIL. Every timed run is repeated {@code --repeat} times and the fastest
 * is reported (on a shared machine the slower ones measure the neighbours); under each
 * throughput row is the CPU time the run used (openmms: this whole process; restic: its user and
 * system time), which other load on the machine does not inflate much. Before measuring, two
 * multi-threaded snapshots (plain and encrypted: the JIT compiles the AES-GCM intrinsics only
 * after a few hundred MB) and one restic backup of the same data are taken and discarded, so
 * both tools run warm and read from the page cache.
 *
 * <p>Run from the repository root with a JDK 21+ and {@code restic} on the path:
 *
 * <pre>
 * mvn -q -pl bench -am install -DskipTests
 * java -Xmx3g -cp 'bench/target/openmms-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *     io.openmms.bench.snapshot.SnapshotBench --size-mb 400
 * </pre>
 *
 * The run takes about 3½ minutes with the defaults on two cores and needs about 2 GB of
 * temporary disk space. Options (defaults in brackets): {@code --size-mb} MB of BSON [400];
 * {@code --threads} the multi-threaded column [available processors]; {@code --dir} where the
 * temporary directories go [java.io.tmpdir]; {@code --seed} [42]; {@code --repeat} runs per
 * figure [3]; {@code --no-restic-max} skips the restic {@code --compression max} row;
 * {@code --keep} keeps the directories. For experiments with openmms's parameters (they change
 * only this run): {@code --chunker MIN,AVG,MAX} in KiB [256,1024,4096] and {@code --zstd-level}
 * [3]. {@code -Dbench.restic=/path/to/restic} picks the restic binary.
 */
public final class SnapshotBench {
  private long sizeMb = 400;
  private int threads = Runtime.getRuntime().availableProcessors();
  private Path dir = Path.of(System.getProperty("java.io.tmpdir"));
  private long seed = 42;
  private boolean resticMax = true;
  private boolean keep;
  private int repeat = 3;
  private ChunkerParams chunker = ChunkerParams.DEFAULT;
  private int level = BlockCodec.DEFAULT_LEVEL;
  private final Report report = new Report();

  private SnapshotBench() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel", "off");
    System.setProperty("org.slf4j.simpleLogger.log.org.mongodb.driver", "off");
    SnapshotBench bench = new SnapshotBench();
    bench.parse(args);
    long began = System.nanoTime();
    double loadAtStart = Machine.loadAverage();
    String heading = "openmms snapshot benchmark against restic, "
        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", " + Machine.describe();
    Path base = Files.createTempDirectory(bench.dir, "openmms-bench-snapshot-");
    try {
      bench.run(base);
    } finally {
      if (bench.keep) {
        progress("kept %s", base);
      } else {
        FileTrees.delete(base);
      }
    }
    System.out.println(heading);
    System.out.println(Report.fmt("%s; openmms: chunker %d/%d/%d KiB, zstd level %d; %d threads"
        + " in the multi-threaded column", Restic.version(), bench.chunker.min() >> 10,
        bench.chunker.avg() >> 10, bench.chunker.max() >> 10, bench.level, bench.threads));
    bench.report.lines().forEach(System.out::println);
    bench.printGoal();
    System.out.printf(Locale.ROOT, "total run time %.0f s; load average %.2f at start, %.2f at"
        + " end%n", (System.nanoTime() - began) / 1e9, loadAtStart, Machine.loadAverage());
    System.exit(0); // the embedded application database's threads
  }

  private void parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--size-mb" -> sizeMb = Long.parseLong(value(args, ++i, a));
        case "--threads" -> threads = Integer.parseInt(value(args, ++i, a));
        case "--dir" -> dir = Path.of(value(args, ++i, a));
        case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
        case "--zstd-level" -> level = Integer.parseInt(value(args, ++i, a));
        case "--chunker" -> {
          int[] kib = Arrays.stream(value(args, ++i, a).split(",")).mapToInt(Integer::parseInt)
              .toArray();
          if (kib.length != 3) {
            throw new IllegalArgumentException("--chunker: MIN,AVG,MAX in KiB, was "
                + args[i]);
          }
          chunker = new ChunkerParams(kib[0] << 10, kib[1] << 10, kib[2] << 10);
        }
        case "--repeat" -> repeat = Math.max(1, Integer.parseInt(value(args, ++i, a)));
        case "--no-restic-max" -> resticMax = false;
        case "--keep" -> keep = true;
        default -> throw new IllegalArgumentException("unknown option " + a + " (see the class"
            + " comment of " + SnapshotBench.class.getName() + ")");
      }
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  // ---- the run

  private record First(OpenmmsSnapshots.Run single, OpenmmsSnapshots.Run multi,
      OpenmmsSnapshots.Run encrypted, Restic.Backup resticSingle, Restic.Backup resticMulti,
      Restic.Backup resticMax) {}

  private void run(Path base) throws Exception {
    Path dump = base.resolve("dump");
    try (RocksHead head = RocksHead.open(base.resolve("head"));
        OpenmmsSnapshots openmms = new OpenmmsSnapshots(base.resolve("app"), chunker)) {
      progress("loading about %d MB of documents into a head", sizeMb);
      Dataset data = new Dataset(seed);
      Dataset.Loaded loaded = data.load(head, sizeMb * 1_000_000);
      long dumpBytes = Dump.write(head, dump);
      String baseDigest = streamDigest(head);
      progress("loaded %,d documents, %,.1f MB of BSON; mongodump directory %,.1f MB",
          loaded.documents(), loaded.bytes() / 1e6, dumpBytes / 1e6);
      First first = first(base, head, openmms, dump);
      printFirst(loaded, dumpBytes, first);
      report.section(Report.fmt("(2) Second snapshot after a workload, each from the same base"
          + " (openmms: the first store copied, with an untimed snapshot of the base; restic: the"
          + " first repository copied); %d threads, fastest of %d",
          threads, repeat));
      int updates = (int) Math.round(data.documents() * 0.01);
      incremental(base, head, openmms, dump, first, data, "(a)",
          () -> data.uniformUpdates(head, 0.01, seed + 1), baseDigest);
      incremental(base, head, openmms, dump, first, data, "(b)",
          () -> data.skewedUpdates(head, updates, 0.8, 0.05, seed + 2), baseDigest);
      incremental(base, head, openmms, dump, first, data, "(c)",
          () -> data.appends(head, updates), baseDigest);
    }
  }

  private First first(Path base, RocksHead head, OpenmmsSnapshots openmms, Path dump)
      throws Exception {
    BlockCodec codec = BlockCodec.plain().withLevel(level);
    SecureRandom random = new SecureRandom();
    BlockCodec aes = BlockCodec.encrypted(BlockKey.generate("bench", random), random)
        .withLevel(level);
    progress("warm-up: openmms snapshots (plain and AES-256-GCM) and one restic backup,"
        + " discarded");
    fresh(openmms, head, base.resolve("warm-up-store"), codec, threads, false);
    fresh(openmms, head, base.resolve("warm-up-store"), aes, threads, false);
    Restic.init(base.resolve("warm-up-repo"));
    Restic.backup(base.resolve("warm-up-repo"), dump, "auto", false);
    FileTrees.delete(base.resolve("warm-up-repo"));

    progress("openmms, 1 thread");
    OpenmmsSnapshots.Run single = fastest(repeat, () -> fresh(openmms, head,
        base.resolve("store-1"), codec, 1, false), OpenmmsSnapshots.Run::wallSeconds);
    progress("openmms, %d threads", threads);
    OpenmmsSnapshots.Run multi = fastest(repeat, () -> fresh(openmms, head,
        base.resolve("store-base"), codec, threads, true), OpenmmsSnapshots.Run::wallSeconds);
    progress("openmms, %d threads, AES-256-GCM", threads);
    OpenmmsSnapshots.Run encrypted = fastest(repeat, () -> fresh(openmms, head,
        base.resolve("store-aes"), aes, threads, false), OpenmmsSnapshots.Run::wallSeconds);

    progress("restic, GOMAXPROCS=1");
    Restic.Backup resticSingle = fastest(repeat, () -> fresh(base.resolve("repo-1"), dump,
        "auto", true, false), Restic.Backup::wallSeconds);
    progress("restic, all cores");
    Restic.Backup resticMulti = fastest(repeat, () -> fresh(base.resolve("repo-base"), dump,
        "auto", false, true), Restic.Backup::wallSeconds);
    Restic.Backup max = null;
    if (resticMax) {
      progress("restic, --compression max (once)");
      max = fresh(base.resolve("repo-max"), dump, "max", false, false);
    }
    return new First(single, multi, encrypted, resticSingle, resticMulti, max);
  }

  /** A snapshot into a new store at {@code store}, which is removed after unless {@code keep}. */
  private static OpenmmsSnapshots.Run fresh(OpenmmsSnapshots openmms, RocksHead head, Path store,
      BlockCodec codec, int threads, boolean keep) throws Exception {
    FileTrees.delete(store);
    openmms.forgetAll(); // a first snapshot: nothing earlier to reuse
    OpenmmsSnapshots.Run r = openmms.take(head, store, codec, threads);
    if (!keep) {
      FileTrees.delete(store);
    }
    return r;
  }

  /** A backup into a new repository at {@code repo}, removed after unless {@code keep}. */
  private static Restic.Backup fresh(Path repo, Path dump, String compression,
      boolean singleThreaded, boolean keep) throws IOException {
    FileTrees.delete(repo);
    Restic.init(repo);
    Restic.Backup b = Restic.backup(repo, dump, compression, singleThreaded);
    if (!keep) {
      FileTrees.delete(repo);
    }
    return b;
  }

  private interface Measurement<R> {
    R run() throws Exception;
  }

  /** Runs {@code m} {@code times} times and returns the run with the shortest wall time. */
  private static <R> R fastest(int times, Measurement<R> m, ToDoubleFunction<R> wall)
      throws Exception {
    R best = null;
    for (int i = 0; i < times; i++) {
      R r = m.run();
      if (best == null || wall.applyAsDouble(r) < wall.applyAsDouble(best)) {
        best = r;
      }
    }
    return best;
  }

  private static Report.Timing timing(OpenmmsSnapshots.Run r) {
    return new Report.Timing(r.manifest().logicalSizeBytes(), r.wallSeconds(), r.cpuSeconds());
  }

  private static Report.Timing timing(Restic.Backup b) {
    return new Report.Timing(b.bytesProcessed(), b.wallSeconds(), b.cpuSeconds());
  }

  private void printFirst(Dataset.Loaded loaded, long dumpBytes, First f) {
    report.section(Report.fmt("(1) First snapshot into an empty store: %,.1f MB of BSON,"
        + " %,d documents in 3 collections; snapshot stream %,.1f MB, mongodump directory"
        + " %,.1f MB; fastest of %d", loaded.bytes() / 1e6, loaded.documents(),
        f.multi().manifest().logicalSizeBytes() / 1e6, dumpBytes / 1e6, repeat));
    report.throughput("  1 thread: MB/s (wall)", "first snapshot, 1 thread",
        timing(f.single()), timing(f.resticSingle()));
    report.throughput(Report.fmt("  %d threads: MB/s (wall)", threads),
        "first snapshot, " + threads + " threads", timing(f.multi()), timing(f.resticMulti()));
    report.row("    restic's own total_duration (1 / " + threads + ")", "",
        Report.fmt("%.1f s / %.1f s", f.resticSingle().resticSeconds(),
            f.resticMulti().resticSeconds()));
    report.stored("  stored: store / repository directory", "first snapshot",
        f.multi().storeBytes(), f.resticMulti().repoBytes());
    report.row("  stored / raw", ratio(f.multi().storeBytes(),
        f.multi().manifest().logicalSizeBytes()), ratio(f.resticMulti().repoBytes(), dumpBytes));
    report.row("  blocks (manifest newStoredBytes) / blobs",
        Report.fmt("%,d (%s)", f.multi().blocks(), Report.mb(f.multi().manifest()
            .newStoredBytes())), Report.fmt("%,d", f.resticMulti().dataBlobs()));
    report.row("  stored, 1 thread", Report.mb(f.single().storeBytes()),
        Report.mb(f.resticSingle().repoBytes()));
    report.subtitle("like for like, both encrypted (restic always encrypts):");
    report.throughput(Report.fmt("  openmms AES-256-GCM, %d threads: MB/s", threads),
        "first snapshot, both encrypted", timing(f.encrypted()), timing(f.resticMulti()));
    report.stored("  openmms AES-256-GCM: stored", "first snapshot, both encrypted",
        f.encrypted().storeBytes(), f.resticMulti().repoBytes());
    if (f.resticMax() != null) {
      report.subtitle("reference, no goal (one run):");
      report.row("  restic --compression max: MB/s (wall)", "", Report.fmt("%.1f (%.1f s)",
          timing(f.resticMax()).mbps(), f.resticMax().wallSeconds()));
      report.row("  restic --compression max: stored", "", Report.mb(f.resticMax().repoBytes()));
    }
  }

  private interface Workload {
    Dataset.Change apply();
  }

  private void incremental(Path base, RocksHead head, OpenmmsSnapshots openmms, Path dump,
      First first, Dataset data, String tag, Workload workload, String baseDigest)
      throws Exception {
    progress("workload %s", tag);
    BlockCodec codec = BlockCodec.plain().withLevel(level);
    // the snapshot before the workload, as the scheduler would have taken it (untimed): the
    // base content again, with the head's content tags as they are now
    Path parent = base.resolve("store-parent");
    FileTrees.delete(parent);
    FileTrees.copy(base.resolve("store-base"), parent);
    openmms.forgetAll();
    OpenmmsSnapshots.Run before = openmms.take(head, parent, codec, threads);
    Dataset.Change change = workload.apply();
    Dump.write(head, dump);
    Path store = base.resolve("store-" + tag);
    progress("workload %s: openmms", tag);
    OpenmmsSnapshots.Run o = fastest(repeat, () -> {
      FileTrees.delete(store);
      FileTrees.copy(parent, store);
      OpenmmsSnapshots.Run r = openmms.take(head, store, codec, threads);
      openmms.forget(r); // its store goes: the next run's earlier snapshot is the parent again
      FileTrees.delete(store);
      return r;
    }, OpenmmsSnapshots.Run::wallSeconds);
    FileTrees.delete(parent);
    Path repo = base.resolve("repo-" + tag);
    progress("workload %s: restic", tag);
    Restic.Backup r = fastest(repeat, () -> {
      FileTrees.delete(repo);
      FileTrees.copy(base.resolve("repo-base"), repo);
      Restic.Backup b = Restic.backup(repo, dump, "auto", false);
      FileTrees.delete(repo);
      return b;
    }, Restic.Backup::wallSeconds);
    change.revert(data, head);
    if (!streamDigest(head).equals(baseDigest)) {
      throw new IllegalStateException("reverting workload " + tag + " did not restore the base"
          + " content; the following workloads would not start from the same state");
    }
    report.subtitle(Report.fmt("%s %s: %,d operations on %,d documents", tag,
        change.description, change.operations, change.documents));
    long openmmsNew = o.storeBytes() - before.storeBytes();
    long resticNew = r.repoBytes() - first.resticMulti().repoBytes();
    report.stored("    new stored bytes (directory growth)", tag + " " + change.description,
        openmmsNew, resticNew);
    report.row("    newStoredBytes; new blocks of all / blobs",
        Report.fmt("%s; %,d of %,d", Report.mb(o.manifest().newStoredBytes()),
            o.blocks() - before.blocks(),
            o.manifest().blockCount() + o.manifest().blockLists().size()),
        Report.fmt("%,d", r.dataBlobs()));
    report.throughput("    MB/s (wall)", tag + " " + change.description, timing(o),
        timing(r));
  }

  private void printGoal() {
    List<Report.Check> checks = report.checks();
    long passed = checks.stream().filter(Report.Check::pass).count();
    System.out.println();
    System.out.println("Goal (issue 5): at least 2x restic's throughput and no more stored bytes"
        + " than restic, on every workload");
    for (Report.Check c : checks) {
      System.out.println("  " + (c.pass() ? "PASS  " : "FAIL  ") + c.what());
    }
    System.out.printf(Locale.ROOT, "  %d of %d checks pass: the goal is %s%n", passed,
        checks.size(), passed == checks.size() ? "met" : "NOT met");
  }

  // ---- helpers

  private static String ratio(long stored, long raw) {
    return Report.fmt("%.3f", (double) stored / raw);
  }

  /** The SHA-256 of the head's snapshot stream: equal content, equal digest. */
  private static String streamDigest(RocksHead head) throws IOException {
    try (HeadSnapshot view = head.snapshot()) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
        SnapshotStream.write(view, out);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void progress(String format, Object... args) {
    System.err.println("... " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " "
        + String.format(Locale.ROOT, format, args));
  }
}
