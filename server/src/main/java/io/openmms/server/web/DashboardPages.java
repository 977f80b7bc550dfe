package io.openmms.server.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.monitoring.Metric;
import io.openmms.common.util.Json;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Links;
import io.openmms.server.monitoring.Clusters;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.monitoring.Measurements;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Users;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The monitoring pages of a group: the deployment (replica sets, sharded clusters, standalone
 * hosts), a host's charts, and a cluster's page (a replica set's members, lag and oplog window,
 * or a sharded cluster's shards, config servers and mongos).
 *
 * <p>Tables are rendered on the server from {@link HostRecords}; a host is down by the same rule
 * as in the API ({@link HostRecords#isDown}). Charts are drawn in the browser by
 * {@code /static/charts.js}: each chart names its series (host id, metric, label) and units in
 * {@code data-} attributes, and the script reads them from the public API's measurements resource
 * with the session cookie, refreshing every 10 s. The pages carry no inline script.
 */
final class DashboardPages {
  /** A time range the charts can show, and the granularity it is read at. */
  enum Range {
    H1("1h", "1 hour", Duration.ofHours(1), "PT1M"),
    H6("6h", "6 hours", Duration.ofHours(6), "PT1M"),
    H24("24h", "24 hours", Duration.ofHours(24), "PT1M"),
    // minute data is kept for 48 h, hourly roll-ups for 90 days (SPEC §5)
    D7("7d", "7 days", Duration.ofDays(7), "PT1H"),
    D30("30d", "30 days", Duration.ofDays(30), "PT1H");

    final String key;
    final String label;
    final Duration span;
    final String granularity;

    Range(String key, String label, Duration span, String granularity) {
      this.key = key;
      this.label = label;
      this.span = span;
      this.granularity = granularity;
    }

    static Range parse(String key) {
      for (Range r : values()) {
        if (r.key.equals(key)) {
          return r;
        }
      }
      return H1;
    }
  }

  /** A chart: its id, title and series as {metric, label} pairs. */
  private record Chart(String id, String title, List<String[]> series) {}

  private static final List<Chart> HOST_CHARTS = List.of(
      new Chart("opcounters", "Operations", List.of(new String[] {"OPCOUNTER_INSERT", "insert"},
          new String[] {"OPCOUNTER_QUERY", "query"}, new String[] {"OPCOUNTER_UPDATE", "update"},
          new String[] {"OPCOUNTER_DELETE", "delete"},
          new String[] {"OPCOUNTER_GETMORE", "getmore"},
          new String[] {"OPCOUNTER_CMD", "command"})),
      new Chart("connections", "Connections",
          List.<String[]>of(new String[] {"CONNECTIONS", "connections"})),
      new Chart("memory", "Memory", List.of(new String[] {"MEMORY_RESIDENT", "resident"},
          new String[] {"MEMORY_VIRTUAL", "virtual"})),
      new Chart("network", "Network", List.of(new String[] {"NETWORK_BYTES_IN", "bytes in"},
          new String[] {"NETWORK_BYTES_OUT", "bytes out"})),
      new Chart("pagefaults", "Page faults",
          List.<String[]>of(new String[] {"EXTRA_INFO_PAGE_FAULTS", "page faults"})),
      new Chart("queues", "Global lock queues",
          List.of(new String[] {"GLOBAL_LOCK_CURRENT_QUEUE_TOTAL", "total"},
              new String[] {"GLOBAL_LOCK_CURRENT_QUEUE_READERS", "readers"},
              new String[] {"GLOBAL_LOCK_CURRENT_QUEUE_WRITERS", "writers"})),
      new Chart("cursors", "Open cursors",
          List.<String[]>of(new String[] {"CURSORS_TOTAL_OPEN", "open"})),
      new Chart("cache", "WiredTiger cache", List.of(new String[] {"CACHE_USED_BYTES", "used"},
          new String[] {"CACHE_DIRTY_BYTES", "dirty"})));
  private static final Chart LAG = new Chart("replag", "Replication lag",
      List.<String[]>of(new String[] {"OPLOG_SLAVE_LAG_MASTER_TIME", "lag"}));
  private static final Chart OPLOG = new Chart("oplog", "Oplog window",
      List.<String[]>of(new String[] {"OPLOG_MASTER_TIME", "window"}));
  private static final Set<String> HEALTHY = Set.of("PRIMARY", "SECONDARY", "ARBITER", "MONGOS",
      "STANDALONE");

  private final Pages pages;
  private final Groups groups;
  private final HostRecords hosts;
  private final Measurements measurements;
  private final Clock clock;
  private final Duration downAfter;

  DashboardPages(Pages pages, Groups groups, HostRecords hosts, Measurements measurements,
      Clock clock, Duration downAfter) {
    this.pages = pages;
    this.groups = groups;
    this.hosts = hosts;
    this.measurements = measurements;
    this.clock = clock;
    this.downAfter = downAfter;
  }

  void register(JavalinConfig config) {
    config.routes.get("/groups/{groupId}", this::deployment);
    config.routes.get("/groups/{groupId}/hosts/{hostId}", this::host);
    config.routes.get("/groups/{groupId}/clusters/{clusterId}", this::cluster);
  }

  /** The group named in the path, when the signed-in user may read it. */
  private Groups.Group readableGroup(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    String id = ctx.pathParam("groupId");
    Groups.Group g = groups.get(id);
    if (g == null) {
      throw ApiException.notFound("GROUP_NOT_FOUND", "There is no group with id " + id + ".");
    }
    if (!me.principal().canRead(id)) {
      throw new ApiException(403, "USER_CANNOT_ACCESS_GROUP", "You have no role in the group "
          + g.name() + ", so you cannot see its deployment. Ask one of its owners to invite you.");
    }
    return g;
  }

  private Map<String, Object> model(Groups.Group g, String title) {
    Map<String, Object> m = new HashMap<>();
    m.put("title", title);
    m.put("group", Map.of("id", g.id(), "name", g.name()));
    m.put("tab", "deployment");
    return m;
  }

  private void deployment(Context ctx) {
    Groups.Group g = readableGroup(ctx);
    List<HostRecords.Host> all = hosts.list(g.id());
    List<Clusters.Cluster> clusters = Clusters.of(g.id(), all);
    long now = clock.millis();
    List<Map<String, Object>> replicaSets = new ArrayList<>();
    List<Map<String, Object>> sharded = new ArrayList<>();
    for (Clusters.Cluster c : clusters) {
      if (c.typeName().equals("SHARDED_REPLICA_SET")) {
        sharded.add(shardedModel(c, clusters, all, now));
      } else if (c.parentId() == null) {
        replicaSets.add(replicaSetModel(c, all, now));
      }
    }
    List<Map<String, Object>> standalone = new ArrayList<>();
    for (HostRecords.Host h : all) {
      if (h.state().replicaSetName() == null && h.state().clusterName() == null) {
        standalone.add(row(h, now));
      }
    }
    Map<String, Object> m = model(g, g.name() + " · Deployment");
    m.put("replicaSets", replicaSets);
    m.put("shardedClusters", sharded);
    m.put("standalone", standalone);
    m.put("hostCount", all.size());
    m.put("serverUrl", ctx.scheme() + "://" + ctx.host());
    m.put("downCount", all.stream().filter(h -> HostRecords.isDown(h.state(), now, downAfter))
        .count());
    pages.render(ctx, "dashboard-deployment", m);
  }

  private void host(Context ctx) {
    Groups.Group g = readableGroup(ctx);
    String id = ctx.pathParam("hostId");
    HostRecords.Host h = hosts.get(g.id(), id);
    if (h == null) {
      throw ApiException.notFound("HOST_NOT_FOUND", "There is no host with id " + id
          + " in the group " + g.name() + ". It may have been removed; see the deployment list.");
    }
    HostRecords.State s = h.state();
    Map<String, Object> row = row(h, clock.millis());
    Map<String, Object> m = model(g, row.get("hostPort") + " · " + g.name());
    m.put("host", row);
    if (s.clusterName() != null) {
      m.put("shardedId", Clusters.shardedId(g.id(), s));
    }
    List<Chart> shown = new ArrayList<>(HOST_CHARTS);
    if (s.replicaSetName() != null) {
      shown.add(LAG);
      shown.add(OPLOG);
    }
    List<Map<String, Object>> charts = new ArrayList<>();
    for (Chart c : shown) {
      charts.add(chart(c.id(), c.title(), c.series().stream().map(p -> series(h, p[0], p[1]))
          .toList()));
    }
    m.put("charts", charts);
    putRange(ctx, m);
    pages.render(ctx, "dashboard-host", m);
  }

  private void cluster(Context ctx) {
    Groups.Group g = readableGroup(ctx);
    String id = ctx.pathParam("clusterId");
    List<HostRecords.Host> all = hosts.list(g.id());
    List<Clusters.Cluster> clusters = Clusters.of(g.id(), all);
    Clusters.Cluster c = clusters.stream().filter(x -> x.id().equals(id)).findFirst()
        .orElseThrow(() -> ApiException.notFound("CLUSTER_NOT_FOUND", "There is no cluster with"
            + " id " + id + " in the group " + g.name() + "; see the deployment list."));
    long now = clock.millis();
    if (c.typeName().equals("SHARDED_REPLICA_SET")) {
      Map<String, Object> m = model(g, c.clusterName() + " · " + g.name());
      m.put("cluster", shardedModel(c, clusters, all, now));
      pages.render(ctx, "dashboard-sharded", m);
      return;
    }
    Map<String, Object> rs = replicaSetModel(c, all, now);
    Map<String, Object> m = model(g, c.replicaSetName() + " · " + g.name());
    m.put("cluster", rs);
    clusters.stream().filter(x -> x.id().equals(c.parentId())).findFirst()
        .ifPresent(p -> m.put("parentName", p.clusterName()));
    List<HostRecords.Host> members = members(c, all);
    putOplogWindow(m, members, now);
    List<Map<String, Object>> lagSeries = new ArrayList<>();
    List<Map<String, Object>> oplogSeries = new ArrayList<>();
    for (HostRecords.Host h : members) {
      String role = h.state().role();
      String label = h.state().hostname() + ":" + h.state().port();
      if (!"PRIMARY".equals(role) && !"ARBITER".equals(role)) {
        lagSeries.add(series(h, "OPLOG_SLAVE_LAG_MASTER_TIME", label));
      }
      if (!"ARBITER".equals(role)) {
        oplogSeries.add(series(h, "OPLOG_MASTER_TIME", label));
      }
    }
    m.put("lagChart", lagSeries.isEmpty() ? null : chart(LAG.id(), LAG.title(), lagSeries));
    m.put("oplogChart", oplogSeries.isEmpty() ? null
        : chart(OPLOG.id(), OPLOG.title(), oplogSeries));
    putRange(ctx, m);
    pages.render(ctx, "dashboard-replicaset", m);
  }

  /** The newest oplog window: the primary's, else the largest any member reported. */
  private void putOplogWindow(Map<String, Object> m, List<HostRecords.Host> members, long now) {
    Double best = null;
    String from = null;
    for (HostRecords.Host h : members) {
      Double w = measurements.latest(h.id()).get("OPLOG_MASTER_TIME");
      boolean primary = "PRIMARY".equals(h.state().role()) && !isDown(h, now);
      if (w != null && (primary || best == null || w > best)) {
        best = w;
        from = h.state().hostname() + ":" + h.state().port();
        if (primary) {
          break;
        }
      }
    }
    m.put("oplogWindow", best == null ? null : String.format(java.util.Locale.ROOT, "%.1f", best));
    m.put("oplogWindowFrom", from);
  }

  private static List<HostRecords.Host> members(Clusters.Cluster c, List<HostRecords.Host> all) {
    return all.stream().filter(h -> c.hostIds().contains(h.id())).toList();
  }

  private Map<String, Object> replicaSetModel(Clusters.Cluster c, List<HostRecords.Host> all,
      long now) {
    List<Map<String, Object>> rows = new ArrayList<>();
    String primary = null;
    int down = 0;
    for (HostRecords.Host h : members(c, all)) {
      Map<String, Object> r = row(h, now);
      rows.add(r);
      if (Boolean.TRUE.equals(r.get("down"))) {
        down++;
      } else if ("PRIMARY".equals(h.state().role())) {
        primary = (String) r.get("hostPort");
      }
    }
    Map<String, Object> m = new HashMap<>();
    m.put("id", c.id());
    m.put("name", c.replicaSetName());
    m.put("shardName", c.shardName());
    m.put("parentId", c.parentId());
    m.put("configServer", c.typeName().equals("CONFIG_SERVER_REPLICA_SET"));
    m.put("hosts", rows);
    m.put("primary", primary);
    m.put("down", down);
    return m;
  }

  private Map<String, Object> shardedModel(Clusters.Cluster sc, List<Clusters.Cluster> clusters,
      List<HostRecords.Host> all, long now) {
    List<Map<String, Object>> shards = new ArrayList<>();
    Map<String, Object> config = null;
    for (Clusters.Cluster c : clusters) {
      if (sc.id().equals(c.parentId())) {
        Map<String, Object> rs = replicaSetModel(c, all, now);
        if (c.typeName().equals("CONFIG_SERVER_REPLICA_SET")) {
          config = rs;
        } else {
          shards.add(rs);
        }
      }
    }
    List<Map<String, Object>> mongos = new ArrayList<>();
    for (HostRecords.Host h : members(sc, all)) {
      if (h.state().replicaSetName() == null) {
        mongos.add(row(h, now));
      }
    }
    Map<String, Object> m = new HashMap<>();
    m.put("id", sc.id());
    m.put("name", sc.clusterName());
    m.put("shards", shards);
    m.put("config", config);
    m.put("mongos", mongos);
    return m;
  }

  private boolean isDown(HostRecords.Host h, long now) {
    return HostRecords.isDown(h.state(), now, downAfter);
  }

  /** One host as the tables show it. */
  private Map<String, Object> row(HostRecords.Host h, long now) {
    HostRecords.State s = h.state();
    boolean down = isDown(h, now);
    String state = s.role() != null ? s.role() : Objects.requireNonNullElse(s.typeName(),
        "NO_DATA");
    Map<String, Object> r = new HashMap<>();
    r.put("id", h.id());
    r.put("hostPort", s.hostname() + ":" + s.port());
    r.put("state", state);
    r.put("badge", down ? "down" : HEALTHY.contains(state) ? "up" : "warn");
    r.put("typeName", s.typeName());
    r.put("version", s.version());
    r.put("down", down);
    r.put("problem", !down ? null : s.down() ? "Unreachable: " + s.error()
        : "No sample from the monitoring agent for " + ago(s.lastSampleTs(), now, false));
    r.put("lastPingAgo", s.lastPing() == 0 ? "never" : ago(s.lastPing(), now, true));
    r.put("lastPingIso", Links.iso(s.lastPing()));
    r.put("replicaSetId", Clusters.replicaSetId(h.groupId(), s));
    r.put("replicaSetName", s.replicaSetName());
    r.put("shardName", s.shardName());
    r.put("clusterName", s.clusterName());
    return r;
  }

  /** {@code "12 s ago"}, {@code "5 min ago"}, {@code "3 h ago"}, {@code "2 d ago"}. */
  static String ago(long then, long now, boolean suffix) {
    long s = Math.max(0, (now - then) / 1000);
    String t = s < 60 ? s + " s" : s < 3600 ? s / 60 + " min" : s < 172_800 ? s / 3600 + " h"
        : s / 86_400 + " d";
    return suffix ? t + " ago" : t;
  }

  private static Map<String, Object> series(HostRecords.Host h, String metric, String label) {
    return Map.of("host", h.id(), "metric", metric, "label", label);
  }

  private static Map<String, Object> chart(String id, String title,
      List<Map<String, Object>> series) {
    String units = Metric.valueOf((String) series.get(0).get("metric")).units();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("id", id);
    c.put("title", title);
    c.put("units", units);
    c.put("unitLabel", unitLabel(units));
    try {
      c.put("series", Json.mapper().writeValueAsString(series));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return c;
  }

  private static String unitLabel(String units) {
    return switch (units) {
      case "SCALAR_PER_SECOND" -> "per second";
      case "BYTES_PER_SECOND" -> "bytes per second";
      case "MEGABYTES", "BYTES" -> "bytes";
      case "SECONDS" -> "seconds";
      case "HOURS" -> "hours";
      default -> "count";
    };
  }

  private static void putRange(Context ctx, Map<String, Object> m) {
    Range current = Range.parse(ctx.queryParam("range"));
    List<Map<String, Object>> ranges = new ArrayList<>();
    for (Range r : Range.values()) {
      ranges.add(Map.of("key", r.key, "label", r.label, "current", r == current));
    }
    m.put("ranges", ranges);
    m.put("range", Map.of("key", current.key, "label", current.label, "period",
        current.span.toString(), "spanMs", current.span.toMillis(), "granularity",
        current.granularity));
  }
}
