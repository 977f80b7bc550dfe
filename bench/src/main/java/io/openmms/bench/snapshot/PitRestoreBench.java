package io.openmms.bench.snapshot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.openmms.bench.Machine;
import io.openmms.blockstore.BlockCodec;
import io.openmms.blockstore.ChunkerParams;
import io.openmms.blockstore.FileBlockStore;
import io.openmms.common.config.Config;
import io.openmms.common.util.FileTrees;
import io.openmms.common.util.Json;
import io.openmms.daemon.head.HeadSnapshot;
import io.openmms.daemon.head.RocksHead;
import io.openmms.daemon.jobs.Leases;
import io.openmms.daemon.oplog.OplogApplier;
import io.openmms.daemon.restore.RestoreService;
import io.openmms.daemon.service.BatchSource;
import io.openmms.daemon.snapshot.Coordination;
import io.openmms.daemon.snapshot.SnapshotStores;
import io.openmms.daemon.snapshot.SnapshotWriter;
import io.openmms.server.InitialSetup;
import io.openmms.server.OpenmmsServer;
import io.openmms.server.ServerSettings;
import io.openmms.server.auth.Secrets;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Daemons;
import io.openmms.server.backup.PitWindow;
import io.openmms.server.backup.RestoreFiles;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.RestoreRequests;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.backup.SourceVersions;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.zip.GZIPOutputStream;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.types.ObjectId;

/**
 * Point-in-time restore time against the amount of oplog replayed (issue: restores;
 * docs/benchmarks.md, "Point-in-time restore: time against oplog replayed").
 *
 * <p>Set-up: a server (embedded application database) with one started backup. A head of about
 * {@code --size-mb} MB of {@link Dataset} documents, positioned at T0, is the backup's base
 * snapshot, written by the daemon's {@link SnapshotWriter} into a {@link FileBlockStore} for the
 * backup's current sync (as {@link RestoreBench} does; the documents themselves are not shipped
 * through the backup protocol, since a restore reads only the snapshot and the stored oplog).
 * After T0, {@code max(--ops)} entries of {@link OplogMix} are posted to the Backup HTTP service
 * in batches of {@code --batch} entries, in the protocol's format as the backup agent posts them,
 * and stored by it.
 *
 * <p>Each restore is a job created by the server's {@link RestoreRequests} (the API's checks and
 * point-in-time window) to the timestamp of entry N, and run by the daemon's
 * {@link RestoreService} over the driver, as a daemon runs it: ARCHIVE download (staged from a
 * temporary head, packaged, read back and verified, stored in the application database), and a
 * direct restore into a mongo-java-server stand-in at the largest N. A snapshot restore of the
 * base is the baseline. The time runs from the request until the job is FINISHED; the job record
 * is polled every 10 ms, and the first time each phase shows splits it (the service stores
 * progress every 20 ms here, so a phase boundary is known to about 30 ms). The process's CPU
 * time is read at the same moments: on a shared machine it varies less than the wall time, but
 * it counts every thread (RocksDB's flushes, the application database, GC). Each restore checks
 * that verification PASSED, that the restored documents number what the oplog left at that
 * point, that the job reached exactly the target timestamp and replayed exactly N entries.
 * Fastest of {@code --repeat} by total time.
 *
 * <p>Run: {@code java -Xmx3g -cp 'bench/target/openmms-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*'
 * io.openmms.bench.snapshot.PitRestoreBench [--size-mb 50] [--ops 0,10000,50000,100000,200000]
 * [--repeat 2] [--batch 1000] [--per-second 1000] [--no-direct]}. {@code --ops} lists the
 * entries to replay (0, the snapshot plus no oplog, is always added); {@code --batch} is the
 * entries per agent batch; {@code --per-second} the entries per second of oplog time.
 */
public final class PitRestoreBench {
  private static final int T0 = (int) Instant.parse("2026-11-21T09:00:00Z").getEpochSecond();
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();
  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
          .getOperatingSystemMXBean();

  private record Options(long sizeMb, List<Integer> ops, int repeat, int batch, int perSecond,
      boolean direct) {
    static Options parse(String[] args) {
      long sizeMb = 50;
      List<Integer> ops = List.of(0, 10_000, 50_000, 100_000, 200_000);
      int repeat = 2;
      int batch = 1000;
      int perSecond = 1000;
      boolean direct = true;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--size-mb" -> sizeMb = Long.parseLong(args[++i]);
          case "--ops" -> ops = java.util.stream.Stream.concat(java.util.stream.Stream.of(0),
              Arrays.stream(args[++i].split(",")).map(String::trim).map(Integer::parseInt))
              .sorted().distinct().toList(); // 0, the baseline, always
          case "--repeat" -> repeat = Integer.parseInt(args[++i]);
          case "--batch" -> batch = Integer.parseInt(args[++i]);
          case "--per-second" -> perSecond = Integer.parseInt(args[++i]);
          case "--no-direct" -> direct = false;
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (ops.get(ops.size() - 1) <= 0) {
        throw new IllegalArgumentException("--ops needs at least one positive number of entries"
            + " (a point in time needs stored oplog after the snapshot)");
      }
      return new Options(sizeMb, ops, repeat, batch, perSecond, direct);
    }
  }

  /** A restore point: after {@code entries} entries, at {@code ts}, what the data holds. */
  private record Point(int entries, BsonTimestamp ts, long documents, long oplogBytes) {}

  /**
   * One timed restore: wall and process CPU seconds in all and per phase, and the size of the
   * delivered file (0 for a direct restore).
   */
  private record Timed(double total, double cpu, Map<RestoreJobs.Phase, double[]> phases,
      long fileBytes) {
    double phase(RestoreJobs.Phase p) {
      return phases.getOrDefault(p, new double[2])[0];
    }

    double phaseCpu(RestoreJobs.Phase p) {
      return phases.getOrDefault(p, new double[2])[1];
    }
  }

  private final Options options;
  private final Path base;
  private final Clock clock = Clock.systemUTC();
  private AppDatabase serverDb;
  private OpenmmsServer server;
  private String clusterId;
  private Snapshots.Snapshot snapshot;
  private RestoreRequests requests;
  private RestoreJobs jobs;

  private PitRestoreBench(Options options, Path base) {
    this.options = options;
    this.base = base;
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Path base = Files.createTempDirectory("openmms-pit-restore-bench");
    try {
      new PitRestoreBench(o, base).run();
    } finally {
      FileTrees.delete(base);
    }
  }

  private void run() throws Exception {
    System.out.println(Machine.describe());
    server = startServer(base.resolve("server"));
    try {
      serverDb = server.database();
      InitialSetup.Credentials c = InitialSetup.ensure(server, "admin", "Bench",
          "bench-Passw0rd");
      clusterId = new ObjectId().toHexString();
      server.backups().setStatus(c.groupId(), clusterId, "STARTED",
          List.of(new Backups.Member(clusterId, "pitbench", null)));
      Backups.Backup b = server.backups().get(clusterId);
      Agent agent = new Agent(server.backupPort(), c.groupId(), c.agentKey(), clusterId,
          b.syncId());
      agent.post("syncStart", new BsonDocument("startTs", new BsonTimestamp(T0, 1)), List.of());
      agent.post("syncEnd", new BsonDocument("endTs", new BsonTimestamp(T0, 1)), List.of());
      // the daemon's side reaches the embedded database over the driver, as a daemon does
      try (AppDatabase db = AppDatabase.open(serverDb.embeddedConnectionString(), "openmms",
          base.resolve("daemon"), 0)) {
        OplogMix mix = baseSnapshot(db, c.groupId(), b.syncId());
        Map<Integer, Point> points = storeOplog(agent, mix);
        measure(db, points);
      }
    } finally {
      server.close();
    }
  }

  private static OpenmmsServer startServer(Path dir) {
    Map<String, String> o = Map.of(ServerSettings.DATA_DIR.key(), dir.toString(),
        ServerSettings.HTTP_HOST.key(), "127.0.0.1", ServerSettings.HTTP_PORT.key(), "0",
        ServerSettings.ADMIN_PORT.key(), "0", ServerSettings.BACKUP_HTTP_PORT.key(), "0");
    return OpenmmsServer.start(Config.of("server", ServerSettings.ALL, o), Clock.systemUTC(),
        new SecureRandom());
  }

  /** Loads the head, moves it to T0, snapshots it for the backup's sync; the oplog to come. */
  private OplogMix baseSnapshot(AppDatabase db, String groupId, String syncId)
      throws IOException, InterruptedException {
    try (RocksHead head = RocksHead.open(base.resolve("head"))) {
      System.out.printf("loading about %d MB of documents into a head%n", options.sizeMb());
      Dataset.Loaded loaded = new Dataset(42).load(head, options.sizeMb() * 1_000_000);
      new OplogApplier(head).apply(List.of(new BsonDocument("op", new BsonString("n"))
          .append("ns", new BsonString("")).append("o", new BsonDocument("msg",
              new BsonString("periodic noop"))).append("ts", new BsonTimestamp(T0, 1))
          .append("t", new BsonInt64(1)).append("wall", new BsonDateTime(T0 * 1000L))));
      SnapshotWriter.Plan plan = new SnapshotWriter.Plan(new ObjectId().toHexString(),
          clusterId, groupId, "bench", Set.of("DAILY"), clock.instant().plus(Duration.ofDays(7)),
          true, syncId);
      try (FileBlockStore store = FileBlockStore.open(base.resolve("blocks").resolve(groupId),
          BlockCodec.plain());
          HeadSnapshot view = head.snapshot()) {
        snapshot = new SnapshotWriter(store, new Coordination(db, clock, Duration.ofMinutes(10)),
            ChunkerParams.DEFAULT, 2, clock).write(view, plan, new Snapshots(db));
      }
      System.out.printf("base snapshot %s at Timestamp(%d, %d): %,d documents, %,.1f MB"
          + " logical%n", snapshot.id(), snapshot.ts().getTime(), snapshot.ts().getInc(),
          loaded.documents(), snapshot.logicalSizeBytes() / 1e6);
      return new OplogMix(head, 7, T0 + 1, options.perSecond());
    }
  }

  /** Posts the oplog after T0 as the agent does; the restore points, by entries replayed. */
  private Map<Integer, Point> storeOplog(Agent agent, OplogMix mix)
      throws IOException, InterruptedException {
    int max = options.ops().get(options.ops().size() - 1);
    Map<Integer, Point> points = new TreeMap<>();
    List<RawBsonDocument> batch = new ArrayList<>();
    long start = System.nanoTime();
    for (int n = 0; ; ) {
      if (options.ops().contains(n)) {
        points.put(n, new Point(n, n == 0 ? snapshot.ts() : mix.ts(n - 1), mix.documents(),
            mix.bytes()));
      }
      if (n == max) {
        break;
      }
      batch.add(mix.next());
      n++;
      if (batch.size() == options.batch() || n == max) {
        agent.oplog(batch);
        batch.clear();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("stored %,d oplog entries (%,.1f MB BSON, %,.1f MB gzip) in %,d batches"
        + " through the Backup HTTP service in %.1f s (generating included)%n", max,
        mix.bytes() / 1e6, agent.oplogGzipBytes / 1e6, agent.oplogBatches, seconds);
    return points;
  }

  private void measure(AppDatabase db, Map<Integer, Point> points) throws Exception {
    Snapshots snapshots = new Snapshots(serverDb);
    jobs = new RestoreJobs(serverDb, clock);
    requests = new RestoreRequests(snapshots, new PitWindow(server.backups(), snapshots,
        new BackupData(serverDb)), jobs, new Daemons(serverDb, clock),
        new SourceVersions(new HostRecords(serverDb)), new Secrets(new SecureRandom()));
    new Leases(db, "bench", clock, Duration.ofHours(1)).heartbeat("localhost", List.of("bench"));
    Point last = points.values().stream().reduce((a, b) -> b).orElseThrow();
    Point start = points.get(0);
    Map<String, Timed> best = new LinkedHashMap<>();
    try (SnapshotStores stores = new SnapshotStores(SnapshotStores.parse("bench=file:"
        + base.resolve("blocks"), base), null, new SecureRandom())) {
      RestoreService service = new RestoreService(db, stores, base.resolve("staging"),
          base.resolve("key"), 1, Duration.ofMinutes(5), clock, "bench");
      ScheduledExecutorService loop = RestoreBench.run(service);
      MongoServer target = new MongoServer(new MemoryBackend());
      String targetUri = "mongodb://127.0.0.1:" + target.bind().getPort();
      try {
        for (int r = 1; r <= options.repeat(); r++) {
          System.out.printf("round %d of %d%n", r, options.repeat());
          keep(best, "snapshot", restore(start, true, http()));
          for (Point p : points.values()) {
            keep(best, "pit " + p.entries(), restore(p, false, http()));
          }
          if (options.direct()) {
            keep(best, "direct", restore(last, false, Json.mapper().createObjectNode()
                .put("methodName", "AUTOMATED_RESTORE").put("targetConnectionString",
                    targetUri).put("dropExisting", true)));
          }
        }
      } finally {
        loop.shutdownNow();
        service.close();
        target.shutdownNow();
      }
    }
    print(best, points, last);
    readAlone(db, last);
  }

  private static ObjectNode http() {
    return Json.mapper().createObjectNode().put("methodName", "HTTP").put("format", "ARCHIVE")
        .put("expirationHours", 1).put("maxDownloads", 1);
  }

  private static void keep(Map<String, Timed> best, String key, Timed t) {
    best.merge(key, t, (a, b) -> a.total() <= b.total() ? a : b);
  }

  /** Runs one restore job to its end, checks it, and returns its times. */
  private Timed restore(Point p, boolean ofSnapshot, ObjectNode delivery) throws Exception {
    ObjectNode body = Json.mapper().createObjectNode();
    if (ofSnapshot) {
      body.put("snapshotId", snapshot.id());
    } else {
      body.put("oplogTs", p.ts().getTime() & 0xffffffffL).put("oplogInc", p.ts().getInc());
    }
    body.set("delivery", delivery);
    long start = System.nanoTime();
    long cpuStart = CPU.getProcessCpuTime();
    String id = requests.create(server.backups().get(clusterId), body).id();
    // when each phase was first seen: {wall nanos, process CPU nanos}
    Map<RestoreJobs.Phase, long[]> seen = new EnumMap<>(RestoreJobs.Phase.class);
    seen.put(RestoreJobs.Phase.QUEUED, new long[] {start, cpuStart});
    RestoreJobs.Job j;
    long[] end;
    while (true) {
      j = jobs.get(id).orElseThrow();
      long[] now = {System.nanoTime(), CPU.getProcessCpuTime()};
      if (j.status() != RestoreJobs.Status.IN_PROGRESS) {
        end = now;
        break;
      }
      seen.putIfAbsent(j.phase(), now);
      Thread.sleep(10);
    }
    check(j, p, ofSnapshot);
    long fileBytes = j.file() != null && j.file().get("size") instanceof Number n
        ? n.longValue() : 0;
    if (j.method() == RestoreJobs.Method.HTTP) {
      new RestoreFiles(serverDb).delete(id);
    }
    Timed t = new Timed((end[0] - start) / 1e9, (end[1] - cpuStart) / 1e9, phases(seen, end),
        fileBytes);
    System.out.printf("  %-11s %-17s %7.2f s, CPU %6.2f s%n", ofSnapshot ? "snapshot"
        : "pit " + p.entries(), j.method(), t.total(), t.cpu());
    return t;
  }

  /**
   * Wall and CPU seconds per phase from when each was first seen: a phase lasts until the next
   * one seen (a direct restore verifies after it delivers), the last until {@code end}.
   */
  private static Map<RestoreJobs.Phase, double[]> phases(Map<RestoreJobs.Phase, long[]> seen,
      long[] end) {
    List<Map.Entry<RestoreJobs.Phase, long[]>> order = seen.entrySet().stream()
        .sorted(java.util.Comparator.comparingLong(e -> e.getValue()[0])).toList();
    Map<RestoreJobs.Phase, double[]> phases = new EnumMap<>(RestoreJobs.Phase.class);
    for (int i = 0; i < order.size(); i++) {
      long[] from = order.get(i).getValue();
      long[] to = i + 1 < order.size() ? order.get(i + 1).getValue() : end;
      phases.put(order.get(i).getKey(), new double[] {(to[0] - from[0]) / 1e9,
          (to[1] - from[1]) / 1e9});
    }
    return phases;
  }

  /** Throws unless the job FINISHED, verified, with the expected documents and position. */
  private void check(RestoreJobs.Job j, Point p, boolean ofSnapshot) {
    if (j.status() != RestoreJobs.Status.FINISHED) {
      throw new IllegalStateException("restore " + j.id() + " ended " + j.status() + ": "
          + j.reason());
    }
    if (!"PASSED".equals(j.verificationStatus())) {
      throw new IllegalStateException("restore " + j.id() + " verification "
          + j.verificationStatus() + ": " + j.verification());
    }
    long count = j.verification().getList("collections", Document.class).stream()
        .mapToLong(d -> ((Number) d.get("count")).longValue()).sum();
    BsonTimestamp expectedTs = ofSnapshot ? snapshot.ts() : p.ts();
    Document raw = serverDb.collection(Collections.RESTORE_JOBS).find(new Document("_id",
        j.id())).first();
    Number replayed = raw == null ? null : (Number) raw.get("entriesReplayed");
    if (count != p.documents() || !j.restoredTs().equals(expectedTs)
        || (!ofSnapshot && (replayed == null || replayed.longValue() != p.entries()))) {
      throw new IllegalStateException("restore " + j.id() + " to " + expectedTs + " holds "
          + count + " documents at " + j.restoredTs() + " after " + replayed
          + " entries; expected " + p.documents() + " at " + expectedTs + " after "
          + p.entries());
    }
  }

  private void print(Map<String, Timed> best, Map<Integer, Point> points, Point last) {
    System.out.println();
    System.out.printf("restores of a %,.1f MB snapshot (%,d documents) plus N oplog entries;"
        + " fastest of %d; seconds%n", snapshot.logicalSizeBytes() / 1e6,
        snapshot.collections().stream().mapToLong(Snapshots.Collection::count).sum(),
        options.repeat());
    System.out.printf("%-27s %8s %6s %6s %6s %6s %6s %7s %6s %9s %6s %6s %6s%n",
        "restore (ARCHIVE download)", "entries", "oplog", "file", "total", "CPU", "load",
        "replay", "CPU", "entries/s", "write", "verify", "store");
    System.out.printf("%-27s %8s %6s %6s%n", "", "", "MB", "MB");
    row("snapshot restore", null, best.get("snapshot"));
    List<double[]> fitTotal = new ArrayList<>();
    List<double[]> fitReplay = new ArrayList<>();
    List<double[]> fitReplayCpu = new ArrayList<>();
    for (Point p : points.values()) {
      Timed t = best.get("pit " + p.entries());
      row("point in time", p, t);
      fitTotal.add(new double[] {p.entries(), t.total()});
      fitReplay.add(new double[] {p.entries(), t.phase(RestoreJobs.Phase.REPLAYING_OPLOG)});
      fitReplayCpu.add(new double[] {p.entries(),
          t.phaseCpu(RestoreJobs.Phase.REPLAYING_OPLOG)});
    }
    if (best.containsKey("direct")) {
      row("direct restore (stand-in)", last, best.get("direct"));
    }
    double[] total = fit(fitTotal);
    double[] replay = fit(fitReplay);
    double[] replayCpu = fit(fitReplayCpu);
    System.out.printf("fitted (least squares over the point-in-time rows): total %.2f s + %.3f s"
        + " per 1,000 entries; replay phase %.3f s (CPU %.3f s) per 1,000 entries%n", total[0],
        total[1] * 1000, replay[1] * 1000, replayCpu[1] * 1000);
    System.out.println("load: queued + READING_SNAPSHOT (a point in time loads the snapshot into"
        + " a temporary head); write: PACKAGING (the dump written, from the head for a point in"
        + " time, then packaged); store: DELIVERING (the file into the application database;"
        + " for a direct restore the insert into the target, which is verified after); CPU:"
        + " the whole process's");
  }

  private static void row(String label, Point p, Timed t) {
    double replay = t.phase(RestoreJobs.Phase.REPLAYING_OPLOG);
    System.out.printf("%-27s %8s %6s %6s %6.2f %6.2f %6.2f %7.2f %6.2f %9s %6.2f %6.2f %6.2f%n",
        label, p == null ? "-" : String.format("%,d", p.entries()),
        p == null ? "-" : String.format("%.1f", p.oplogBytes() / 1e6),
        t.fileBytes() == 0 ? "-" : String.format("%.1f", t.fileBytes() / 1e6), t.total(),
        t.cpu(), t.phase(RestoreJobs.Phase.QUEUED)
            + t.phase(RestoreJobs.Phase.READING_SNAPSHOT), replay,
        t.phaseCpu(RestoreJobs.Phase.REPLAYING_OPLOG),
        p == null || p.entries() == 0 || replay == 0 ? "-"
            : String.format("%,.0f", p.entries() / replay),
        t.phase(RestoreJobs.Phase.PACKAGING), t.phase(RestoreJobs.Phase.VERIFYING),
        t.phase(RestoreJobs.Phase.DELIVERING));
  }

  /** Least squares {intercept, slope} of y against x. */
  private static double[] fit(List<double[]> xy) {
    double n = xy.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (double[] p : xy) {
      sx += p[0];
      sy += p[1];
      sxx += p[0] * p[0];
      sxy += p[0] * p[1];
    }
    double slope = n < 2 || n * sxx == sx * sx ? 0 : (n * sxy - sx * sy) / (n * sxx - sx * sx);
    return new double[] {(sy - slope * sx) / n, slope};
  }

  /**
   * How much of the replay is reading: the stored batches up to {@code last} read the way the
   * restore reads them ({@link BatchSource#read}: fetch, gunzip, parse), without applying.
   */
  private void readAlone(AppDatabase db, Point last) {
    BatchSource source = new BatchSource(db, clock);
    List<BackupData.OplogBatch> stored = new BackupData(db).oplogBatches(clusterId,
        snapshot.syncId()).stream().filter(b -> b.firstTs().compareTo(last.ts()) <= 0).toList();
    double bestSeconds = Double.MAX_VALUE;
    long entries = 0;
    for (int r = 0; r < options.repeat(); r++) {
      long start = System.nanoTime();
      entries = 0;
      for (BackupData.OplogBatch b : stored) {
        entries += source.read(clusterId, snapshot.syncId(), b.seq()).documents().size();
      }
      bestSeconds = Math.min(bestSeconds, (System.nanoTime() - start) / 1e9);
    }
    System.out.printf("reading the %,d stored batches (%,d entries) alone, without applying:"
        + " %.2f s (%,.0f entries/s)%n", stored.size(), entries, bestSeconds,
        entries / bestSeconds);
  }

  /**
   * Posts batches to the Backup HTTP service in the protocol's format (backup-protocol.md). Not
   * the agent's client: it gzips at zlib's default level (the agent uses level 1).
   */
  private static final class Agent {
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI uri;
    private final String authorization;
    private final String backupId;
    private final String syncId;
    private long seq;
    long oplogGzipBytes;
    int oplogBatches;

    Agent(int port, String groupId, String agentKey, String backupId, String syncId) {
      this.uri = URI.create("http://127.0.0.1:" + port + "/backup/api/v1/backups/" + backupId
          + "/batches");
      this.authorization = "Basic " + Base64.getEncoder().encodeToString((groupId + ":"
          + agentKey).getBytes(StandardCharsets.UTF_8));
      this.backupId = backupId;
      this.syncId = syncId;
    }

    void oplog(List<RawBsonDocument> entries) throws IOException, InterruptedException {
      oplogGzipBytes += post("oplog", new BsonDocument("firstTs", entries.get(0).get("ts"))
          .append("lastTs", entries.get(entries.size() - 1).get("ts"))
          .append("count", new BsonInt32(entries.size())), entries);
      oplogBatches++;
    }

    /** Sends one batch (header, then the documents, gzipped); its size on the wire. */
    long post(String kind, BsonDocument fields, List<RawBsonDocument> docs)
        throws IOException, InterruptedException {
      BsonDocument header = new BsonDocument("backupId", new BsonString(backupId))
          .append("syncId", new BsonString(syncId)).append("seq", new BsonInt64(++seq))
          .append("kind", new BsonString(kind));
      fields.forEach(header::append);
      ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gzipped, 1 << 16)) {
        write(out, new RawBsonDocument(header, CODEC));
        for (RawBsonDocument d : docs) {
          write(out, d);
        }
      }
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
          .header("Authorization", authorization)
          .header("Content-Type", "application/x-openmms-bson-stream")
          .header("Content-Encoding", "gzip")
          .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped.toByteArray())).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(kind + " batch " + seq + " refused: " + r.statusCode()
            + " " + r.body());
      }
      return gzipped.size();
    }

    private static void write(GZIPOutputStream out, RawBsonDocument d) throws IOException {
      ByteBuffer b = d.getByteBuffer().asNIO();
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      out.write(bytes);
    }
  }
}
