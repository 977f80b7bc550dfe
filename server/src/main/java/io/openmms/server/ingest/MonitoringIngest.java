package io.openmms.server.ingest;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import io.openmms.common.monitoring.Metric;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.monitoring.Ids;
import io.openmms.server.monitoring.Measurements;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * Stores what a monitoring agent ships (SPEC §5). The whole batch is validated first, so a bad
 * batch stores nothing. Then, per host and in time order: a sample not newer than the host's last
 * stored sample is a resend and is skipped (this is what makes the agent's at-least-once delivery
 * exactly-once in storage); counters become rates against the previous sample ({@link Rates});
 * the values are written into the host's minute bucket under the sample's millisecond, which is
 * idempotent; the host's state (role, last counters) is written last. A crash anywhere in
 * between leaves state from which the resent batch produces the same result.
 *
 * <p>Thread-safe; a given host's samples come from one agent in order.
 */
public final class MonitoringIngest {
  private final HostRecords hosts;
  private final Measurements measurements;
  private final MongoCollection<Document> agents;
  private final SampleValidator validator;
  private final Clock clock;

  public MonitoringIngest(AppDatabase db, HostRecords hosts, Measurements measurements,
      int maxSamples, Clock clock) {
    this.hosts = hosts;
    this.measurements = measurements;
    this.agents = db.collection(Collections.AGENTS);
    this.validator = new SampleValidator(maxSamples);
    this.clock = clock;
  }

  /** What happened to a batch. */
  public record Result(int accepted, int duplicates) {}

  public Result ingest(String groupId, MonitoringBatch batch) {
    long now = clock.millis();
    validator.validate(batch, now);
    Map<String, List<HostSample>> byHost = new LinkedHashMap<>();
    for (HostSample s : batch.samples()) {
      byHost.computeIfAbsent(s.hostPort(), k -> new ArrayList<>()).add(s);
    }
    int accepted = 0;
    int duplicates = 0;
    for (var e : byHost.entrySet()) {
      List<HostSample> samples = e.getValue();
      samples.sort(Comparator.comparingLong(HostSample::timestamp));
      String hostId = Ids.host(groupId, e.getKey());
      HostRecords.State state = hosts.state(hostId);
      List<Measurements.Point> points = new ArrayList<>();
      for (HostSample s : samples) {
        if (state != null && s.timestamp() <= state.lastSampleTs()) {
          duplicates++;
          continue;
        }
        if (!s.down()) {
          Map<String, Double> values = values(state, s);
          if (!values.isEmpty()) {
            points.add(new Measurements.Point(s.timestamp(), values));
          }
        }
        state = HostRecords.State.after(state, s);
        accepted++;
      }
      if (!points.isEmpty()) {
        measurements.write(groupId, hostId, points);
      }
      if (state != null) {
        hosts.save(groupId, hostId, state, batch.agentId());
      }
    }
    agents.updateOne(Filters.eq("_id", batch.agentId()),
        new Document("$set", new Document("groupId", groupId).append("type", "MONITORING")
            .append("lastSeen", new Date(now)).append("version", batch.agentVersion())
            .append("lastSeq", batch.seq())),
        new UpdateOptions().upsert(true));
    return new Result(accepted, duplicates);
  }

  private static Map<String, Double> values(HostRecords.State prev, HostSample s) {
    Map<String, Double> values = new HashMap<>();
    if (s.gauges() != null) {
      s.gauges().forEach((k, v) -> {
        Metric m = Metric.byName(k);
        if (m != null && m.kind() == Metric.Kind.GAUGE) {
          values.put(k, v);
        }
      });
    }
    if (prev != null && s.counters() != null) {
      Map<String, Long> counters = new HashMap<>();
      s.counters().forEach((k, v) -> {
        Metric m = Metric.byName(k);
        if (m != null && m.kind() == Metric.Kind.COUNTER) {
          counters.put(k, v);
        }
      });
      values.putAll(Rates.compute(prev.counters(), prev.uptime(), counters, s.uptimeSeconds(),
          s.timestamp() - prev.countersTs()));
    }
    return values;
  }
}
