package io.openmms.bench.ingest;

import io.openmms.agent.ship.BatchCodec;
import io.openmms.bench.SyntheticHost;
import io.openmms.common.util.Json;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import io.openmms.server.http.Bodies;
import io.openmms.server.ingest.Rates;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU-bound steps of the agent endpoint for one batch of 30 samples (3 hosts x 10 polls,
 * every metric present), without the database: gunzip and bind the JSON ({@link Bodies},
 * {@link Json}), bind already-plain JSON, and turn one sample's counters into rates
 * ({@link Rates#compute}); plus the agent's side, encoding a batch ({@link BatchCodec}).
 * {@code MonitoringBench} measures the whole path over HTTP.
 *
 * <p>Run from the repository root after {@code mvn -q -pl bench -am install -DskipTests}:
 *
 * <pre>
 * java -cp 'bench/target/openmms-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*' \
 *     org.openjdk.jmh.Main IngestHotPathBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IngestHotPathBenchmark {
  private static final long LIMIT = 8L << 20;

  private MonitoringBatch batch;
  private byte[] json;
  private byte[] gzipped;
  private Map<String, Long> prevCounters;
  private Map<String, Long> counters;
  private long prevUptime;
  private long uptime;

  @Setup
  public void setUp() throws IOException {
    long t0 = 1_790_000_000_000L;
    List<String> names = List.of("a.example.net:27017", "b.example.net:27017",
        "c.example.net:27017");
    List<SyntheticHost> hosts = new ArrayList<>();
    for (int h = 0; h < 3; h++) {
      hosts.add(new SyntheticHost(names.get(h).replace(":27017", ""), "rs0", h == 0, names, t0,
          10_000));
    }
    List<HostSample> samples = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      hosts.forEach(h -> samples.add(h.next()));
    }
    batch = new MonitoringBatch("bench-agent", 1, "bench", samples);
    json = Json.mapper().writeValueAsBytes(batch);
    gzipped = BatchCodec.encode(batch);
    HostSample prev = samples.get(0);
    HostSample next = samples.get(3);
    prevCounters = prev.counters();
    prevUptime = prev.uptimeSeconds();
    counters = next.counters();
    uptime = next.uptimeSeconds();
  }

  /** What the endpoint does with a request body before storing: gunzip within limits, bind. */
  @Benchmark
  public MonitoringBatch gunzipAndBind() throws IOException {
    byte[] plain = Bodies.read(new ByteArrayInputStream(gzipped), "gzip", LIMIT, LIMIT);
    return Json.mapper().readValue(plain, MonitoringBatch.class);
  }

  @Benchmark
  public MonitoringBatch bind() throws IOException {
    return Json.mapper().readValue(json, MonitoringBatch.class);
  }

  /** Rates of one sample's counters against the previous sample of the same host. */
  @Benchmark
  public Map<String, Double> rates() {
    return Rates.compute(prevCounters, prevUptime, counters, uptime, 10_000);
  }

  /** The agent's side: JSON and gzip of one batch. */
  @Benchmark
  public byte[] encode() {
    return BatchCodec.encode(batch);
  }
}
