package io.openmms.bench;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-to-end monitoring benchmark (SPEC §5): prints one table with
 *
 * <ol type="a">
 *   <li>samples ingested per second by one server over HTTP, from several concurrent simulated
 *       agents ({@link IngestLoad}), on the embedded application database and on a stand-in
 *       MongoDB application database, side by side;
 *   <li>the latency of a 48-hour, 1-minute measurements query for one host through the public
 *       API ({@link QueryLatency}), on both application databases, for all metrics and for one,
 *       then for one again once the database also holds other hosts' data;
 *   <li>the monitoring agent's CPU time per poll of one host ({@link AgentPollCost}).
 * </ol>
 *
 * Every server runs in this JVM, one after the other, with the load generator on the same cores.
 * The JIT needs tens of seconds on two cores to compile the ingest path, and a cold JVM made the
 * first column look two to three times slower; hence an unmeasured ingest run on each database
 * before any column is measured. (a) and (b) each start a fresh server, so both databases hold
 * the same data when queried. The stand-in MongoDB is mongo-java-server's memory backend (no MongoDB can be installed here,
 * SPEC §8), so its column shows what the server costs when the database is cheap, not what a
 * production replica set would do. The whole run takes about three minutes.
 *
 * <p>Run from the repository root with a JDK 21+:
 *
 * <pre>
 * mvn -q -pl bench -am install -DskipTests
 * java -Xmx2g -cp 'bench/target/openmms-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *     io.openmms.bench.MonitoringBench
 * </pre>
 *
 * Optional system properties (defaults in brackets): {@code bench.agents} [8],
 * {@code bench.hosts} hosts per agent [3], {@code bench.samples} samples per host per batch,
 * one ingest run for each [1,10], {@code bench.jit} seconds of ingest on each database to let
 * the JIT compile the hot paths before anything is measured [10], {@code bench.warmup} [3] and
 * {@code bench.seconds} [10] seconds of each measured ingest run,
 * {@code bench.queries} [20], {@code bench.polls} [20]; {@code bench.debug=true} lists the
 * threads counted as the agent's in (c) with their CPU time.
 */
public final class MonitoringBench {
  /** Hosts whose data is added before the last query series of (b). */
  private static final int OTHER_HOSTS = 4;

  private final int agents = Integer.getInteger("bench.agents", 8);
  private final int hosts = Integer.getInteger("bench.hosts", 3);
  private final List<Integer> pollsPerBatch = Arrays.stream(
      System.getProperty("bench.samples", "1,10").split(",")).map(String::trim)
      .map(Integer::valueOf).toList();
  private final Duration jitWarmUp = Duration.ofSeconds(Integer.getInteger("bench.jit", 10));
  private final Duration warmUp = Duration.ofSeconds(Integer.getInteger("bench.warmup", 3));
  private final Duration measured = Duration.ofSeconds(Integer.getInteger("bench.seconds", 10));
  private final int queries = Integer.getInteger("bench.queries", 20);
  private final int polls = Integer.getInteger("bench.polls", 20);
  private final Clock clock = Clock.systemUTC();

  private final Map<Integer, Map<BenchServer.AppDb, IngestLoad.Result>> ingest =
      new LinkedHashMap<>();
  private final Map<BenchServer.AppDb, QueryLatency.Result[]> query = new LinkedHashMap<>();
  private final Map<BenchServer.AppDb, QueryLatency.Preload> preload = new LinkedHashMap<>();
  private AgentPollCost.Result agent;

  private MonitoringBench() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    // mongo-java-server warns of every index it ignores and logs each command a stand-in refuses
    System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel", "off");
    long began = System.nanoTime();
    double loadAtStart = Machine.loadAverage();
    MonitoringBench bench = new MonitoringBench();
    PrintStream out = System.out;
    out.println("openmms monitoring benchmark, "
        + bench.clock.instant().truncatedTo(ChronoUnit.SECONDS) + ", " + Machine.describe());
    bench.warmUpJit();
    for (BenchServer.AppDb db : BenchServer.AppDb.values()) {
      bench.measureIngest(db);
      bench.measureQueries(db);
    }
    progress("agent: polling a 3-member replica set every second");
    bench.agent = new AgentPollCost().run(5, bench.polls);
    bench.print(out);
    out.printf(Locale.ROOT, "total run time %.0f s; load average %.2f at start, %.2f at end%n",
        (System.nanoTime() - began) / 1e9, loadAtStart, Machine.loadAverage());
  }

  /** Unmeasured ingest on each database, so no column is measured on a cold JVM. */
  private void warmUpJit() throws Exception {
    progress("JIT warm-up: %d s of ingest on each database", jitWarmUp.toSeconds());
    for (BenchServer.AppDb db : BenchServer.AppDb.values()) {
      try (BenchServer server = BenchServer.start(db)) {
        for (int n : pollsPerBatch) {
          new IngestLoad("jit" + n, agents, hosts, n).run(server, clock.millis(), Duration.ZERO,
              jitWarmUp.dividedBy(pollsPerBatch.size()));
        }
      }
    }
  }

  private void measureIngest(BenchServer.AppDb db) throws Exception {
    try (BenchServer server = BenchServer.start(db)) {
      for (int n : pollsPerBatch) {
        progress("%s: ingest load, batches of %d hosts x %d samples", db.label, hosts, n);
        IngestLoad.Result r = new IngestLoad("n" + n, agents, hosts, n)
            .run(server, clock.millis(), warmUp, measured);
        if (r.batches() == 0) {
          throw new IllegalStateException("no batch completed in the measured window");
        }
        ingest.computeIfAbsent(n, k -> new LinkedHashMap<>()).put(db, r);
      }
    }
  }

  /** On a fresh server, so that both databases hold the same data when queried. */
  private void measureQueries(BenchServer.AppDb db) throws Exception {
    progress("%s: preloading 48 h for the query host", db.label);
    try (BenchServer server = BenchServer.start(db);
        QueryLatency q = new QueryLatency(server)) {
      preload.put(db, q.preload(clock));
      progress("%s: queries", db.label);
      QueryLatency.Result all = q.measure(null, 5, queries);
      QueryLatency.Result one = q.measure("OPCOUNTER_QUERY", 5, queries);
      progress("%s: adding %d other hosts' 48 h, querying again", db.label, OTHER_HOSTS);
      q.preloadOtherHosts(clock, OTHER_HOSTS);
      query.put(db, new QueryLatency.Result[] {all, one,
          q.measure("OPCOUNTER_QUERY", 3, Math.max(1, queries / 2))});
    }
  }

  private void print(PrintStream out) {
    Table t = new Table(BenchServer.AppDb.values());
    t.section(fmt("(a) Agent ingest over HTTP: %d concurrent agents posting back to back, batches"
        + " of %d hosts x N samples (gzip JSON); after %d s of JIT warm-up per database, each run"
        + " %d s warm-up, %d s measured", agents, hosts, jitWarmUp.toSeconds(),
        warmUp.toSeconds(), measured.toSeconds()), true);
    for (var e : ingest.entrySet()) {
      String n = "N=" + e.getKey() + ": ";
      t.row(n + "samples/s", e.getValue(), r -> fmt("%,.0f", r.samplesPerSecond()));
      t.row(n + "batches/s", e.getValue(), r -> fmt("%,.1f", r.batchesPerSecond()));
      t.row(n + "request p50 / p95 (ms)", e.getValue(), r -> fmt("%.1f / %.1f",
          r.latencies().percentileMillis(50), r.latencies().percentileMillis(95)));
    }
    QueryLatency.Result all = query.values().iterator().next()[0];
    t.section(fmt("(b) Measurements query, one host, PT1M over PT48H (%,d points x %d metrics),"
        + " %d sequential queries after 5 warm-up (last row: %d after 3)", all.pointsPerMetric(),
        all.metrics(), queries, Math.max(1, queries / 2)), true);
    t.row("all metrics: p50 / p95 / max (ms)", query, r -> pcts(r[0].latencies()));
    t.row("all metrics: response size", query, r -> fmt("%.2f MB", r[0].responseBytes() / 1e6));
    t.row("one metric:  p50 / p95 / max (ms)", query, r -> pcts(r[1].latencies()));
    t.row("one metric, db +" + OTHER_HOSTS + " hosts x 48 h (ms)", query,
        r -> pcts(r[2].latencies()));
    t.row("preload 17,280 samples, direct (s)", preload, p -> fmt("%.1f", p.seconds()));
    t.section(fmt("(c) Monitoring agent CPU time (ThreadMXBean), %d-member replica-set stand-in"
        + " polled every 1 s, %d polls after 5 warm-up", agent.hostsPerPoll(), agent.polls()),
        false);
    t.single("per poll of one host (ms)", fmt("%.2f", agent.cpuMillisPerHost()));
    t.single("per poll cycle of " + agent.hostsPerPoll() + " hosts (ms)",
        fmt("%.2f", agent.cpuMillisPerPoll()));
    List<String> split = new ArrayList<>();
    agent.millisPerPollByKind().forEach((k, v) -> split.add(k + " " + fmt("%.2f", v)));
    t.single("  of which, per cycle (ms)", String.join(", ", split));
    t.print(out);
  }

  private static String pcts(Latencies l) {
    return fmt("%.1f / %.1f / %.1f", l.percentileMillis(50), l.percentileMillis(95),
        l.maxMillis());
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  private static void progress(String format, Object... args) {
    System.err.println("... " + String.format(Locale.ROOT, format, args));
  }
}
