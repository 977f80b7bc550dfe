package io.openmms.bench.head;

import io.openmms.bench.Machine;
import io.openmms.common.util.FileTrees;
import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.RocksHead;
import io.openmms.daemon.oplog.ApplyResult;
import io.openmms.daemon.oplog.OplogApplier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Oplog application rate into a head (SPEC §3.4): the daemon's {@link OplogApplier} over
 * {@link RocksHead} and over the same head logic on H2 MVStore ({@link MvStoreHead}), one
 * synced commit per batch on both. Phases, each on the data the previous phase left:
 * inserts of ~230-byte documents, {@code $v: 2} diff updates of random documents (a field, a
 * sub-document field and an array element), deletes of random documents, then a mix (40 %
 * inserts, 40 % updates, 20 % deletes). Entries are built before the clock starts, as
 * {@link RawBsonDocument}s — BSON bytes, the form the daemon reads stored oplog batches in — and
 * only {@code apply} is timed ({@code -Dbench.raw=false} passes decoded {@code BsonDocument}s).
 * Each cell is ops per wall-clock second, and in parentheses ops per CPU second of the applying
 * thread (which leaves out fsync waits, the store's background threads and CPU taken by other
 * processes on a shared machine).
 *
 * <p>Run (from the repository root, after {@code mvn -q -o -pl daemon,bench -am install -DskipTests}):
 * <pre>
 * java -Xmx2g -cp 'bench/target/openmms-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *     io.openmms.bench.head.ApplyBench
 * </pre>
 * Settings: {@code -Dbench.inserts=200000} (updates the same, deletes and the mix half of it),
 * {@code -Dbench.batch=1000} entries per batch, {@code -Dbench.dir=/tmp} for the heads,
 * {@code -Dbench.stores=rocksdb,mvstore} to choose the columns.
 */
public final class ApplyBench {
  private static final int INSERTS = Integer.getInteger("bench.inserts", 200_000);
  private static final int BATCH = Integer.getInteger("bench.batch", 1000);
  private static final boolean RAW = Boolean.parseBoolean(System.getProperty("bench.raw", "true"));
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();
  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();
  private static final Path BASE = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));

  private final SplittableRandom random = new SplittableRandom(42);
  private int seconds = 2;
  private long nextId;
  private long lowestLive;

  public static void main(String[] args) throws Exception {
    Map<String, Function<Path, Head>> stores = new LinkedHashMap<>();
    String which = System.getProperty("bench.stores", "rocksdb,mvstore");
    if (which.contains("rocksdb")) {
      stores.put("RocksDB (RocksHead)", RocksHead::open);
    }
    if (which.contains("mvstore")) {
      stores.put("H2 MVStore", MvStoreHead::new);
    }
    Map<String, Map<String, double[]>> results = new LinkedHashMap<>();
    for (var s : stores.entrySet()) {
      new ApplyBench().run(s.getValue(), INSERTS / 4, null); // JIT warm-up, not reported
      Map<String, double[]> r = new LinkedHashMap<>();
      new ApplyBench().run(s.getValue(), INSERTS, r);
      results.put(s.getKey(), r);
    }
    print(results);
  }

  /** Runs the four phases on a fresh head; {@code out} gets phase -> {ops, seconds, disk bytes}. */
  private void run(Function<Path, Head> open, int inserts, Map<String, double[]> out) throws IOException {
    Path dir = Files.createTempDirectory(BASE, "applybench");
    try (Head head = open.apply(dir)) {
      head.beginInitialSync();
      head.finishInitialSync(new BsonTimestamp(1, 0));
      OplogApplier applier = new OplogApplier(head);
      phase(out, "insert", applier, inserts, i -> insert());
      phase(out, "update ($v:2 diff)", applier, inserts, i -> update(liveId()));
      phase(out, "delete", applier, inserts / 2, i -> delete(lowestLive++));
      phase(out, "mix 40/40/20", applier, inserts / 2, i -> {
        int r = random.nextInt(10);
        return r < 4 ? insert() : r < 8 ? update(liveId()) : delete(lowestLive++);
      });
      if (out != null) {
        out.put("disk", new double[] {head.sizeOnDisk(), 0});
        out.put("documents", new double[] {head.count(io.openmms.daemon.head.Namespace.parse("bench.c")), 0});
      }
    } finally {
      FileTrees.delete(dir);
    }
  }

  private void phase(Map<String, double[]> out, String name, OplogApplier applier, int ops,
      Function<Integer, BsonDocument> entry) {
    long nanos = 0;
    long cpu = 0;
    int applied = 0;
    for (int done = 0; done < ops; done += BATCH) {
      List<BsonDocument> batch = new ArrayList<>(BATCH);
      for (int i = 0; i < Math.min(BATCH, ops - done); i++) {
        BsonDocument e = entry.apply(i);
        e.put("ts", new BsonTimestamp(seconds, i + 1));
        e.put("t", new BsonInt64(1));
        batch.add(RAW ? new RawBsonDocument(e, CODEC) : e);
      }
      seconds++;
      long start = System.nanoTime();
      long cpuStart = THREADS.getCurrentThreadCpuTime();
      ApplyResult r = applier.apply(batch);
      cpu += THREADS.getCurrentThreadCpuTime() - cpuStart;
      nanos += System.nanoTime() - start;
      applied += r.applied();
      if (r.missingDocuments() > 0) {
        throw new IllegalStateException("benchmark updated a missing document");
      }
    }
    if (out != null) {
      out.put(name, new double[] {applied, nanos / 1e9, cpu / 1e9});
    }
  }

  private long liveId() {
    return lowestLive + random.nextLong(nextId - lowestLive);
  }

  private BsonDocument insert() {
    long id = nextId++;
    BsonDocument o = new BsonDocument("_id", new BsonInt64(id))
        .append("name", new BsonString("user-" + id))
        .append("n", new BsonInt32(random.nextInt(1000)))
        .append("active", BsonBoolean.valueOf(random.nextBoolean()))
        .append("tags", new BsonArray(List.of(new BsonString("red"), new BsonString("green"), new BsonString("blue"))))
        .append("sub", new BsonDocument("x", new BsonInt32(random.nextInt())).append("y", new BsonString("y".repeat(20))))
        .append("pad", new BsonString("p".repeat(80)));
    return new BsonDocument("op", new BsonString("i")).append("ns", new BsonString("bench.c")).append("o", o);
  }

  private BsonDocument update(long id) {
    BsonDocument diff = new BsonDocument("u", new BsonDocument("n", new BsonInt32(random.nextInt(1000))))
        .append("ssub", new BsonDocument("u", new BsonDocument("x", new BsonInt32(random.nextInt()))))
        .append("stags", new BsonDocument("a", BsonBoolean.TRUE).append("u1", new BsonString("g" + random.nextInt(9))));
    return new BsonDocument("op", new BsonString("u")).append("ns", new BsonString("bench.c"))
        .append("o", new BsonDocument("$v", new BsonInt32(2)).append("diff", diff))
        .append("o2", new BsonDocument("_id", new BsonInt64(id)));
  }

  private static BsonDocument delete(long id) {
    return new BsonDocument("op", new BsonString("d")).append("ns", new BsonString("bench.c"))
        .append("o", new BsonDocument("_id", new BsonInt64(id)));
  }

  private static void print(Map<String, Map<String, double[]>> results) {
    List<String> stores = new ArrayList<>(results.keySet());
    StringBuilder header = new StringBuilder(String.format("%-22s", "ops/s, batch " + BATCH));
    stores.forEach(s -> header.append(String.format("%32s", s)));
    System.out.println(header);
    for (String phase : results.get(stores.get(0)).keySet()) {
      StringBuilder line = new StringBuilder(String.format("%-22s", phase));
      for (String s : stores) {
        double[] r = results.get(s).get(phase);
        String cell = switch (phase) {
          case "disk" -> String.format("%.1f MB", r[0] / 1e6);
          case "documents" -> String.format("%,d", (long) r[0]);
          default -> String.format("%,.0f (cpu %,.0f)", r[0] / r[1], r[0] / r[2]);
        };
        line.append(String.format("%32s", cell));
      }
      System.out.println(line);
    }
    System.out.printf("%ncores %d, java %s, load average %.2f%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        Machine.loadAverage());
  }
}
