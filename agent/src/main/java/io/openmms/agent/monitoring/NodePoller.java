package io.openmms.agent.monitoring;

import io.openmms.common.monitoring.Metric;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MemberStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one process and builds its {@link HostSample}. A process that cannot be reached yields a
 * sample with {@code down=true} and the reason; a command the process refuses (not authorised,
 * not supported, not in this state) only leaves its metrics out and is logged once per process.
 *
 * <p>The costly commands ({@code listDatabases}+{@code dbStats}, {@code hostInfo},
 * {@code buildInfo}, {@code getCmdLineOpts}) run on the first poll, every slow interval, and
 * after the process restarted (its uptime went down, so its version may have changed); their
 * results are repeated in the samples between.
 */
final class NodePoller {
  private static final Logger LOG = LoggerFactory.getLogger(NodePoller.class);

  /** What is remembered about one process between polls. Used by one poll at a time. */
  static final class State {
    Long lastSlowPollMs;
    Long uptimeSeconds;
    String version;
    Double storageTotal;
    Double dataTotal;
    Document hostInfo;
    Document cmdLineOpts;
    /** False once the process refused the {@code $collStats} stage; reset when it restarts. */
    boolean collStatsStage = true;
    final Set<String> warned = new HashSet<>();
  }

  /** The process stopped answering in the middle of the poll. */
  private static final class Unreachable extends RuntimeException {
    Unreachable(String message) {
      super(message, null, false, false);
    }
  }

  private final NodeCommands commands;
  private final long slowIntervalMs;

  NodePoller(NodeCommands commands, long slowIntervalMs) {
    this.commands = commands;
    this.slowIntervalMs = slowIntervalMs;
  }

  HostSample poll(Discovery.Probe probe, State state, long timestamp) {
    Node node = probe.node();
    if (!node.up()) {
      return down(node, state, timestamp, probe.error());
    }
    try {
      return up(node, probe.hello(), state, timestamp);
    } catch (Unreachable e) {
      return down(node, state, timestamp, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("Polling {} failed", node.hostPort(), e);
      return down(node, state, timestamp, "poll failed: " + e);
    }
  }

  private HostSample up(Node node, Document hello, State state, long timestamp) {
    String hp = node.hostPort();
    Map<String, Long> counters = new TreeMap<>();
    Map<String, Double> gauges = new TreeMap<>();
    Document ss = run(hp, state, "admin", new Document("serverStatus", 1));
    Long uptime = null;
    if (ss != null) {
      Measurements.fromServerStatus(ss, counters, gauges);
      uptime = Docs.whole(ss, "uptime");
    }
    boolean restarted = uptime != null && state.uptimeSeconds != null
        && uptime < state.uptimeSeconds;
    state.uptimeSeconds = uptime;
    if (restarted) {
      state.collStatsStage = true;
    }
    String role = node.role();
    List<MemberStatus> members = null;
    boolean member = hello.getString("setName") != null;
    if (member) {
      Document rs = run(hp, state, "admin", new Document("replSetGetStatus", 1));
      if (rs != null) {
        members = Measurements.members(rs);
        String self = Measurements.selfState(rs);
        role = "OTHER".equals(role) && self != null ? self : role;
        Double lag = "SECONDARY".equals(role) ? Measurements.lagSeconds(rs) : null;
        if (lag != null) {
          gauges.put(Metric.OPLOG_SLAVE_LAG_MASTER_TIME.name(), lag);
        }
      }
      if (!"ARBITER".equals(role)) {
        oplog(hp, state, gauges);
      }
    }
    if (restarted || state.lastSlowPollMs == null
        || timestamp - state.lastSlowPollMs >= slowIntervalMs) {
      slow(hp, role, state);
      state.lastSlowPollMs = timestamp;
    }
    if (state.storageTotal != null) {
      gauges.put(Metric.DB_STORAGE_TOTAL.name(), state.storageTotal);
      gauges.put(Metric.DB_DATA_SIZE_TOTAL.name(), state.dataTotal);
    }
    return new HostSample(host(hp), port(hp), timestamp, false, null, role,
        node.replicaSetName(), node.shardName(), node.configServer(), node.clusterName(),
        state.version, uptime, counters, gauges, members);
  }

  private void oplog(String hp, State state, Map<String, Double> gauges) {
    Document projection = new Document("ts", 1).append("wall", 1).append("_id", 0);
    Document first = firstOf(hp, state, new Document("$natural", 1), projection);
    Document last = firstOf(hp, state, new Document("$natural", -1), projection);
    Double hours = Measurements.oplogWindowHours(first, last);
    if (hours == null) {
      return;
    }
    gauges.put(Metric.OPLOG_MASTER_TIME.name(), hours);
    Double rate = Measurements.oplogGbPerHour(oplogDataSize(hp, state), hours);
    if (rate != null) {
      gauges.put(Metric.OPLOG_RATE_GB_PER_HOUR.name(), rate);
    }
  }

  private Document firstOf(String hp, State state, Document sort, Document projection) {
    try {
      List<Document> docs = commands.find(hp, "local", "oplog.rs", new Document(), sort,
          projection, 1);
      state.warned.remove("oplog");
      return docs.isEmpty() ? null : docs.get(0);
    } catch (RuntimeException e) {
      refused(hp, state, "oplog", e);
      return null;
    }
  }

  /** The oplog's data size: {@code $collStats} (4.4+), else the older {@code collStats}. */
  private Double oplogDataSize(String hp, State state) {
    Document agg = new Document("aggregate", "oplog.rs")
        .append("pipeline", List.of(new Document("$collStats",
            new Document("storageStats", new Document()))))
        .append("cursor", new Document());
    if (state.collStatsStage) {
      try {
        Document reply = commands.run(hp, "local", agg);
        List<Document> batch = Docs.docs(Docs.doc(reply, "cursor"), "firstBatch");
        if (!batch.isEmpty()) {
          return Docs.number(batch.get(0), "storageStats", "size");
        }
      } catch (RuntimeException e) {
        if (!Failures.isCommandError(e)) {
          throw new Unreachable(Failures.describe(e));
        }
        state.collStatsStage = false;
      }
    }
    Document stats = run(hp, state, "local", new Document("collStats", "oplog.rs"));
    return stats == null ? null : Docs.number(stats, "size");
  }

  private void slow(String hp, String role, State state) {
    Document build = run(hp, state, "admin", new Document("buildInfo", 1));
    if (build != null) {
      state.version = build.getString("version");
    }
    Document hostInfo = run(hp, state, "admin", new Document("hostInfo", 1));
    state.hostInfo = hostInfo != null ? hostInfo : state.hostInfo;
    Document opts = run(hp, state, "admin", new Document("getCmdLineOpts", 1));
    state.cmdLineOpts = opts != null ? opts : state.cmdLineOpts;
    if ("MONGOS".equals(role) || "ARBITER".equals(role)) {
      return; // a router would count the whole cluster; an arbiter holds no data
    }
    Document dbs = run(hp, state, "admin", new Document("listDatabases", 1)
        .append("nameOnly", true));
    if (dbs == null) {
      return;
    }
    double storage = 0;
    double data = 0;
    for (Document db : Docs.docs(dbs, "databases")) {
      Document stats = run(hp, state, db.getString("name"), new Document("dbStats", 1));
      if (stats == null) {
        return; // keep the last complete totals rather than ship a partial sum
      }
      storage += orZero(Docs.number(stats, "storageSize"));
      data += orZero(Docs.number(stats, "dataSize"));
    }
    state.storageTotal = storage;
    state.dataTotal = data;
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  /** Runs a command; {@code null} when the process refused it, {@link Unreachable} when gone. */
  private Document run(String hp, State state, String db, Document command) {
    String name = command.keySet().iterator().next();
    try {
      Document reply = commands.run(hp, db, command);
      state.warned.remove(name);
      return reply;
    } catch (RuntimeException e) {
      refused(hp, state, name, e);
      return null;
    }
  }

  private void refused(String hp, State state, String what, RuntimeException e) {
    if (!Failures.isCommandError(e)) {
      throw new Unreachable(Failures.describe(e));
    }
    if (state.warned.add(what)) {
      LOG.warn("{} on {} failed, its metrics are left out until it works: {}", what, hp,
          Failures.describe(e));
    }
  }

  private static HostSample down(Node node, State state, long timestamp, String error) {
    String hp = node.hostPort();
    return new HostSample(host(hp), port(hp), timestamp, true,
        error == null ? "unreachable" : error, node.role(), node.replicaSetName(),
        node.shardName(), node.configServer(), node.clusterName(), state.version, null,
        Map.of(), Map.of(), null);
  }

  static String host(String hostPort) {
    return hostPort.substring(0, hostPort.lastIndexOf(':'));
  }

  static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }
}
