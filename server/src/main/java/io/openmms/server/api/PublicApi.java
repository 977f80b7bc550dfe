package io.openmms.server.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.monitoring.Metric;
import io.openmms.server.auth.DigestAuth;
import io.openmms.server.auth.Principal;
import io.openmms.server.auth.Secrets;
import io.openmms.server.auth.Sessions;
import io.openmms.server.store.Users;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Links;
import io.openmms.server.monitoring.Clusters;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.monitoring.Measurements;
import io.openmms.server.store.Groups;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The public REST API under {@code /api/public/v1.0} (SPEC §7), with Ops Manager's resource names
 * and JSON shapes: groups, hosts, host measurements and clusters. Every request is authenticated
 * with a programmatic API key ({@link DigestAuth}); a key sees only the groups it has a role in.
 */
public final class PublicApi {
  public static final String BASE = "/api/public/v1.0";
  /** The request attribute holding the authenticated {@link Principal} (see KeysApi). */
  static final String PRINCIPAL = "openmms.principal";

  private final Groups groups;
  private final HostRecords hosts;
  private final Measurements measurements;
  private final DigestAuth auth;
  private final Sessions sessions;
  private final Users users;
  private final Clock clock;
  private final Duration downAfter;

  public PublicApi(Groups groups, HostRecords hosts, Measurements measurements, DigestAuth auth,
      Sessions sessions, Users users, Clock clock, Duration downAfter) {
    this.groups = groups;
    this.hosts = hosts;
    this.measurements = measurements;
    this.auth = auth;
    this.sessions = sessions;
    this.users = users;
    this.clock = clock;
    this.downAfter = downAfter;
  }

  public void register(JavalinConfig config) {
    var r = config.routes;
    r.before(BASE + "/*", this::authenticate);
    r.get(BASE + "/groups", this::listGroups);
    r.get(BASE + "/groups/{groupId}", ctx -> ctx.json(groupJson(group(ctx))));
    r.get(BASE + "/groups/{groupId}/hosts", this::listHosts);
    r.get(BASE + "/groups/{groupId}/hosts/{hostId}", ctx -> ctx.json(hostJson(host(ctx))));
    r.get(BASE + "/groups/{groupId}/hosts/{hostId}/measurements", this::measurements);
    r.get(BASE + "/groups/{groupId}/clusters", this::listClusters);
    r.get(BASE + "/groups/{groupId}/clusters/{clusterId}", this::getCluster);
  }

  private void authenticate(Context ctx) {
    String query = ctx.queryString();
    String uri = ctx.req().getRequestURI() + (query == null ? "" : "?" + query);
    Principal p = ctx.header("Authorization") == null ? fromSession(ctx)
        : auth.authenticate(ctx.header("Authorization"), ctx.method().name(), uri);
    if (p == null) {
      for (String challenge : auth.challenges()) {
        ctx.res().addHeader("WWW-Authenticate", challenge);
      }
      throw new ApiException(401, "UNAUTHORIZED", ctx.header("Authorization") == null
          ? "This resource requires an API key: use HTTP Digest with your public and private key"
          : "The API key is wrong or was revoked");
    }
    ctx.attribute(PRINCIPAL, p);
  }

  /**
   * The signed-in user of the web pages, so that their scripts can read the API with the session
   * cookie. A state-changing call made this way must carry the session's CSRF token in
   * {@code X-CSRF-Token}.
   */
  private Principal fromSession(Context ctx) {
    Sessions.Session s = sessions.find(ctx.cookie("openmms_session"));
    Users.User u = s == null ? null : users.get(s.userId());
    if (u == null) {
      return null;
    }
    String m = ctx.method().name();
    if (!m.equals("GET") && !m.equals("HEAD")
        && !Secrets.equal(ctx.header("X-CSRF-Token"), s.csrf())) {
      throw new ApiException(403, "CSRF_TOKEN_INVALID",
          "A call with the session cookie must send the page's X-CSRF-Token");
    }
    return u.principal();
  }

  private Principal principal(Context ctx) {
    return ctx.attribute(PRINCIPAL);
  }

  private Groups.Group group(Context ctx) {
    String id = ctx.pathParam("groupId");
    Groups.Group g = groups.get(id);
    if (g == null) {
      throw ApiException.notFound("GROUP_NOT_FOUND", "No group with id " + id + " exists");
    }
    if (!principal(ctx).canRead(id)) {
      throw new ApiException(403, "USER_CANNOT_ACCESS_GROUP",
          "This API key has no role in group " + id);
    }
    return g;
  }

  private HostRecords.Host host(Context ctx) {
    Groups.Group g = group(ctx);
    String id = ctx.pathParam("hostId");
    HostRecords.Host h = hosts.get(g.id(), id);
    if (h == null) {
      throw ApiException.notFound("HOST_NOT_FOUND", "No host with id " + id + " in group " + g.id());
    }
    return h;
  }

  private void listGroups(Context ctx) {
    Principal p = principal(ctx);
    List<Object> visible = new ArrayList<>();
    for (Groups.Group g : groups.list()) {
      if (p.canRead(g.id())) {
        visible.add(groupJson(g));
      }
    }
    ctx.json(page(ctx, BASE + "/groups", visible));
  }

  private Map<String, Object> groupJson(Groups.Group g) {
    List<HostRecords.Host> hs = hosts.list(g.id());
    Map<String, Object> counts = new LinkedHashMap<>();
    for (String t : new String[] {"arbiter", "config", "primary", "secondary", "mongos",
        "master", "slave"}) {
      counts.put(t, 0);
    }
    for (HostRecords.Host h : hs) {
      String key = switch (h.state().typeName() == null ? "" : h.state().typeName()) {
        case "ARBITER" -> "arbiter";
        case "SHARD_CONFIG" -> "config";
        case "REPLICA_PRIMARY", "SHARD_PRIMARY" -> "primary";
        case "REPLICA_SECONDARY", "SHARD_SECONDARY" -> "secondary";
        case "SHARD_MONGOS" -> "mongos";
        default -> null;
      };
      if (key != null) {
        counts.merge(key, 1, (a, b) -> (Integer) a + (Integer) b);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", g.id());
    out.put("name", g.name());
    out.put("hostCounts", counts);
    out.put("publicApiEnabled", true);
    out.put("created", Links.iso(g.created().toInstant()));
    out.put("links", Links.self(BASE + "/groups/" + g.id()));
    return out;
  }

  private void listHosts(Context ctx) {
    Groups.Group g = group(ctx);
    List<Object> out = new ArrayList<>();
    for (HostRecords.Host h : hosts.list(g.id())) {
      out.add(hostJson(h));
    }
    ctx.json(page(ctx, BASE + "/groups/" + g.id() + "/hosts", out));
  }

  private Map<String, Object> hostJson(HostRecords.Host h) {
    HostRecords.State s = h.state();
    boolean stale = !s.down() && HostRecords.isDown(s, clock.millis(), downAfter);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", h.id());
    out.put("groupId", h.groupId());
    out.put("hostname", s.hostname());
    out.put("port", s.port());
    out.put("typeName", s.typeName());
    out.put("replicaSetName", s.replicaSetName());
    out.put("replicaStateName", s.role() != null && !s.role().equals("MONGOS")
        && !s.role().equals("STANDALONE") ? s.role() : null);
    out.put("shardName", s.shardName());
    out.put("clusterId", s.replicaSetName() != null ? Clusters.replicaSetId(h.groupId(), s)
        : Clusters.shardedId(h.groupId(), s));
    out.put("parentClusterId", Clusters.shardedId(h.groupId(), s));
    out.put("version", s.version());
    out.put("created", Links.iso(s.created()));
    out.put("lastPing", Links.iso(s.lastPing()));
    out.put("lastRestart", Links.iso(s.lastRestart()));
    out.put("down", s.down() || stale);
    out.put("lastError", s.down() ? s.error()
        : stale ? "No sample from the monitoring agent since " + Links.iso(s.lastSampleTs()) : null);
    out.put("deactivated", false);
    out.put("hostEnabled", true);
    out.put("alertsEnabled", true);
    out.put("links", Links.self(BASE + "/groups/" + h.groupId() + "/hosts/" + h.id()));
    return out;
  }

  private void measurements(Context ctx) {
    HostRecords.Host h = host(ctx);
    String gran = ctx.queryParam("granularity");
    Measurements.Granularity g;
    try {
      g = Measurements.Granularity.valueOf(gran == null ? "" : gran);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("INVALID_GRANULARITY", "granularity must be one of PT1M,"
          + " PT5M, PT1H, P1D; was " + (gran == null ? "missing" : "'" + gran + "'"));
    }
    Instant[] range = range(ctx);
    Set<String> names = new LinkedHashSet<>(ctx.queryParams("m"));
    if (names.isEmpty()) {
      for (Metric m : Metric.values()) {
        names.add(m.name());
      }
    }
    for (String n : names) {
      if (Metric.byName(n) == null) {
        throw ApiException.badRequest("INVALID_METRIC_NAME", "Unknown measurement '" + n + "'");
      }
    }
    var series = measurements.query(h.id(), g, range[0], range[1], names);
    List<Object> ms = new ArrayList<>();
    for (String n : names) {
      List<Object> points = new ArrayList<>();
      for (Measurements.DataPoint p : series.get(n)) {
        points.add(Map.of("timestamp", Links.iso(p.timestamp()), "value", p.value()));
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", n);
      m.put("units", Metric.valueOf(n).units());
      m.put("dataPoints", points);
      ms.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("groupId", h.groupId());
    out.put("hostId", h.id());
    out.put("processId", h.state().hostname() + ":" + h.state().port());
    out.put("granularity", g.name());
    out.put("start", Links.iso(range[0]));
    out.put("end", Links.iso(range[1]));
    out.put("measurements", ms);
    out.put("links", Links.self(BASE + "/groups/" + h.groupId() + "/hosts/" + h.id()
        + "/measurements"));
    ctx.json(out);
  }

  private Instant[] range(Context ctx) {
    String period = ctx.queryParam("period");
    String start = ctx.queryParam("start");
    String end = ctx.queryParam("end");
    Instant now = clock.instant();
    try {
      if (period != null) {
        if (start != null || end != null) {
          throw ApiException.badRequest("INVALID_QUERY_PARAMETER",
              "Give either period or start and end, not both");
        }
        Duration d = Duration.parse(period);
        if (d.isNegative() || d.isZero()) {
          throw ApiException.badRequest("INVALID_PERIOD", "period must be positive: " + period);
        }
        return new Instant[] {now.minus(d), now};
      }
      if (start != null && end != null) {
        Instant s = Instant.parse(start);
        Instant e = Instant.parse(end);
        if (!e.isAfter(s)) {
          throw ApiException.badRequest("INVALID_QUERY_PARAMETER", "end must be after start");
        }
        return new Instant[] {s, e};
      }
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest("INVALID_QUERY_PARAMETER", "Cannot parse '"
          + e.getParsedString() + "': period is an ISO-8601 duration such as PT1H, start and end"
          + " ISO-8601 times such as 2026-11-21T10:00:00Z");
    }
    throw ApiException.badRequest("INVALID_QUERY_PARAMETER",
        "Give period (for example PT1H) or both start and end");
  }

  private void listClusters(Context ctx) {
    Groups.Group g = group(ctx);
    List<Object> out = new ArrayList<>();
    for (Clusters.Cluster c : Clusters.of(g.id(), hosts.list(g.id()))) {
      out.add(clusterJson(c));
    }
    ctx.json(page(ctx, BASE + "/groups/" + g.id() + "/clusters", out));
  }

  private void getCluster(Context ctx) {
    Groups.Group g = group(ctx);
    String id = ctx.pathParam("clusterId");
    for (Clusters.Cluster c : Clusters.of(g.id(), hosts.list(g.id()))) {
      if (c.id().equals(id)) {
        ctx.json(clusterJson(c));
        return;
      }
    }
    throw ApiException.notFound("CLUSTER_NOT_FOUND", "No cluster with id " + id + " in group "
        + g.id());
  }

  private static Map<String, Object> clusterJson(Clusters.Cluster c) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", c.id());
    out.put("groupId", c.groupId());
    out.put("clusterName", c.clusterName());
    out.put("typeName", c.typeName());
    out.put("replicaSetName", c.replicaSetName());
    out.put("shardName", c.shardName());
    out.put("parentClusterId", c.parentId());
    out.put("lastHeartbeat", Links.iso(c.lastHeartbeat()));
    out.put("links", Links.self(BASE + "/groups/" + c.groupId() + "/clusters/" + c.id()));
    return out;
  }

  private static Map<String, Object> page(Context ctx, String href, List<?> all) {
    int pageNum = intParam(ctx, "pageNum", 1, 1, Integer.MAX_VALUE);
    int items = intParam(ctx, "itemsPerPage", 100, 1, 500);
    return Links.page(href, all, pageNum, items);
  }

  private static int intParam(Context ctx, String name, int def, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return def;
    }
    try {
      int i = Integer.parseInt(v);
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw ApiException.badRequest("INVALID_QUERY_PARAMETER", name + " must be an integer between "
        + min + " and " + max + ", was '" + v + "'");
  }
}
