package io.openmms.server.monitoring;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import io.openmms.common.wire.HostSample;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * The monitored hosts of every group and the state the service keeps per host: what the last
 * sample said (role, version, down or up) and the last counters, from which the next sample's
 * rates are computed. Thread-safe.
 */
public final class HostRecords {
  private final MongoCollection<Document> hosts;

  public HostRecords(AppDatabase db) {
    this.hosts = db.collection(Collections.HOSTS);
  }

  /**
   * A host's state after some sample.
   *
   * @param lastSampleTs timestamp of the newest sample stored (up or down)
   * @param countersTs timestamp of the sample {@code counters} and {@code uptime} come from
   * @param lastPing timestamp of the newest sample in which the host answered, or 0
   * @param lastRestart when the process was last seen to restart, or 0
   */
  public record State(String hostname, int port, long lastSampleTs, long countersTs,
      Map<String, Long> counters, Long uptime, boolean down, String error, String role,
      String typeName, String replicaSetName, String shardName, String clusterName,
      boolean configServer, String version, long lastPing, long lastRestart, long created) {

    /** The state once {@code s} (newer than this state) has been stored. */
    public static State after(State prev, HostSample s) {
      long created = prev == null ? s.timestamp() : prev.created;
      if (s.down()) {
        return new State(s.hostname(), s.port(), s.timestamp(),
            prev == null ? 0 : prev.countersTs, prev == null ? null : prev.counters,
            prev == null ? null : prev.uptime, true, s.error(),
            prev == null ? null : prev.role, prev == null ? "NO_DATA" : prev.typeName,
            prev == null ? s.replicaSetName() : prev.replicaSetName,
            prev == null ? s.shardName() : prev.shardName,
            prev == null ? s.clusterName() : prev.clusterName,
            prev == null ? s.configServer() : prev.configServer,
            prev == null ? null : prev.version, prev == null ? 0 : prev.lastPing,
            prev == null ? 0 : prev.lastRestart, created);
      }
      boolean restarted = prev != null && prev.uptime != null && s.uptimeSeconds() != null
          && s.uptimeSeconds() < prev.uptime;
      long lastRestart = restarted ? s.timestamp() - s.uptimeSeconds() * 1000
          : prev == null ? 0 : prev.lastRestart;
      return new State(s.hostname(), s.port(), s.timestamp(), s.timestamp(),
          s.counters() == null ? Map.of() : s.counters(), s.uptimeSeconds(), false, null,
          s.role(), HostTypes.typeName(s), s.replicaSetName(), s.shardName(), s.clusterName(),
          s.configServer(), s.version() != null ? s.version() : prev == null ? null : prev.version,
          s.timestamp(), lastRestart, created);
    }
  }

  /**
   * True when a host counts as down: its last sample said so, or no sample arrived for
   * {@code downAfter} ({@code server.host.down.after}). The API, the Prometheus endpoint and the
   * pages all use this rule.
   */
  public static boolean isDown(State s, long nowMillis, java.time.Duration downAfter) {
    return s.down() || nowMillis - s.lastSampleTs() > downAfter.toMillis();
  }

  /** A stored host, as the API and pages show it. */
  public record Host(String id, String groupId, State state, String agentId) {}

  public State state(String hostId) {
    Document d = hosts.find(Filters.eq("_id", hostId)).first();
    return d == null ? null : fromDocument(d);
  }

  public void save(String groupId, String hostId, State s, String agentId) {
    Document counters = new Document();
    if (s.counters() != null) {
      s.counters().forEach(counters::append);
    }
    Document d = new Document("_id", hostId).append("groupId", groupId)
        .append("hostname", s.hostname()).append("port", s.port())
        .append("lastSampleTs", s.lastSampleTs()).append("countersTs", s.countersTs())
        .append("counters", counters).append("uptime", s.uptime()).append("down", s.down())
        .append("error", s.error()).append("role", s.role()).append("typeName", s.typeName())
        .append("replicaSetName", s.replicaSetName()).append("shardName", s.shardName())
        .append("clusterName", s.clusterName()).append("configServer", s.configServer())
        .append("version", s.version()).append("lastPing", s.lastPing())
        .append("lastRestart", s.lastRestart()).append("created", s.created())
        .append("agentId", agentId);
    hosts.replaceOne(Filters.eq("_id", hostId), d, new ReplaceOptions().upsert(true));
  }

  public List<Host> list(String groupId) {
    List<Host> out = new ArrayList<>();
    hosts.find(Filters.eq("groupId", groupId)).sort(new Document("hostname", 1).append("port", 1))
        .batchSize(1000).forEach(d -> out.add(host(d)));
    return out;
  }

  /** The host with this id in this group, or {@code null}. */
  public Host get(String groupId, String hostId) {
    Document d = hosts.find(Filters.and(Filters.eq("_id", hostId), Filters.eq("groupId", groupId)))
        .first();
    return d == null ? null : host(d);
  }

  private static Host host(Document d) {
    return new Host(d.getString("_id"), d.getString("groupId"), fromDocument(d),
        d.getString("agentId"));
  }

  private static State fromDocument(Document d) {
    Map<String, Long> counters = new HashMap<>();
    Document c = d.get("counters", Document.class);
    if (c != null) {
      c.forEach((k, v) -> counters.put(k, ((Number) v).longValue()));
    }
    return new State(d.getString("hostname"), d.getInteger("port"), num(d, "lastSampleTs"),
        num(d, "countersTs"), counters, d.get("uptime") == null ? null : num(d, "uptime"),
        d.getBoolean("down", false), d.getString("error"), d.getString("role"),
        d.getString("typeName"), d.getString("replicaSetName"), d.getString("shardName"),
        d.getString("clusterName"), d.getBoolean("configServer", false), d.getString("version"),
        num(d, "lastPing"), num(d, "lastRestart"), num(d, "created"));
  }

  private static long num(Document d, String key) {
    Object v = d.get(key);
    return v == null ? 0 : ((Number) v).longValue();
  }
}
