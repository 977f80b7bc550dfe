package io.openmms.server.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.server.auth.Role;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Links;
import io.openmms.server.store.Groups;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonTimestamp;

/**
 * A replica set's snapshots in Ops Manager's shape (docs/snapshots.md, "API"):
 * {@code GET groups/{id}/clusters/{clusterId}/snapshots} (newest first), {@code GET} and
 * {@code DELETE .../snapshots/{snapshotId}}, and {@code POST .../snapshots} to ask the backup
 * daemon for a snapshot now (answered 202; the snapshot appears in the list when written).
 * A snapshot has {@code id}, {@code created} ({@code {"date", "increment"}}: the oplog timestamp
 * it stands at), {@code complete} (always true: only complete snapshots are listed),
 * {@code logicalSizeBytes}, {@code newStoredBytes}, {@code expires}, {@code frequencies} and the
 * per-collection counts. Deleting a snapshot removes its manifest; the groom reclaims its blocks.
 */
public final class SnapshotsApi {
  private final Groups groups;
  private final Backups backups;
  private final Snapshots snapshots;
  private final Clock clock;

  public SnapshotsApi(Groups groups, Backups backups, Snapshots snapshots, Clock clock) {
    this.groups = groups;
    this.backups = backups;
    this.snapshots = snapshots;
    this.clock = clock;
  }

  public void register(JavalinConfig config) {
    String base = PublicApi.BASE + "/groups/{groupId}/clusters/{clusterId}/snapshots";
    config.routes.get(base, this::list);
    config.routes.post(base, this::request);
    config.routes.get(base + "/{snapshotId}", ctx -> {
      Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
      ctx.json(json(find(g, ctx)));
    });
    config.routes.delete(base + "/{snapshotId}", ctx -> {
      Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.MANAGE_BACKUP,
          "deleting snapshots");
      Snapshots.Snapshot s = find(g, ctx);
      snapshots.delete(s.id());
      ctx.status(204);
    });
  }

  private void list(Context ctx) {
    Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
    Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
    List<Object> out = new ArrayList<>();
    for (Snapshots.Snapshot s : snapshots.list(b.id())) {
      out.add(json(s));
    }
    ctx.json(Links.page(href(g.id(), b.id()), out, 1, Math.max(1, out.size())));
  }

  private void request(Context ctx) {
    Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.MANAGE_BACKUP,
        "taking snapshots");
    Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
    if (b.state() == Backups.State.STOPPED) {
      throw new ApiException(409, "BACKUP_NOT_STARTED", "The backup of cluster " + b.id()
          + " is stopped; start it (PATCH backupConfigs statusName STARTED) to take snapshots");
    }
    var now = clock.instant();
    snapshots.request(b.id(), now);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("clusterId", b.id());
    out.put("groupId", g.id());
    out.put("statusName", "REQUESTED");
    out.put("requested", Links.iso(now));
    out.put("detail", "The backup daemon takes the snapshot as soon as the head is up to date;"
        + " it then appears in the list.");
    out.put("links", Links.self(href(g.id(), b.id())));
    ctx.status(202).json(out);
  }

  private Backups.Backup backup(Groups.Group g, String clusterId) {
    Backups.Backup b = backups.get(clusterId);
    if (b == null || !g.id().equals(b.groupId())) {
      throw ApiException.notFound("CLUSTER_NOT_FOUND", "No backed-up replica set with cluster id "
          + clusterId + " in group " + g.id() + " (start its backup with PATCH backupConfigs;"
          + " a sharded cluster's snapshots are listed per shard and config server)");
    }
    return b;
  }

  private Snapshots.Snapshot find(Groups.Group g, Context ctx) {
    Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
    String id = ctx.pathParam("snapshotId");
    return snapshots.get(id).filter(s -> s.backupId().equals(b.id()))
        .orElseThrow(() -> ApiException.notFound("SNAPSHOT_NOT_FOUND", "No snapshot " + id
            + " of cluster " + b.id()));
  }

  private static String href(String groupId, String clusterId) {
    return PublicApi.BASE + "/groups/" + groupId + "/clusters/" + clusterId + "/snapshots";
  }

  static Map<String, Object> timestamp(BsonTimestamp ts) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", Links.iso(ts.getTime() * 1000L));
    out.put("increment", ts.getInc());
    return out;
  }

  static Map<String, Object> json(Snapshots.Snapshot s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", s.id());
    out.put("groupId", s.groupId());
    out.put("clusterId", s.backupId());
    out.put("created", timestamp(s.ts()));
    out.put("complete", true);
    out.put("logicalSizeBytes", s.logicalSizeBytes());
    out.put("newStoredBytes", s.newStoredBytes());
    out.put("expires", Links.iso(s.expires()));
    out.put("frequencies", List.copyOf(s.tiers()));
    out.put("onDemand", s.onDemand());
    out.put("takenAt", Links.iso(s.taken()));
    out.put("tookMillis", s.took().toMillis());
    out.put("blockstore", s.store());
    out.put("blockCount", s.blockCount());
    List<Object> colls = new ArrayList<>();
    for (Snapshots.Collection c : s.collections()) {
      Map<String, Object> cj = new LinkedHashMap<>();
      cj.put("ns", c.ns());
      cj.put("count", c.count());
      cj.put("bytes", c.bytes());
      if (c.sha256() != null) { // a patched collection has none (docs/snapshot-format.md)
        cj.put("sha256", c.sha256());
      }
      cj.put("patched", c.patched());
      colls.add(cj);
    }
    out.put("collections", colls);
    out.put("links", Links.self(href(s.groupId(), s.backupId()) + "/" + s.id()));
    return out;
  }
}
