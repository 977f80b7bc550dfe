package io.openmms.bench;

import com.sun.net.httpserver.HttpServer;
import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.agent.monitoring.Collector;
import io.openmms.agent.monitoring.DriverCommands;
import io.openmms.agent.ship.BatchCodec;
import io.openmms.common.config.Config;
import io.openmms.common.wire.MonitoringBatch;
import io.openmms.testkit.ReplicaSetStandIn;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The monitoring agent's CPU time per poll. A real {@link MonitoringAgent} polls a three-member
 * {@link ReplicaSetStandIn} every second (the shortest interval it accepts) and ships each
 * cycle's batch to a minimal HTTP sink that acknowledges it; after a warm-up the CPU time of
 * the agent's threads is read with {@link ThreadMXBean} at two batch acknowledgements
 * {@code polls} cycles apart. Beforehand the agent's poll and encoding code runs back to back for
 * a few seconds, so the measurement sees JIT-compiled code as in a long-running agent.
 *
 * <p>The agent's threads are those started after {@link MonitoringAgent#start()} — its poll
 * scheduler and pool, its sender, the driver's monitor threads and the JDK HTTP client's — minus
 * the stand-in's and the sink's, which live in the same JVM. JIT and GC threads are not Java
 * threads and are not counted. The agent offers no public single-poll hook ({@code pollOnce()}
 * is package-private), hence measuring across its own schedule. A one-second interval makes the
 * driver's background heartbeats (every 10 s per process) weigh less per poll than at the
 * default 10 s interval; the costlier commands (dbStats, hostInfo, ...) run on a process's first
 * poll and then every 5 minutes, so they are in the warm-up, not in the measured polls.
 */
final class AgentPollCost {
  private static final String[] NOT_AGENT = {"openmms-standin-", "bench-sink", "HTTP-Dispatcher"};

  /** CPU milliseconds per poll cycle and per polled host, with a split by thread kind. */
  record Result(int polls, int hostsPerPoll, double cpuMillisPerPoll,
      Map<String, Double> millisPerPollByKind) {
    double cpuMillisPerHost() {
      return cpuMillisPerPoll / hostsPerPoll;
    }
  }

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

  Result run(int warmUpPolls, int polls) throws Exception {
    if (!threads.isThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure thread CPU time");
    }
    threads.setThreadCpuTimeEnabled(true);
    Path dataDir = Files.createTempDirectory("openmms-bench-agent-");
    AtomicLong batches = new AtomicLong();
    AtomicLong samples = new AtomicLong();
    ExecutorService sinkThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "bench-sink"));
    HttpServer sink = sink(batches, samples, sinkThread);
    try (ReplicaSetStandIn rs = ReplicaSetStandIn.start("rs0", 3)) {
      warmUpJit(rs.hosts().get(0), Duration.ofSeconds(5));
      Set<Long> before = ids();
      try (MonitoringAgent agent = new MonitoringAgent(Config.of("agent", AgentSettings.ALL, Map.of(
          AgentSettings.SERVER_URL.key(), "http://127.0.0.1:" + sink.getAddress().getPort(),
          AgentSettings.GROUP_ID.key(), "bench", AgentSettings.API_KEY.key(), "bench",
          AgentSettings.MONGO_SEED.key(), rs.hosts().get(0),
          AgentSettings.POLL_INTERVAL.key(), "1s",
          AgentSettings.DATA_DIR.key(), dataDir.toString())), Clock.systemUTC())) {
        agent.start();
        awaitSent(agent, warmUpPolls);
        long firstBatch = batches.get();
        long firstSamples = samples.get();
        Map<Long, Long> cpuA = agentCpu(before);
        long sentA = agent.sentBatches();
        awaitSent(agent, sentA + polls);
        Map<Long, Long> cpuB = agentCpu(before);
        int hosts = (int) ((samples.get() - firstSamples) / (batches.get() - firstBatch));
        return result(polls, hosts, cpuA, cpuB);
      }
    } finally {
      sink.stop(0);
      sinkThread.shutdownNow();
      TempDirs.delete(dataDir);
    }
  }

  private Result result(int polls, int hosts, Map<Long, Long> cpuA, Map<Long, Long> cpuB) {
    Map<String, Double> byKind = new TreeMap<>();
    long total = 0;
    for (var e : cpuB.entrySet()) {
      long delta = e.getValue() - cpuA.getOrDefault(e.getKey(), 0L);
      ThreadInfo info = threads.getThreadInfo(e.getKey());
      String kind = info == null ? "ended" : kind(info.getThreadName());
      byKind.merge(kind, delta / 1e6 / polls, Double::sum);
      if (Boolean.getBoolean("bench.debug")) {
        System.err.printf("  %-60s %8.2f ms%n", info == null ? e.getKey() : info.getThreadName(),
            delta / 1e6);
      }
      total += delta;
    }
    return new Result(polls, hosts, total / 1e6 / polls, byKind);
  }

  private static String kind(String thread) {
    if (thread.startsWith("openmms-agent-poll") || thread.startsWith("openmms-poll-")) {
      return "poll";
    }
    if (thread.startsWith("openmms-agent-sender") || thread.startsWith("HttpClient-")) {
      return "ship";
    }
    if (thread.startsWith("cluster-") || thread.startsWith("MaintenanceTimer")) {
      return "driver background";
    }
    return "other";
  }

  private Set<Long> ids() {
    Set<Long> ids = new HashSet<>();
    for (long id : threads.getAllThreadIds()) {
      ids.add(id);
    }
    return ids;
  }

  /** CPU nanoseconds of every live thread started since {@code before}, except non-agent ones. */
  private Map<Long, Long> agentCpu(Set<Long> before) {
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      ThreadInfo info = threads.getThreadInfo(id);
      if (before.contains(id) || info == null || Arrays.stream(NOT_AGENT)
          .anyMatch(info.getThreadName()::startsWith)) {
        continue;
      }
      long ns = threads.getThreadCpuTime(id);
      if (ns >= 0) {
        cpu.put(id, ns);
      }
    }
    return cpu;
  }

  /**
   * Runs the agent's poll and encoding code (a {@link Collector} of its own, with the agent's
   * default connection options) back to back for {@code time}, so that the measured agent runs
   * JIT-compiled code as a long-running agent does, not the interpreter of its first minutes.
   */
  private static void warmUpJit(String seed, Duration time) throws InterruptedException {
    var options = new DriverCommands.Options(null, null, "admin", null, Duration.ofSeconds(2),
        Duration.ofSeconds(10));
    try (Collector c = new Collector(new DriverCommands(options), List.of(seed), 8,
        Duration.ofMinutes(5), Clock.systemUTC())) {
      long end = System.nanoTime() + time.toNanos();
      for (long seq = 0; System.nanoTime() < end; seq++) {
        BatchCodec.encode(new MonitoringBatch("warm-up", seq, "bench", c.pollCycle()));
      }
    }
  }

  private static void awaitSent(MonitoringAgent agent, long count) throws InterruptedException {
    long deadline = System.nanoTime() + (count + 30) * 1_000_000_000L;
    while (agent.sentBatches() < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the agent sent " + agent.sentBatches() + " of " + count
            + " batches in time (" + agent.spooledBatches() + " spooled, "
            + agent.rejectedBatches() + " rejected)");
      }
      Thread.sleep(5);
    }
  }

  private static HttpServer sink(AtomicLong batches, AtomicLong samples, ExecutorService executor)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/agents/api/monitoring/v1/samples", exchange -> {
      int n = BatchCodec.countSamples(exchange.getRequestBody().readAllBytes());
      samples.addAndGet(n);
      batches.incrementAndGet();
      byte[] answer = ("{\"accepted\":" + n + ",\"duplicates\":0}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.setExecutor(executor);
    server.start();
    return server;
  }
}
