package io.openmms.server.monitoring;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes hourly and daily roll-ups and prunes data past its retention (SPEC §5).
 *
 * <p>Ingest marks each (host, hour) it writes to as dirty, with a counter bumped on every write.
 * A run rolls up every dirty hour that has ended: the mean of all its samples per metric, weighted
 * by sample count, upserted into the hourly collection; then it marks the day dirty and removes
 * the hour's mark only if the counter is unchanged, so a late sample that arrived meanwhile makes
 * the hour roll up again. Days roll up from hours the same way. Every step is an idempotent
 * upsert, so a crash, a rerun, or two server instances running it at once give the same result.
 * Pruning follows roll-up, so data is rolled up before it is deleted; it scans by time, so it
 * runs at most once an hour (retention is counted in hours and days).
 */
public final class Rollups {
  private static final Logger LOG = LoggerFactory.getLogger(Rollups.class);
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 86_400_000L;

  private final AppDatabase db;
  private final Clock clock;
  private final Duration keepMinute;
  private final Duration keepHour;
  private final Duration keepDay;
  private long lastPrune = Long.MIN_VALUE / 2;

  public Rollups(AppDatabase db, Clock clock, Duration keepMinute, Duration keepHour,
      Duration keepDay) {
    this.db = db;
    this.clock = clock;
    this.keepMinute = keepMinute;
    this.keepHour = keepHour;
    this.keepDay = keepDay;
  }

  /** What one run did. */
  public record Report(int hoursRolled, int daysRolled, long pruned) {}

  static void markDirty(MongoCollection<Document> dirty, String groupId, String hostId,
      Collection<Long> periodStarts) {
    for (long start : periodStarts) {
      dirty.updateOne(Filters.eq("_id", Measurements.id(hostId, start)),
          new Document("$inc", new Document("n", 1)).append("$setOnInsert",
              new Document("h", hostId).append("g", groupId).append("t", new Date(start))),
          new UpdateOptions().upsert(true));
    }
  }

  /** Rolls up every completed dirty hour and day, then prunes. Not thread-safe: one caller. */
  public synchronized Report run() {
    long now = clock.millis();
    int hours = rollUp(Collections.DIRTY_HOURS, HOUR, now, this::rollHour);
    int days = rollUp(Collections.DIRTY_DAYS, DAY, now, this::rollDay);
    long pruned = 0;
    if (now - lastPrune >= HOUR) {
      pruned = prune(Collections.MEAS_MINUTE, now - keepMinute.toMillis())
          + prune(Collections.MEAS_HOUR, now - keepHour.toMillis())
          + prune(Collections.MEAS_DAY, now - keepDay.toMillis());
      lastPrune = now;
    }
    if (hours + days > 0 || pruned > 0) {
      LOG.debug("Roll-up: {} hours, {} days rolled up, {} documents pruned", hours, days, pruned);
    }
    return new Report(hours, days, pruned);
  }

  private interface PeriodRoller {
    void roll(String groupId, String hostId, long start);
  }

  private int rollUp(String dirtyName, long length, long now, PeriodRoller roller) {
    MongoCollection<Document> dirty = db.collection(dirtyName);
    List<Document> due = new ArrayList<>();
    dirty.find(Filters.lte("t", new Date(now - length))).batchSize(1000).forEach(due::add);
    for (Document d : due) {
      roller.roll(d.getString("g"), d.getString("h"), d.getDate("t").getTime());
      dirty.deleteOne(Filters.and(Filters.eq("_id", d.get("_id")), Filters.eq("n", d.get("n"))));
    }
    return due.size();
  }

  private void rollHour(String groupId, String hostId, long start) {
    Map<String, double[]> sums = new HashMap<>();
    db.collection(Collections.MEAS_MINUTE).find(Measurements.range(hostId, start, start + HOUR,
        Measurements.MINUTE)).batchSize(100).forEach(m -> {
          Document p = m.get("p", Document.class);
          if (p != null) {
            p.values().forEach(sample -> ((Document) sample).forEach((k, v) ->
                accumulate(sums, k, ((Number) v).doubleValue(), 1)));
          }
        });
    write(Collections.MEAS_HOUR, groupId, hostId, start, sums);
    markDirty(db.collection(Collections.DIRTY_DAYS), groupId, hostId,
        List.of(start - Math.floorMod(start, DAY)));
  }

  private void rollDay(String groupId, String hostId, long start) {
    Map<String, double[]> sums = new HashMap<>();
    db.collection(Collections.MEAS_HOUR).find(Measurements.range(hostId, start, start + DAY,
        Measurements.HOUR)).batchSize(100).forEach(h -> {
          Document v = h.get("v", Document.class);
          Document n = h.get("n", Document.class);
          v.forEach((k, val) -> accumulate(sums, k, ((Number) val).doubleValue(),
              ((Number) n.get(k)).longValue()));
        });
    write(Collections.MEAS_DAY, groupId, hostId, start, sums);
  }

  private static void accumulate(Map<String, double[]> sums, String metric, double value,
      long weight) {
    double[] sn = sums.computeIfAbsent(metric, k -> new double[2]);
    sn[0] += value * weight;
    sn[1] += weight;
  }

  private void write(String collection, String groupId, String hostId, long start,
      Map<String, double[]> sums) {
    if (sums.isEmpty()) {
      return;
    }
    Document v = new Document();
    Document n = new Document();
    sums.forEach((k, sn) -> {
      v.append(k, sn[0] / sn[1]);
      n.append(k, (long) sn[1]);
    });
    String id = Measurements.id(hostId, start);
    db.collection(collection).replaceOne(Filters.eq("_id", id),
        new Document("_id", id).append("h", hostId).append("g", groupId)
            .append("t", new Date(start)).append("v", v).append("n", n),
        new ReplaceOptions().upsert(true));
  }

  private long prune(String collection, long before) {
    return db.collection(collection).deleteMany(Filters.lt("t", new Date(before)))
        .getDeletedCount();
  }
}
