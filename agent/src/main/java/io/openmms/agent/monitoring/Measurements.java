package io.openmms.agent.monitoring;

import io.openmms.common.monitoring.Metric;
import io.openmms.common.wire.MemberStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * Turns documented command replies into {@link Metric} values. Pure functions, no I/O.
 *
 * <p>Counters are shipped as the cumulative value the server reports (the service computes rates
 * and detects resets); gauges as read. Sources, all from MongoDB's documented output:
 * <ul>
 *   <li>{@code serverStatus}: opcounters, opcountersRepl, metrics.document, connections, mem,
 *       network, extra_info.page_faults, globalLock.currentQueue, metrics.cursor, asserts,
 *       wiredTiger.cache, and the read/write tickets from
 *       {@code wiredTiger.concurrentTransactions} (up to 6.x) or {@code queues.execution} (7.0+);
 *   <li>{@code replSetGetStatus}: member states and optimes, hence replication lag;
 *   <li>the first and last oplog entries: the oplog window;
 *   <li>the oplog collection's data size over the window: an estimate of oplog churn (below).
 * </ul>
 */
final class Measurements {
  private Measurements() {}

  private record Path(Metric metric, String[] keys) {}

  private static Path p(Metric m, String... keys) {
    return new Path(m, keys);
  }

  private static final List<Path> FROM_SERVER_STATUS = List.of(
      p(Metric.OPCOUNTER_INSERT, "opcounters", "insert"),
      p(Metric.OPCOUNTER_QUERY, "opcounters", "query"),
      p(Metric.OPCOUNTER_UPDATE, "opcounters", "update"),
      p(Metric.OPCOUNTER_DELETE, "opcounters", "delete"),
      p(Metric.OPCOUNTER_GETMORE, "opcounters", "getmore"),
      p(Metric.OPCOUNTER_CMD, "opcounters", "command"),
      p(Metric.OPCOUNTER_REPL_INSERT, "opcountersRepl", "insert"),
      p(Metric.OPCOUNTER_REPL_UPDATE, "opcountersRepl", "update"),
      p(Metric.OPCOUNTER_REPL_DELETE, "opcountersRepl", "delete"),
      p(Metric.OPCOUNTER_REPL_CMD, "opcountersRepl", "command"),
      p(Metric.DOCUMENT_METRICS_RETURNED, "metrics", "document", "returned"),
      p(Metric.DOCUMENT_METRICS_INSERTED, "metrics", "document", "inserted"),
      p(Metric.DOCUMENT_METRICS_UPDATED, "metrics", "document", "updated"),
      p(Metric.DOCUMENT_METRICS_DELETED, "metrics", "document", "deleted"),
      p(Metric.CONNECTIONS, "connections", "current"),
      p(Metric.MEMORY_RESIDENT, "mem", "resident"),
      p(Metric.MEMORY_VIRTUAL, "mem", "virtual"),
      p(Metric.NETWORK_BYTES_IN, "network", "bytesIn"),
      p(Metric.NETWORK_BYTES_OUT, "network", "bytesOut"),
      p(Metric.NETWORK_NUM_REQUESTS, "network", "numRequests"),
      p(Metric.EXTRA_INFO_PAGE_FAULTS, "extra_info", "page_faults"),
      p(Metric.GLOBAL_LOCK_CURRENT_QUEUE_TOTAL, "globalLock", "currentQueue", "total"),
      p(Metric.GLOBAL_LOCK_CURRENT_QUEUE_READERS, "globalLock", "currentQueue", "readers"),
      p(Metric.GLOBAL_LOCK_CURRENT_QUEUE_WRITERS, "globalLock", "currentQueue", "writers"),
      p(Metric.CURSORS_TOTAL_OPEN, "metrics", "cursor", "open", "total"),
      p(Metric.CURSORS_TOTAL_TIMED_OUT, "metrics", "cursor", "timedOut"),
      p(Metric.ASSERT_REGULAR, "asserts", "regular"),
      p(Metric.ASSERT_WARNING, "asserts", "warning"),
      p(Metric.ASSERT_MSG, "asserts", "msg"),
      p(Metric.ASSERT_USER, "asserts", "user"),
      p(Metric.CACHE_USED_BYTES, "wiredTiger", "cache", "bytes currently in the cache"),
      p(Metric.CACHE_DIRTY_BYTES, "wiredTiger", "cache", "tracked dirty bytes in the cache"),
      p(Metric.CACHE_BYTES_READ_INTO, "wiredTiger", "cache", "bytes read into cache"),
      p(Metric.CACHE_BYTES_WRITTEN_FROM, "wiredTiger", "cache", "bytes written from cache"));

  /** Adds every metric present in a {@code serverStatus} reply; absent ones are left out. */
  static void fromServerStatus(Document ss, Map<String, Long> counters,
      Map<String, Double> gauges) {
    for (Path path : FROM_SERVER_STATUS) {
      put(path.metric(), ss, path.keys(), counters, gauges);
    }
    String[] base = Docs.doc(ss, "wiredTiger", "concurrentTransactions") != null
        ? new String[] {"wiredTiger", "concurrentTransactions"}
        : new String[] {"queues", "execution"};
    put(Metric.TICKETS_AVAILABLE_READS, ss, concat(base, "read", "available"), counters, gauges);
    put(Metric.TICKETS_AVAILABLE_WRITE, ss, concat(base, "write", "available"), counters, gauges);
  }

  private static String[] concat(String[] base, String... more) {
    String[] out = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, out, base.length, more.length);
    return out;
  }

  private static void put(Metric m, Document doc, String[] keys, Map<String, Long> counters,
      Map<String, Double> gauges) {
    if (m.kind() == Metric.Kind.COUNTER) {
      Long v = Docs.whole(doc, keys);
      if (v != null && v >= 0) { // the service refuses a batch with a negative counter
        counters.put(m.name(), v);
      }
    } else {
      Double v = Docs.number(doc, keys);
      if (v != null && !v.isNaN() && !v.isInfinite()) {
        gauges.put(m.name(), v);
      }
    }
  }

  /** The members as {@code replSetGetStatus} lists them. */
  static List<MemberStatus> members(Document status) {
    List<MemberStatus> out = new ArrayList<>();
    for (Document m : Docs.docs(status, "members")) {
      Long health = Docs.whole(m, "health");
      out.add(new MemberStatus(m.getString("name"), m.getString("stateStr"),
          health == null ? 0 : health.intValue(), Docs.millis(m, "optimeDate")));
    }
    return out;
  }

  /** The state name of the member that answered ({@code self: true}), or {@code null}. */
  static String selfState(Document status) {
    for (Document m : Docs.docs(status, "members")) {
      if (Docs.flag(m, "self")) {
        return m.getString("stateStr");
      }
    }
    return null;
  }

  /**
   * Seconds the answering member's last applied optime is behind the primary's, or {@code null}
   * when there is no primary or the member is itself the primary. Never negative.
   */
  static Double lagSeconds(Document status) {
    Long primary = null;
    Long self = null;
    boolean selfIsPrimary = false;
    for (Document m : Docs.docs(status, "members")) {
      boolean isPrimary = "PRIMARY".equals(m.getString("stateStr"));
      if (isPrimary) {
        primary = Docs.millis(m, "optimeDate");
      }
      if (Docs.flag(m, "self")) {
        self = Docs.millis(m, "optimeDate");
        selfIsPrimary = isPrimary;
      }
    }
    if (primary == null || self == null || selfIsPrimary) {
      return null;
    }
    return Math.max(0, primary - self) / 1000.0;
  }

  /**
   * The oplog window in hours between the first and last entry: their {@code wall} times when
   * both have one (4.2+), else the seconds of their {@code ts}. {@code null} without two entries.
   */
  static Double oplogWindowHours(Document first, Document last) {
    if (first == null || last == null) {
      return null;
    }
    Long a = first.get("wall") != null && last.get("wall") != null
        ? Docs.millis(first, "wall") : Docs.millis(first, "ts");
    Long b = first.get("wall") != null && last.get("wall") != null
        ? Docs.millis(last, "wall") : Docs.millis(last, "ts");
    if (a == null || b == null) {
      return null;
    }
    return Math.max(0, b - a) / 3_600_000.0;
  }

  /**
   * Oplog churn in GB per hour, estimated as the oplog's current data size divided by the window
   * it covers: the average rate over the window. While the oplog has not yet wrapped this is the
   * average since the oplog began; once it has, dataSize is about the configured oplog size and
   * the estimate is how fast the window is being consumed. A burst shorter than the window is
   * smoothed out. {@code null} when the window is empty.
   */
  static Double oplogGbPerHour(Double dataSizeBytes, Double windowHours) {
    if (dataSizeBytes == null || windowHours == null || windowHours <= 0) {
      return null;
    }
    return dataSizeBytes / windowHours / 1e9;
  }
}
