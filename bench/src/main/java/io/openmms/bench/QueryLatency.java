package io.openmms.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.common.util.Json;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import io.openmms.server.ingest.MonitoringIngest;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.monitoring.Measurements;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The latency of the public API's measurements query for one host over 48 h of 1-minute data,
 * as a chart or a script asks for it. The host is first given 48 h of samples every 10 s
 * (17,280 samples, 2,880 minute buckets), stored through {@link MonitoringIngest} — the code
 * behind the agent endpoint, without HTTP — then queried sequentially over HTTP with Basic
 * authentication, after a few unmeasured warm-up queries. {@link #preloadOtherHosts} then adds
 * other hosts' data to show how the query's cost grows with the size of the database rather
 * than with the size of the answer.
 */
final class QueryLatency implements AutoCloseable {
  static final Duration PERIOD = Duration.ofHours(48);
  private static final long STEP_MILLIS = 10_000;
  private static final String HOSTNAME = "query-host.bench.example.net";

  /** What one series of queries measured. */
  record Result(Latencies latencies, int metrics, int pointsPerMetric, long responseBytes) {}

  /** How long the preload took, for the record. */
  record Preload(int samples, double seconds) {}

  private final BenchServer target;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();
  private final String authorization;

  QueryLatency(BenchServer target) {
    this.target = target;
    this.authorization = "Basic " + Base64.getEncoder().encodeToString(
        (target.credentials.publicKey() + ":" + target.credentials.privateKey())
            .getBytes(StandardCharsets.UTF_8));
  }

  /** Stores 48 h of samples every 10 s for the query host, ending now. */
  Preload preload(Clock clock) {
    return preload(clock, List.of(HOSTNAME));
  }

  /**
   * Stores 48 h of samples every 10 s for {@code others} more hosts, so that the database holds
   * more than the queried host's data.
   */
  Preload preloadOtherHosts(Clock clock, int others) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < others; i++) {
      names.add("other-" + i + ".bench.example.net");
    }
    return preload(clock, names);
  }

  private Preload preload(Clock clock, List<String> hostnames) {
    var db = target.server.database();
    MonitoringIngest ingest = new MonitoringIngest(db, new HostRecords(db), new Measurements(db, clock),
        5000, clock);
    long now = clock.millis();
    int perHost = (int) (PERIOD.toMillis() / STEP_MILLIS);
    long t0 = System.nanoTime();
    for (String hostname : hostnames) {
      SyntheticHost host = new SyntheticHost(hostname, "rs-" + hostname, true,
          List.of(hostname + ":27017"), now - (perHost - 1) * STEP_MILLIS, STEP_MILLIS);
      int seq = 0;
      for (int done = 0; done < perHost; ) {
        List<HostSample> batch = new ArrayList<>();
        for (int i = 0; i < 720 && done < perHost; i++, done++) {
          batch.add(host.next());
        }
        ingest.ingest(target.credentials.groupId(),
            new MonitoringBatch("bench-preload-" + hostname, seq++, "bench", batch));
      }
    }
    return new Preload(perHost * hostnames.size(), (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Runs {@code warmUp} then {@code count} queries of granularity PT1M over the last 48 h.
   *
   * @param metric one metric to ask for, or {@code null} for all (the API's default)
   */
  Result measure(String metric, int warmUp, int count) throws IOException, InterruptedException {
    String g = target.credentials.groupId();
    String url = target.baseUrl + "/api/public/v1.0/groups/" + g + "/hosts/" + hostId(g)
        + "/measurements?granularity=PT1M&period=PT48H" + (metric == null ? "" : "&m=" + metric);
    Latencies latencies = new Latencies();
    HttpResponse<byte[]> last = null;
    for (int i = 0; i < warmUp + count; i++) {
      long t0 = System.nanoTime();
      last = get(url);
      long t1 = System.nanoTime();
      if (i >= warmUp) {
        latencies.add(t1 - t0);
      }
    }
    JsonNode ms = Json.mapper().readTree(last.body()).path("measurements");
    int points = ms.path(0).path("dataPoints").size();
    if (points < PERIOD.toMinutes() - 2) {
      throw new IllegalStateException("expected about " + PERIOD.toMinutes()
          + " points per metric, the API returned " + points);
    }
    return new Result(latencies, ms.size(), points, last.body().length);
  }

  private String hostId(String groupId) throws IOException, InterruptedException {
    JsonNode hosts = Json.mapper().readTree(
        get(target.baseUrl + "/api/public/v1.0/groups/" + groupId + "/hosts?itemsPerPage=500")
            .body());
    for (JsonNode h : hosts.path("results")) {
      if (HOSTNAME.equals(h.path("hostname").asText())) {
        return h.path("id").asText();
      }
    }
    throw new IllegalStateException("the API does not list " + HOSTNAME + ": " + hosts);
  }

  @Override
  public void close() {
    http.close();
  }

  private HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", authorization).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + url + " answered " + r.statusCode() + ": "
          + new String(r.body(), StandardCharsets.UTF_8));
    }
    return r;
  }
}
