package io.openmms.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.agent.ship.BatchCodec;
import io.openmms.common.util.Json;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Drives one server's agent endpoint with {@code agents} concurrent simulated monitoring agents,
 * each owning one replica set of {@code hostsPerAgent} hosts and posting, back to back, batches
 * of {@code samplesPerHost} consecutive polls of all its hosts (gzip JSON, HTTP Basic with the
 * group's agent key, its own HTTP connection) — what agents catching up after a short outage
 * send. Samples are 10 s apart per host, so none is skipped as a resend; any duplicate or non-200
 * answer aborts the run.
 *
 * <p>After a warm-up (JIT, connection set-up, first buckets) the batches <em>completed</em>
 * within the measured window are counted. The load generator runs in the same JVM and on the
 * same cores as the server, so the figures are a lower bound of what a dedicated server host
 * does.
 */
final class IngestLoad {
  private static final long STEP_MILLIS = 10_000;

  /** What one run measured. */
  record Result(long samples, long batches, double seconds, Latencies latencies) {
    double samplesPerSecond() {
      return samples / seconds;
    }

    double batchesPerSecond() {
      return batches / seconds;
    }
  }

  private final String run;
  private final int agents;
  private final int hostsPerAgent;
  private final int samplesPerHost;

  /** @param run distinguishes this run's agents and hosts from other runs on the same server */
  IngestLoad(String run, int agents, int hostsPerAgent, int samplesPerHost) {
    this.run = run;
    this.agents = agents;
    this.hostsPerAgent = hostsPerAgent;
    this.samplesPerHost = samplesPerHost;
  }

  Result run(BenchServer target, long nowMillis, Duration warmUp, Duration measured)
      throws Exception {
    long start = System.nanoTime() + warmUp.toNanos();
    long end = start + measured.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(agents);
    try {
      List<Future<Agent>> futures = new ArrayList<>();
      for (int a = 0; a < agents; a++) {
        Agent agent = new Agent(target, a, nowMillis - Duration.ofHours(47).toMillis(), nowMillis);
        futures.add(pool.submit(() -> agent.runUntil(start, end)));
      }
      long samples = 0;
      long batches = 0;
      Latencies latencies = new Latencies();
      for (Future<Agent> f : futures) {
        Agent agent = f.get();
        samples += agent.samples;
        batches += agent.batches;
        latencies.addAll(agent.latencies);
      }
      return new Result(samples, batches, measured.toNanos() / 1e9, latencies);
    } finally {
      pool.shutdownNow();
    }
  }

  /** One simulated agent: its hosts, connection and counts. Confined to one thread. */
  private final class Agent {
    private final HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1).build();
    private final URI endpoint;
    private final String authorization;
    private final String agentId;
    private final List<SyntheticHost> hosts = new ArrayList<>();
    private final Latencies latencies = new Latencies();
    private final long lastTimestamp;
    private long seq;
    private long samples;
    private long batches;

    Agent(BenchServer target, int index, long firstTimestamp, long nowMillis) {
      this.lastTimestamp = nowMillis;
      this.endpoint = URI.create(target.baseUrl + "/agents/api/monitoring/v1/samples");
      this.authorization = "Basic " + Base64.getEncoder().encodeToString(
          (target.credentials.groupId() + ":" + target.credentials.agentKey())
              .getBytes(StandardCharsets.UTF_8));
      this.agentId = "bench-" + run + "-agent-" + index;
      String set = run + "rs" + index;
      List<String> names = new ArrayList<>();
      for (int h = 0; h < hostsPerAgent; h++) {
        names.add(set + "-m" + h + ".bench.example.net:27017");
      }
      for (int h = 0; h < hostsPerAgent; h++) {
        hosts.add(new SyntheticHost(set + "-m" + h + ".bench.example.net", set, h == 0, names,
            firstTimestamp, STEP_MILLIS));
      }
    }

    Agent runUntil(long measureStart, long measureEnd) throws IOException, InterruptedException {
      try (http) {
        while (System.nanoTime() < measureEnd) {
          byte[] body = BatchCodec.encode(nextBatch());
          long t0 = System.nanoTime();
          int accepted = post(body);
          long t1 = System.nanoTime();
          if (t1 >= measureStart && t1 < measureEnd) {
            samples += accepted;
            batches++;
            latencies.add(t1 - t0);
          }
        }
      }
      return this;
    }

    private MonitoringBatch nextBatch() {
      if (hosts.get(0).nextTimestamp() + samplesPerHost * STEP_MILLIS > lastTimestamp) {
        throw new IllegalStateException(agentId + " has sent 47 h of samples: the server is"
            + " faster than this benchmark was sized for; shorten the measured window");
      }
      List<HostSample> batch = new ArrayList<>(hostsPerAgent * samplesPerHost);
      for (int i = 0; i < samplesPerHost; i++) {
        for (SyntheticHost h : hosts) {
          batch.add(h.next());
        }
      }
      return new MonitoringBatch(agentId, seq++, "bench", batch);
    }

    private int post(byte[] gzippedJson) throws IOException, InterruptedException {
      HttpRequest request = HttpRequest.newBuilder(endpoint)
          .header("Content-Type", "application/json")
          .header("Content-Encoding", "gzip")
          .header("Authorization", authorization)
          .POST(HttpRequest.BodyPublishers.ofByteArray(gzippedJson))
          .build();
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(agentId + ": the server answered " + r.statusCode()
            + ": " + r.body());
      }
      JsonNode answer = Json.mapper().readTree(r.body());
      int expected = hostsPerAgent * samplesPerHost;
      if (answer.path("accepted").asInt() != expected || answer.path("duplicates").asInt() != 0) {
        throw new IllegalStateException(agentId + ": expected " + expected
            + " samples accepted and none skipped, the server answered " + r.body());
      }
      return expected;
    }
  }
}
