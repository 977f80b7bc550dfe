package io.openmms.server.monitoring;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.WriteModel;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bson.Document;

/**
 * Stored monitoring data at three granularities (SPEC §5).
 *
 * <ul>
 *   <li>Minute buckets ({@code measurementsMinute}): one document per host and minute, holding
 *       each sample's values under its millisecond offset in the minute, {@code {h, g, t, p:
 *       {"10000": {METRIC: value}}}}. Writing a sample is a {@code $set} of one field, so a
 *       resent sample changes nothing, and two samples never share a field. A minute's value is
 *       the mean of its samples.
 *   <li>Hourly and daily roll-ups ({@code measurementsHour}, {@code measurementsDay}): {@code {h,
 *       g, t, v: {METRIC: mean}, n: {METRIC: samples}}}, written by {@link Rollups}.
 * </ul>
 *
 * Thread-safe.
 */
public final class Measurements {
  /** A granularity the API serves, with its collection. */
  public enum Granularity {
    PT1M(Duration.ofMinutes(1), Collections.MEAS_MINUTE, MINUTE),
    PT5M(Duration.ofMinutes(5), Collections.MEAS_MINUTE, MINUTE),
    PT1H(Duration.ofHours(1), Collections.MEAS_HOUR, HOUR),
    P1D(Duration.ofDays(1), Collections.MEAS_DAY, DAY);

    final Duration step;
    final String collection;
    /** The period one stored document covers. */
    final long stored;

    Granularity(Duration step, String collection, long stored) {
      this.step = step;
      this.collection = collection;
      this.stored = stored;
    }

    public Duration step() {
      return step;
    }
  }

  /** One sample's values at a time. */
  public record Point(long timestamp, Map<String, Double> values) {}

  /** One value of a series. */
  public record DataPoint(Instant timestamp, double value) {}

  static final long MINUTE = 60_000L;
  static final long HOUR = 3_600_000L;
  static final long DAY = 86_400_000L;
  /** Above this many documents a range is read by host and time instead of by id. */
  private static final int MAX_IDS = 20_000;

  private final AppDatabase db;
  private final MongoCollection<Document> minute;

  private final java.time.Clock clock;

  public Measurements(AppDatabase db, java.time.Clock clock) {
    this.db = db;
    this.minute = db.collection(Collections.MEAS_MINUTE);
    this.clock = clock;
  }

  /** The id of the document holding a host's data for the period starting at {@code start}. */
  static String id(String hostId, long start) {
    return hostId + ":" + start / 1000;
  }

  /**
   * A filter for a host's documents of period {@code length} starting in {@code [start, end)}.
   * It names the documents by id, so that any MongoDB, including the embedded one (which does not
   * maintain secondary indexes), reads only them instead of scanning every host's data.
   */
  static org.bson.conversions.Bson range(String hostId, long start, long end, long length) {
    long first = start + Math.floorMod(-start, length);
    if ((end - first) / length > MAX_IDS) {
      return Filters.and(Filters.eq("h", hostId), Filters.gte("t", new Date(start)),
          Filters.lt("t", new Date(end)));
    }
    List<String> ids = new ArrayList<>();
    for (long t = first; t < end; t += length) {
      ids.add(id(hostId, t));
    }
    return Filters.in("_id", ids);
  }

  /** Stores samples of one host in its minute buckets and marks their hours for roll-up. */
  public void write(String groupId, String hostId, List<Point> points) {
    List<WriteModel<Document>> writes = new ArrayList<>();
    Set<Long> hours = new LinkedHashSet<>();
    for (Point p : points) {
      long minuteStart = p.timestamp() - Math.floorMod(p.timestamp(), 60_000L);
      long offsetMillis = p.timestamp() - minuteStart;
      Document values = new Document();
      p.values().forEach(values::append);
      writes.add(new UpdateOneModel<>(Filters.eq("_id", id(hostId, minuteStart)),
          new Document("$set", new Document("p." + offsetMillis, values))
              .append("$setOnInsert", new Document("h", hostId).append("g", groupId)
                  .append("t", new Date(minuteStart))),
          new UpdateOptions().upsert(true)));
      hours.add(p.timestamp() - Math.floorMod(p.timestamp(), 3_600_000L));
    }
    minute.bulkWrite(writes);
    Rollups.markDirty(db.collection(Collections.DIRTY_HOURS), groupId, hostId, hours);
  }

  /**
   * The series of the given metrics for one host in {@code [start, end)}, one value per step of
   * the granularity that has data, oldest first.
   */
  public Map<String, List<DataPoint>> query(String hostId, Granularity g, Instant start,
      Instant end, Set<String> metrics) {
    Map<String, TreeMap<Long, double[]>> sums = new HashMap<>();
    long step = g.step.toMillis();
    var cursor = db.collection(g.collection).find(range(hostId, start.toEpochMilli(),
        end.toEpochMilli(), g.stored)).sort(new Document("t", 1)).batchSize(1000);
    for (Document d : cursor) {
      long t = d.getDate("t").getTime();
      long bucket = t - Math.floorMod(t, step);
      if (g.collection.equals(Collections.MEAS_MINUTE)) {
        Document p = d.get("p", Document.class);
        if (p != null) {
          for (Object sample : p.values()) {
            ((Document) sample).forEach((m, v) -> add(sums, metrics, m, bucket,
                ((Number) v).doubleValue(), 1));
          }
        }
      } else {
        Document v = d.get("v", Document.class);
        Document n = d.get("n", Document.class);
        if (v != null) {
          v.forEach((m, val) -> add(sums, metrics, m, bucket, ((Number) val).doubleValue(),
              n == null || n.get(m) == null ? 1 : ((Number) n.get(m)).longValue()));
        }
      }
    }
    Map<String, List<DataPoint>> out = new TreeMap<>();
    for (String m : metrics) {
      List<DataPoint> series = new ArrayList<>();
      sums.getOrDefault(m, new TreeMap<>()).forEach((t, sn) -> series.add(
          new DataPoint(Instant.ofEpochMilli(t), sn[0] / sn[1])));
      out.put(m, series);
    }
    return out;
  }

  private static void add(Map<String, TreeMap<Long, double[]>> sums, Set<String> metrics,
      String metric, long bucket, double value, long weight) {
    if (!metrics.contains(metric)) {
      return;
    }
    double[] sn = sums.computeIfAbsent(metric, k -> new TreeMap<>())
        .computeIfAbsent(bucket, k -> new double[2]);
    sn[0] += value * weight;
    sn[1] += weight;
  }

  /** The mean values of a host in the newest of the current and previous minute, or an empty map. */
  public Map<String, Double> latest(String hostId) {
    long now = clock.millis();
    long current = now - Math.floorMod(now, MINUTE);
    Document d = minute.find(Filters.in("_id", id(hostId, current), id(hostId, current - MINUTE)))
        .sort(new Document("t", -1)).limit(1).first();
    Map<String, Double> out = new TreeMap<>();
    if (d == null || d.get("p", Document.class) == null) {
      return out;
    }
    Map<String, double[]> sn = new HashMap<>();
    for (Object sample : d.get("p", Document.class).values()) {
      ((Document) sample).forEach((m, v) -> {
        double[] a = sn.computeIfAbsent(m, k -> new double[2]);
        a[0] += ((Number) v).doubleValue();
        a[1]++;
      });
    }
    sn.forEach((m, a) -> out.put(m, a[0] / a[1]));
    return out;
  }
}
