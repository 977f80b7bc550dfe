package io.openmms.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.util.Json;
import io.openmms.server.auth.Role;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.SnapshotSchedule;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Links;
import io.openmms.server.monitoring.Clusters;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import io.openmms.server.store.Groups;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.bson.BsonTimestamp;
import org.bson.Document;

/**
 * Backup configuration in Ops Manager's shape: {@code GET groups/{id}/backupConfigs},
 * {@code GET/PATCH groups/{id}/backupConfigs/{clusterId}} with {@code statusName} STARTED,
 * STOPPED or TERMINATING. A configuration belongs to a replica set or a sharded cluster; starting
 * a sharded cluster backs up each of its shards and its config servers.
 *
 * <p>{@code GET groups/{id}/backupConfigs/{clusterId}/head} shows the backup daemon's head of
 * each replica set as the daemon reports it in the {@code heads} collection: {@code state}
 * (INITIAL_SYNC, STEADY, RESYNC_REQUIRED, or NO_HEAD before any daemon reported),
 * {@code lastAppliedTs}, {@code lagSeconds} (the newest oplog time the service received minus
 * the last applied one), {@code sizeBytes}, {@code daemon}, {@code replicaSetName} and
 * {@code snapshotFailure} (the failing snapshot attempts since the last success, if any). A replica
 * set answers one such object; a sharded cluster a list envelope with one per shard and for the
 * config servers.
 */
public final class BackupConfigApi {
  private static final Set<String> STATUSES = Set.of("STARTED", "STOPPED", "TERMINATING");
  private final Groups groups;
  private final HostRecords hosts;
  private final Backups backups;
  private final MongoCollection<Document> heads;
  private final io.openmms.server.backup.BackupData data;
  private final io.openmms.server.backup.Snapshots snapshots;
  private final io.openmms.server.backup.Daemons daemons;
  private volatile Consumer<String> scheduleChanged = clusterId -> {};

  public BackupConfigApi(Groups groups, HostRecords hosts, Backups backups, AppDatabase db,
      io.openmms.server.backup.Daemons daemons) {
    this.groups = groups;
    this.hosts = hosts;
    this.backups = backups;
    this.heads = db.collection(Collections.HEADS);
    this.data = new io.openmms.server.backup.BackupData(db);
    this.snapshots = new io.openmms.server.backup.Snapshots(db);
    this.daemons = daemons;
  }

  public void register(JavalinConfig config) {
    String base = PublicApi.BASE + "/groups/{groupId}/backupConfigs";
    config.routes.get(base, this::list);
    config.routes.get(base + "/{clusterId}", ctx -> {
      Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
      ctx.json(json(g.id(), cluster(g.id(), ctx.pathParam("clusterId"))));
    });
    config.routes.patch(base + "/{clusterId}", this::patch);
    config.routes.get(base + "/{clusterId}/head", this::head);
    config.routes.get(base + "/{clusterId}/snapshotSchedule", ctx -> {
      Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
      Clusters.Cluster c = cluster(g.id(), ctx.pathParam("clusterId"));
      ctx.json(scheduleJson(g.id(), c.id(), backups.schedule(c.id())));
    });
    config.routes.patch(base + "/{clusterId}/snapshotSchedule", this::patchSchedule);
  }

  /**
   * Sets what runs, with the cluster id, after a PATCH of a snapshot schedule changed a retention
   * value (so stored snapshots' expirations are recomputed). It runs on the request thread after
   * the schedule is stored. The default does nothing.
   */
  public void onScheduleChanged(Consumer<String> hook) {
    this.scheduleChanged = hook;
  }

  /**
   * {@code PATCH .../snapshotSchedule}: any of {@link SnapshotSchedule#FIELDS}; {@code groupId}
   * and {@code clusterId} may be sent back as read and {@code links} is ignored. A bad request
   * changes nothing.
   */
  private void patchSchedule(Context ctx) {
    Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.MANAGE_BACKUP,
        "changing the snapshot schedule");
    Clusters.Cluster c = cluster(g.id(), ctx.pathParam("clusterId"));
    Map<String, Number> changes = scheduleChanges(ctx, g.id(), c.id());
    SnapshotSchedule before = backups.schedule(c.id());
    SnapshotSchedule after;
    try {
      after = before.with(changes);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("INVALID_SNAPSHOT_SCHEDULE", e.getMessage());
    }
    backups.setSchedule(c.id(), after);
    if (!after.sameRetentionAs(before)) {
      scheduleChanged.accept(c.id());
    }
    ctx.json(scheduleJson(g.id(), c.id(), after));
  }

  private static Map<String, Number> scheduleChanges(Context ctx, String groupId,
      String clusterId) {
    JsonNode body;
    try {
      body = Json.mapper().readTree(ctx.bodyAsBytes());
    } catch (IOException e) {
      throw ApiException.badRequest("INVALID_JSON", "The body is not JSON: " + e.getMessage());
    }
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("INVALID_JSON", "The body must be a JSON object");
    }
    Map<String, Number> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : body.properties()) {
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals("links")) {
        continue;
      }
      if (name.equals("groupId") || name.equals("clusterId")) {
        String path = name.equals("groupId") ? groupId : clusterId;
        if (!v.asText().equals(path)) {
          throw ApiException.badRequest("INVALID_ATTRIBUTE", name + " must be the one in the "
              + "path, " + path + ", or absent; was " + v);
        }
        continue;
      }
      if (!SnapshotSchedule.FIELDS.contains(name)) {
        throw ApiException.badRequest("INVALID_ATTRIBUTE", "A snapshot schedule has no attribute "
            + name + "; it has " + String.join(", ", SnapshotSchedule.FIELDS));
      }
      if (!v.isNumber()) {
        throw ApiException.badRequest("INVALID_SNAPSHOT_SCHEDULE", name + " must be a number; was "
            + v);
      }
      out.put(name, v.numberValue());
    }
    return out;
  }

  private static Map<String, Object> scheduleJson(String groupId, String clusterId,
      SnapshotSchedule s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("groupId", groupId);
    out.put("clusterId", clusterId);
    out.putAll(s.fields());
    out.put("links", Links.self(PublicApi.BASE + "/groups/" + groupId + "/backupConfigs/"
        + clusterId + "/snapshotSchedule"));
    return out;
  }

  private void head(Context ctx) {
    Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
    Clusters.Cluster c = cluster(g.id(), ctx.pathParam("clusterId"));
    List<Object> out = new ArrayList<>();
    for (Backups.Member m : members(g.id(), c)) {
      out.add(headJson(m));
    }
    if (c.typeName().equals("REPLICA_SET")) {
      ctx.json(out.get(0));
    } else {
      ctx.json(Links.page(PublicApi.BASE + "/groups/" + g.id() + "/backupConfigs/" + c.id()
          + "/head", out, 1, 500));
    }
  }

  private Map<String, Object> headJson(Backups.Member m) {
    Backups.Backup b = backups.get(m.clusterId());
    Document h = heads.find(Filters.eq("_id", m.clusterId())).first();
    BsonTimestamp applied = h == null ? null : h.get("lastAppliedTs", BsonTimestamp.class);
    BsonTimestamp received = b == null ? null : b.lastTs();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("clusterId", m.clusterId());
    out.put("replicaSetName", m.replicaSetName());
    out.put("state", h == null ? "NO_HEAD" : h.getString("state"));
    out.put("lastAppliedTs", applied == null ? null
        : Map.of("time", applied.getTime(), "inc", applied.getInc()));
    out.put("lagSeconds", applied == null || received == null ? null
        : Math.max(0, (long) received.getTime() - applied.getTime()));
    out.put("sizeBytes", h == null ? null : ((Number) h.get("sizeBytes")).longValue());
    out.put("daemon", h == null ? null : h.getString("daemonId"));
    out.put("reason", h == null ? null : h.getString("reason"));
    out.put("updated", h == null || h.getDate("updated") == null ? null
        : Links.iso(h.getDate("updated").toInstant()));
    out.put("snapshotFailure", snapshots.failure(m.clusterId()).map(f -> {
      Map<String, Object> failure = new LinkedHashMap<>();
      failure.put("message", f.message());
      failure.put("at", Links.iso(f.at()));
      failure.put("retryAt", Links.iso(f.retryAt()));
      failure.put("attempts", f.attempts());
      return failure;
    }).orElse(null));
    return out;
  }

  /** Clusters a backup can be configured for: replica sets outside a sharded cluster, and sharded clusters. */
  private List<Clusters.Cluster> configurable(String groupId) {
    List<Clusters.Cluster> out = new ArrayList<>();
    for (Clusters.Cluster c : Clusters.of(groupId, hosts.list(groupId))) {
      if (c.parentId() == null && !c.typeName().equals("CONFIG_SERVER_REPLICA_SET")) {
        out.add(c);
      }
    }
    return out;
  }

  private Clusters.Cluster cluster(String groupId, String clusterId) {
    for (Clusters.Cluster c : configurable(groupId)) {
      if (c.id().equals(clusterId)) {
        return c;
      }
    }
    throw ApiException.notFound("CLUSTER_NOT_FOUND", "No replica set or sharded cluster with id "
        + clusterId + " in group " + groupId + " (shards are configured through their cluster)");
  }

  private void list(Context ctx) {
    Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
    List<Object> out = new ArrayList<>();
    for (Clusters.Cluster c : configurable(g.id())) {
      out.add(json(g.id(), c));
    }
    ctx.json(Links.page(PublicApi.BASE + "/groups/" + g.id() + "/backupConfigs", out, 1, 500));
  }

  private void patch(Context ctx) {
    Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.MANAGE_BACKUP,
        "starting or stopping backups");
    Clusters.Cluster c = cluster(g.id(), ctx.pathParam("clusterId"));
    String status;
    JsonNode window;
    JsonNode store;
    try {
      JsonNode body = Json.mapper().readTree(ctx.bodyAsBytes());
      status = body == null ? null : body.path("statusName").asText(null);
      window = body == null ? null : body.get("pitWindowHours");
      store = body == null ? null : body.get("blockstoreName");
    } catch (IOException e) {
      throw ApiException.badRequest("INVALID_JSON", "The body is not JSON: " + e.getMessage());
    }
    if (window != null && (!window.canConvertToInt() || window.asInt() < 1
        || window.asInt() > 24 * 90)) {
      throw ApiException.badRequest("INVALID_PIT_WINDOW",
          "pitWindowHours must be a whole number of hours from 1 to 2160; was " + window);
    }
    if (store != null) {
      checkStore(store);
    }
    if (status == null && (window != null || store != null)) {
      status = backups.status(c.id());
    }
    if (status == null || !STATUSES.contains(status)) {
      throw ApiException.badRequest("INVALID_BACKUP_STATUS",
          "statusName must be STARTED, STOPPED or TERMINATING; was " + status);
    }
    List<Backups.Member> members = members(g.id(), c);
    backups.setStatus(g.id(), c.id(), status.equals("TERMINATING") ? "STOPPED" : status, members);
    if (window != null) {
      backups.setPitWindowHours(c.id(), window.asInt());
    }
    if (store != null) {
      for (Backups.Member m : members) {
        snapshots.setStore(m.clusterId(), store.asText());
      }
    }
    if (status.equals("TERMINATING")) {
      // terminating deletes the stored copy and the snapshots (the groom reclaims their
      // blocks); a later start begins with a new initial sync
      for (Backups.Member m : members) {
        data.deleteAll(m.clusterId());
        snapshots.deleteAll(m.clusterId());
      }
    }
    ctx.json(json(g.id(), c));
  }

  /** A block store name must be one the running daemons have configured (daemon.blockstores). */
  private void checkStore(JsonNode store) {
    java.util.Set<String> known = daemons.liveBlockstores();
    if (!store.isTextual() || !known.contains(store.asText())) {
      throw ApiException.badRequest("INVALID_BLOCKSTORE", "blockstoreName must name a block"
          + " store the running backup daemons have configured (daemon.blockstores): "
          + (known.isEmpty() ? "no backup daemon is running" : known) + "; was " + store);
    }
  }

  /** The replica sets a cluster's backup covers. */
  private List<Backups.Member> members(String groupId, Clusters.Cluster c) {
    List<Backups.Member> out = new ArrayList<>();
    if (c.typeName().equals("REPLICA_SET")) {
      out.add(new Backups.Member(c.id(), c.replicaSetName(), null));
    } else {
      for (Clusters.Cluster rs : Clusters.of(groupId, hosts.list(groupId))) {
        if (c.id().equals(rs.parentId())) {
          out.add(new Backups.Member(rs.id(), rs.replicaSetName(), c.clusterName()));
        }
      }
    }
    return out;
  }

  private Map<String, Object> json(String groupId, Clusters.Cluster c) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("groupId", groupId);
    out.put("clusterId", c.id());
    out.put("clusterName", c.clusterName());
    out.put("statusName", backups.status(c.id()));
    out.put("pitWindowHours", backups.pitWindowHours(c.id()));
    out.put("blockstoreName", snapshots.assignedStore(c.id()).orElse(null));
    out.put("storageEngineName", "WIRED_TIGER");
    out.put("sslEnabled", false);
    out.put("excludedNamespaces", List.of());
    out.put("links", Links.self(PublicApi.BASE + "/groups/" + groupId + "/backupConfigs/"
        + c.id()));
    return out;
  }
}
