package io.openmms.bench.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.openmms.bench.Machine;
import io.openmms.common.util.FileTrees;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.OplogPosition;
import io.openmms.server.backup.Backups;
import io.openmms.testkit.ReplicaSetStandIn;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.bson.BsonInt64;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;

/**
 * The end-to-end backup path benchmark (SPEC §3, issue 4): every component in this JVM — a
 * three-member {@link ReplicaSetStandIn} as the source, the backup agent, the server's Backup
 * HTTP service on its embedded application database and the daemon applying to its RocksDB head
 * (wired by {@link BackupPath}) — and one printed table with
 *
 * <ol type="a">
 *   <li><b>initial sync</b>: MB/s of BSON copied from the agent's {@code syncStart} (acknowledged
 *       by the service) until the head API ({@code GET .../backupConfigs/{id}/head}) reports
 *       STEADY, beside a plain driver scan of the same data on the same stand-in
 *       ({@link SourceData#scan}: {@code find().batchSize(n)}, {@link RawBsonDocument}s, bytes
 *       summed), once on a cold JVM and once warm. mongo-java-server serves reads far slower
 *       than MongoDB, so the scan is the ceiling any copy can reach here and the ratio is the
 *       meaningful figure;
 *   <li><b>lag under load</b>: writes at a controlled {@code bench.rate} (5,000/s) from two
 *       threads ({@link WriteLoad}), first on the stand-in alone (before the backup starts), then
 *       with the backup tailing. While it tails, the head API's {@code lagSeconds} is sampled
 *       every second, and a marker document written to the source every 0.5 s is timed until
 *       the daemon's head holds it. The writes/s the stand-in achieved is reported, and the CPU
 *       time of each component's threads ({@link ThreadCpu}) shows which one is the limit;
 *   <li><b>oplog apply</b>: the daemon's ops/s while tailing (entries of the source oplog
 *       between the head's positions at the start and end of the window), then its catch-up
 *       rate: the daemon is stopped, writes run back to back for {@code bench.catchup} seconds
 *       and are shipped and stored, and a new daemon on the same head applies the backlog.
 * </ol>
 *
 * <p>Everything shares the machine's cores with the load generator and the stand-in, so the
 * figures are those of the whole path on one machine, not of any component alone. The whole run
 * takes about five minutes with the defaults (more on a loaded machine).
 *
 * <p>Run from the repository root with a JDK 21+:
 *
 * <pre>
 * mvn -q -pl bench -am install -DskipTests
 * java -Xmx6g -cp 'bench/target/openmms-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *     io.openmms.bench.backup.BackupBench
 * </pre>
 *
 * Optional system properties (defaults in brackets): {@code bench.mb} MB of BSON in the source
 * [300], {@code bench.rate} total writes/s of the load [5000], {@code bench.threads} load
 * threads [2], {@code bench.alone} seconds of each load run on the stand-in alone [8],
 * {@code bench.warmup} [10] and {@code bench.seconds} [60] seconds of the tailing run before and
 * while measuring, {@code bench.catchup} seconds of back-to-back writes for the catch-up [30],
 * {@code bench.dir} where the temporary directories go [java.io.tmpdir],
 * {@code bench.agent.batch.documents} the agent's {@code agent.backup.batch.max.documents}
 * [its default, 10000], {@code bench.appdb} {@code embedded} or {@code memory}
 * ({@link BackupPath}) [embedded];
 * {@code bench.debug=true} lists the threads of each CPU group.
 */
public final class BackupBench {
  private static final Namespace MARKERS = new Namespace("load", "markers");

  private final long megabytes = Long.getLong("bench.mb", 300);
  private final double rate = Double.parseDouble(System.getProperty("bench.rate", "5000"));
  private final int threads = Integer.getInteger("bench.threads", 2);
  private final int aloneSeconds = Integer.getInteger("bench.alone", 8);
  private final int warmUpSeconds = Integer.getInteger("bench.warmup", 10);
  private final int seconds = Integer.getInteger("bench.seconds", 60);
  private final int catchUpSeconds = Integer.getInteger("bench.catchup", 30);
  private final boolean debug = Boolean.getBoolean("bench.debug");
  private final List<String> lines = new ArrayList<>();
  private long idBase = 1;

  private BackupBench() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel", "off");
    System.setProperty("org.slf4j.simpleLogger.log.org.mongodb.driver", "off");
    long began = System.nanoTime();
    double loadAtStart = Machine.loadAverage();
    PrintStream out = System.out;
    out.println("openmms backup path benchmark, " + Instant.now().truncatedTo(ChronoUnit.SECONDS)
        + ", " + Machine.describe());
    Path dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir",
        System.getProperty("java.io.tmpdir"))), "openmms-bench-backup-");
    BackupBench bench = new BackupBench();
    try {
      bench.run(dir);
    } finally {
      FileTrees.delete(dir);
    }
    bench.lines.forEach(out::println);
    out.printf(Locale.ROOT, "total run time %.0f s; load average %.2f at start, %.2f at end%n",
        (System.nanoTime() - began) / 1e9, loadAtStart, Machine.loadAverage());
    System.exit(0); // the stand-in's shared netty threads never end
  }

  private void run(Path dir) throws Exception {
    try (ReplicaSetStandIn rs = ReplicaSetStandIn.start("rs0", 3)) {
      MongoClient source = rs.client();
      progress("seeding about %d MB of BSON", megabytes);
      long t = System.nanoTime();
      long seeded = new SourceData().seed(source, megabytes);
      progress("seeded %.0f MB in %.0f s", seeded / 1e6, (System.nanoTime() - t) / 1e9);
      double[] alone = loadAlone(source); // its documents are part of what is copied and scanned
      // the seed's oplog entries hold every document again: drop them, keep everything after
      rs.setOplogMaxEntries(1);
      rs.setOplogMaxEntries(Long.MAX_VALUE);
      progress("driver scan, cold");
      SourceData.Scan cold = SourceData.scan(source);
      progress("driver scan, warm");
      SourceData.Scan warm = SourceData.scan(source);
      try (BackupPath path = new BackupPath(dir, rs)) {
        progress("starting the backup: monitoring discovery, daemon, PATCH backupConfigs");
        path.configure();
        Sync sync = initialSync(path, cold.bytes());
        printSync(cold, warm, sync);
        tail(path, rs, source, alone);
        catchUp(path, rs, source);
      }
    }
  }

  // ---- (a) initial sync

  private record Sync(double startToSteady, double startToCopied, long headBytes,
      long headDocuments, ThreadCpu cpu) {}

  private Sync initialSync(BackupPath path, long bytes) throws Exception {
    ThreadCpu cpu = new ThreadCpu();
    path.startAgent();
    long deadline = System.nanoTime() + 900_000_000_000L;
    long start = 0;
    long copied = 0;
    long steady = 0;
    long lastHeadPoll = 0;
    while (steady == 0) {
      long now = System.nanoTime();
      if (now > deadline) {
        throw new IllegalStateException("the initial sync did not finish in 15 minutes");
      }
      Backups.Backup b = path.backup();
      if (start == 0 && b != null && b.lastSeq() >= 1) {
        start = now;
        progress("initial sync: syncStart acknowledged");
      }
      if (copied == 0 && b != null && b.syncEndTs() != null) {
        copied = now;
        progress("initial sync: copy shipped after %.1f s", (now - start) / 1e9);
      }
      if (start != 0 && now - lastHeadPoll > 100_000_000L) {
        lastHeadPoll = now;
        if ("STEADY".equals(path.headStatus().get("state").asText())) {
          steady = now;
        }
      }
      Thread.sleep(10);
    }
    cpu.stop();
    HeadReader head = path.head();
    long headBytes = 0;
    long headDocs = 0;
    for (Namespace ns : head.namespaces()) {
      if (!ns.db().equals("admin")) {
        headBytes += head.dataSize(ns);
        headDocs += head.count(ns);
      }
    }
    progress("initial sync: head STEADY after %.1f s", (steady - start) / 1e9);
    return new Sync((steady - start) / 1e9, (copied - start) / 1e9, headBytes, headDocs, cpu);
  }

  private void printSync(SourceData.Scan cold, SourceData.Scan warm, Sync s) {
    section(fmt("(a) Initial sync of %,.0f MB of BSON (%,d documents in %d collections: ~1 KB,"
        + " 0.2-2 KB, ~100 KB, 2-5 MB) from a 3-member replica-set stand-in", cold.bytes() / 1e6,
        cold.documents(), cold.collections()));
    row("driver scan, cold JVM: MB/s (s)", fmt("%.1f  (%.1f s)", cold.megabytesPerSecond(),
        cold.seconds()));
    row("driver scan, warm: MB/s (s)", fmt("%.1f  (%.1f s)", warm.megabytesPerSecond(),
        warm.seconds()));
    double mb = cold.bytes() / 1e6;
    row("backup path, syncStart -> head STEADY", fmt("%.1f MB/s  (%.1f s)  = %.0f %% of the"
        + " warm scan", mb / s.startToSteady(), s.startToSteady(),
        100 * mb / s.startToSteady() / warm.megabytesPerSecond()));
    row("  of which agent copy shipped (syncEnd)", fmt("%.1f s  (%.1f MB/s)", s.startToCopied(),
        mb / s.startToCopied()));
    row("head holds (docs, BSON MB)", fmt("%,d, %,.1f MB", s.headDocuments(),
        s.headBytes() / 1e6));
    cpuRows(s.cpu());
  }

  // ---- (b) lag under a sustained write rate

  /** The load on the stand-in alone, before the backup starts: achieved writes/s at the rate, unthrottled. */
  private double[] loadAlone(MongoClient source) throws Exception {
    double[] out = new double[2];
    double[] rates = {rate, 0};
    for (int i = 0; i < 2; i++) {
      progress("stand-in alone: %s writes/s for %d s", rates[i] == 0 ? "unthrottled"
          : fmt("%.0f", rates[i]), aloneSeconds);
      try (WriteLoad load = new WriteLoad(source, "alone", threads, rates[i], nextIds())) {
        load.start();
        Thread.sleep(2000);
        load.measure(true);
        long t = System.nanoTime();
        Thread.sleep(aloneSeconds * 1000L);
        out[i] = load.completed() / ((System.nanoTime() - t) / 1e9);
      }
    }
    return out;
  }

  private void tail(BackupPath path, ReplicaSetStandIn rs, MongoClient source, double[] alone)
      throws Exception {
    progress("tailing under %.0f writes/s: %d s warm-up, %d s measured", rate, warmUpSeconds,
        seconds);
    LatencyLog lag = new LatencyLog();
    LatencyLog markers = new LatencyLog();
    LatencyLog toService = new LatencyLog();
    Thread probe;
    ThreadCpu cpu;
    double window;
    long completed;
    LatencyLog writeLatency;
    OplogPosition applied0;
    OplogPosition applied1;
    BsonTimestamp source0;
    BsonTimestamp source1;
    BsonTimestamp service1;
    try (WriteLoad load = new WriteLoad(source, "tail", threads, rate, nextIds())) {
      load.start();
      Thread.sleep(warmUpSeconds * 1000L);
      applied0 = path.head().position().orElseThrow();
      source0 = rs.oplogLastTs();
      cpu = new ThreadCpu();
      load.measure(true);
      long t0 = System.nanoTime();
      long end = t0 + seconds * 1_000_000_000L;
      BlockingQueue<Marker> written = new LinkedBlockingQueue<>();
      Thread marker = new Thread(() -> writeMarkers(rs, source, end, written), "bench-marker");
      marker.setDaemon(true);
      marker.start();
      probe = new Thread(() -> probeMarkers(path, marker, written, markers, toService),
          "bench-marker-probe");
      probe.setDaemon(true);
      probe.start();
      for (int s = 1; System.nanoTime() < end; s++) {
        JsonNode h = path.headStatus();
        if (h.hasNonNull("lagSeconds")) {
          lag.add(h.get("lagSeconds").asLong());
        }
        long next = t0 + s * 1_000_000_000L;
        Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
      }
      completed = load.completed();
      window = (System.nanoTime() - t0) / 1e9;
      load.measure(false);
      cpu.stop();
      applied1 = path.head().position().orElseThrow();
      source1 = rs.oplogLastTs();
      service1 = path.backup().lastTs();
      writeLatency = load.latencies();
    }
    progress("load stopped; waiting for the head to catch up");
    long stopped = System.nanoTime();
    BsonTimestamp target = rs.oplogLastTs();
    awaitHead(path, target, 600);
    double drain = (System.nanoTime() - stopped) / 1e9;
    probe.join(600_000);
    long appliedOps = countOplog(source, applied0.ts(), applied1.ts());
    long writtenOps = countOplog(source, source0, source1);

    section(fmt("(b) Tailing under a target of %,.0f writes/s from %d threads (40 %% inserts of"
        + " ~500 B, 40 %% updates, 20 %% deletes); %d s warm-up, %d s measured; agent"
        + " batch.max.documents %s; application database %s", rate, threads, warmUpSeconds,
        seconds, System.getProperty(BackupPath.BATCH_DOCUMENTS, "10000 (default)"),
        System.getProperty(BackupPath.APPDB, "embedded").equals("memory")
            ? "mongo-java-server memory backend" : "embedded (H2, default)"));
    row("stand-in alone, target rate: writes/s", fmt("%,.0f", alone[0]));
    row("stand-in alone, unthrottled: writes/s", fmt("%,.0f", alone[1]));
    row("with the backup tailing: writes/s", fmt("%,.0f  (write p50 / p99 %.2f / %.2f ms)",
        completed / window, writeLatency.millis(50), writeLatency.millis(99)));
    row("source oplog entries/s in the window", fmt("%,.0f", writtenOps / window));
    row("head lagSeconds, 1/s: p50 / p95 / max", fmt("%d / %d / %d s  (%d samples)",
        lag.percentile(50), lag.percentile(95), lag.percentile(100), lag.count()));
    row("marker write -> in head: p50/p95/max", fmt("%.0f / %.0f / %.0f ms  (%d markers, one"
        + " every 0.5 s)", markers.millis(50), markers.millis(95), markers.millis(100),
        markers.count()));
    row("  of which stored by the service", fmt("%.0f / %.0f / %.0f ms  (acknowledged position"
        + " reached the marker's ts)", toService.millis(50), toService.millis(95),
        toService.millis(100)));
    row("at the end: source -> service behind", fmt("%d s  (newest source ts minus the"
        + " service's acknowledged ts)", Math.max(0, source1.getTime() - service1.getTime())));
    row("at the end: service -> head behind", fmt("%d s", Math.max(0,
        service1.getTime() - applied1.ts().getTime())));
    row("head caught up after the load stopped", fmt("%.1f s", drain));
    section("(c) Daemon oplog apply");
    row("while tailing: ops/s applied", fmt("%,.0f  (%,d entries in %.0f s)", appliedOps / window,
        appliedOps, window));
    Map<String, Double> c = cpu.seconds();
    if (appliedOps > 0) {
      row("  daemon thread CPU per op", fmt("%.1f us (RocksDB's native threads not included)",
          c.get("daemon") * 1e6 / appliedOps));
    }
    cpuRows(cpu);
  }

  /** A marker written to the source: when, and the newest oplog ts right after its write. */
  private record Marker(long id, long written, BsonTimestamp ts) {}

  /** Writes a marker every 0.5 s until {@code end}. */
  private static void writeMarkers(ReplicaSetStandIn rs, MongoClient source, long end,
      BlockingQueue<Marker> out) {
    var coll = source.getDatabase("load").getCollection("markers");
    long slot = System.nanoTime();
    for (long id = 1; System.nanoTime() < end; id++) {
      long written = System.nanoTime();
      coll.insertOne(new Document("_id", id).append("at", new java.util.Date()));
      out.add(new Marker(id, written, rs.oplogLastTs())); // the marker's entry or a later one
      slot += 500_000_000L;
      sleepMillis(Math.max(0, (slot - System.nanoTime()) / 1_000_000));
    }
  }

  /**
   * Times each marker until the service acknowledged its ts and until the head holds it, until
   * the writer ended and every marker is in the head (at most 10 minutes more). Entries are
   * applied in order, so only the oldest marker not yet seen needs looking at.
   */
  private static void probeMarkers(BackupPath path, Thread writer, BlockingQueue<Marker> written,
      LatencyLog inHead, LatencyLog toService) {
    ArrayDeque<Marker> notStored = new ArrayDeque<>();
    ArrayDeque<Marker> notInHead = new ArrayDeque<>();
    long deadline = Long.MAX_VALUE;
    while (System.nanoTime() < deadline) {
      for (Marker m; (m = written.poll()) != null; ) {
        notStored.add(m);
        notInHead.add(m);
      }
      if (!notStored.isEmpty()) {
        BsonTimestamp acked = path.backup().lastTs();
        while (!notStored.isEmpty() && acked != null
            && acked.compareTo(notStored.peek().ts()) >= 0) {
          toService.add(System.nanoTime() - notStored.poll().written());
        }
      }
      HeadReader h = path.head();
      while (h != null && !notInHead.isEmpty()
          && h.get(MARKERS, new BsonInt64(notInHead.peek().id())).isPresent()) {
        inHead.add(System.nanoTime() - notInHead.poll().written());
      }
      if (!writer.isAlive() && written.isEmpty() && notInHead.isEmpty()) {
        return;
      }
      if (!writer.isAlive() && deadline == Long.MAX_VALUE) {
        deadline = System.nanoTime() + 600_000_000_000L;
      }
      sleepMillis(3);
    }
  }

  // ---- (c) catch-up apply rate

  private void catchUp(BackupPath path, ReplicaSetStandIn rs, MongoClient source)
      throws Exception {
    progress("catch-up: daemon stopped, %d s of back-to-back writes", catchUpSeconds);
    OplogPosition before = path.head().position().orElseThrow();
    path.stopDaemon();
    long written;
    try (WriteLoad load = new WriteLoad(source, "catchup", threads, 0, nextIds())) {
      load.start();
      load.measure(true);
      long t = System.nanoTime();
      Thread.sleep(catchUpSeconds * 1000L);
      written = load.completed();
      progress("catch-up: %,.0f writes/s with the daemon stopped",
          written / ((System.nanoTime() - t) / 1e9));
    }
    BsonTimestamp target = rs.oplogLastTs();
    long t = System.nanoTime();
    while (path.backup().lastTs().compareTo(target) < 0) {
      if (System.nanoTime() - t > 600_000_000_000L) {
        throw new IllegalStateException("the agent did not ship the backlog in 10 minutes");
      }
      Thread.sleep(20);
    }
    progress("catch-up: the service holds the backlog; starting a daemon on the same head");
    ThreadCpu cpu = new ThreadCpu();
    long start = System.nanoTime();
    path.startDaemon();
    awaitHead(path, target, 600);
    double took = (System.nanoTime() - start) / 1e9;
    cpu.stop();
    long ops = countOplog(source, before.ts(), target);
    row("catch-up: ops/s applied", fmt("%,.0f  (%,d entries in %.1f s, from the daemon's start)",
        ops / took, ops, took));
    Map<String, Double> c = cpu.seconds();
    row("  daemon thread CPU per op", fmt("%.1f us", c.get("daemon") * 1e6 / ops));
    cpuRows(cpu);
  }

  // ---- helpers

  private void awaitHead(BackupPath path, BsonTimestamp target, int timeoutSeconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    while (true) {
      HeadReader h = path.head();
      if (h != null && h.position().map(p -> p.covers(target)).orElse(false)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the head did not reach " + target + " in "
            + timeoutSeconds + " s");
      }
      Thread.sleep(5);
    }
  }

  /** Entries of the source oplog with {@code from < ts <= to}. */
  private static long countOplog(MongoClient source, BsonTimestamp from, BsonTimestamp to) {
    long n = 0;
    try (MongoCursor<RawBsonDocument> c = source.getDatabase("local")
        .getCollection("oplog.rs", RawBsonDocument.class)
        .find(Filters.and(Filters.gt("ts", from), Filters.lte("ts", to)))
        .projection(Projections.include("ts")).batchSize(10_000).cursor()) {
      while (c.hasNext()) {
        c.next();
        n++;
      }
    }
    return n;
  }

  private void cpuRows(ThreadCpu cpu) {
    Map<String, Double> c = cpu.seconds();
    double wall = cpu.wallSeconds();
    int cpus = Runtime.getRuntime().availableProcessors();
    StringBuilder b = new StringBuilder();
    for (var e : c.entrySet()) {
      if (e.getValue() >= 0.005) {
        b.append(b.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
            .append(fmt("%.0f %%", 100 * e.getValue() / wall));
      }
    }
    row("CPU, % of one core over the phase", fmt("%s; process %.0f %% of %d00 %%", b,
        100 * cpu.processSeconds() / wall, cpus));
    row("  within other (MXBean times, % of wall)", fmt("GC %.0f %%, JIT compiling %.0f %%"
        + " (summed over compiler threads); the rest: RocksDB's native threads, JVM internals", 100 * cpu.gcSeconds() / wall,
        100 * cpu.jitSeconds() / wall));
    if (debug) {
      cpu.listing().forEach(l -> lines.add("      " + l));
    }
  }

  private long nextIds() {
    return idBase++ * 100_000_000_000L;
  }

  private void section(String title) {
    if (!lines.isEmpty()) {
      lines.add("");
    }
    lines.add(title);
  }

  private void row(String label, String value) {
    String l = "  " + label;
    lines.add(l.length() >= 42 ? l + " " + value : l + " ".repeat(42 - l.length()) + value);
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  private static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void progress(String format, Object... args) {
    System.err.println("... " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " "
        + String.format(Locale.ROOT, format, args));
  }
}
