package io.openmms.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.util.Json;
import io.openmms.server.auth.Principal;
import io.openmms.server.auth.Role;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.DownloadRoutes;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.RestoreRequests;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Links;
import io.openmms.server.store.Groups;
import java.io.IOException;
import java.time.Clock;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bson.Document;

/**
 * Restore jobs in Ops Manager's shape (docs/restores.md, "API"):
 * {@code GET/POST groups/{id}/clusters/{clusterId}/restoreJobs}, {@code GET} and {@code DELETE}
 * (kill) {@code .../restoreJobs/{jobId}}. A POST is checked and stored by
 * {@link RestoreRequests}; the daemon does the work; the job shows its phase, progress,
 * verification and, for HTTP, the one-time link (to principals who may manage backups). The
 * backup pages show the jobs in this shape too ({@link #list}).
 */
public final class RestoreJobsApi {
  private final Groups groups;
  private final Backups backups;
  private final RestoreJobs jobs;
  private final RestoreRequests requests;
  private final Clock clock;
  private final Supplier<String> backupUrl;

  public RestoreJobsApi(Groups groups, Backups backups, RestoreJobs jobs,
      RestoreRequests requests, Clock clock, Supplier<String> backupUrl) {
    this.groups = groups;
    this.backups = backups;
    this.jobs = jobs;
    this.requests = requests;
    this.clock = clock;
    this.backupUrl = backupUrl;
  }

  public void register(JavalinConfig config) {
    String base = PublicApi.BASE + "/groups/{groupId}/clusters/{clusterId}/restoreJobs";
    config.routes.get(base, ctx -> {
      Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
      Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
      List<Map<String, Object>> out = list(b, canManage(ctx, g));
      ctx.json(Links.page(href(g.id(), b.id()), out, 1, Math.max(1, out.size())));
    });
    config.routes.post(base, this::create);
    config.routes.get(base + "/{jobId}", ctx -> {
      Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
      ctx.json(json(find(g, ctx), canManage(ctx, g)));
    });
    config.routes.delete(base + "/{jobId}", ctx -> {
      Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.MANAGE_BACKUP,
          "cancelling restores");
      RestoreJobs.Job j = find(g, ctx);
      if (!jobs.requestKill(j.id())) {
        throw new ApiException(409, "RESTORE_JOB_NOT_RUNNING", "Restore job " + j.id()
            + " is " + j.status() + "; only a job IN_PROGRESS can be killed");
      }
      ctx.status(202).json(json(jobs.get(j.id()).orElseThrow(), true));
    });
  }

  private void create(Context ctx) {
    Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.MANAGE_BACKUP,
        "restoring backups");
    Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
    JsonNode body;
    try {
      body = Json.mapper().readTree(ctx.bodyAsBytes());
    } catch (IOException e) {
      throw ApiException.badRequest("INVALID_JSON", "The body is not JSON: " + e.getMessage());
    }
    ctx.status(201).json(json(requests.create(b, body), true));
  }

  private boolean canManage(Context ctx, Groups.Group g) {
    Principal p = ctx.attribute(PublicApi.PRINCIPAL);
    return p != null && p.can(g.id(), Role.Permission.MANAGE_BACKUP);
  }

  private Backups.Backup backup(Groups.Group g, String clusterId) {
    Backups.Backup b = backups.get(clusterId);
    if (b == null || !g.id().equals(b.groupId())) {
      throw ApiException.notFound("CLUSTER_NOT_FOUND", "No backed-up replica set with cluster id "
          + clusterId + " in group " + g.id());
    }
    return b;
  }

  private RestoreJobs.Job find(Groups.Group g, Context ctx) {
    Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
    String id = ctx.pathParam("jobId");
    return jobs.get(id).filter(j -> j.clusterId().equals(b.id())).orElseThrow(() ->
        ApiException.notFound("RESTORE_JOB_NOT_FOUND", "No restore job " + id + " of cluster "
            + b.id()));
  }

  /** The resource's path under the API for a cluster of a group. */
  public static String href(String groupId, String clusterId) {
    return PublicApi.BASE + "/groups/" + groupId + "/clusters/" + clusterId + "/restoreJobs";
  }

  /**
   * A cluster's jobs, newest first, as {@code GET .../restoreJobs} lists them; with the download
   * link only when {@code manage} (the principal may manage the group's backups).
   */
  public List<Map<String, Object>> list(Backups.Backup b, boolean manage) {
    return jobs.list(b.id()).stream().map(j -> json(j, manage)).toList();
  }

  private Map<String, Object> json(RestoreJobs.Job j, boolean manage) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", j.id());
    out.put("groupId", j.groupId());
    out.put("clusterId", j.clusterId());
    out.put("replicaSetName", j.replicaSetName());
    out.put("snapshotId", j.snapshotId());
    out.put("created", Links.iso(j.created()));
    out.put("pointInTime", j.pointInTime());
    if (j.pointInTime()) {
      out.put("pointInTimeUTCMillis", j.pointInTimeUtcMillis());
    }
    out.put("timestamp", SnapshotsApi.timestamp(j.restoredTs()));
    out.put("statusName", j.status().name());
    Map<String, Object> progress = new LinkedHashMap<>();
    progress.put("phase", j.phase().name());
    progress.put("bytesDone", j.bytesDone());
    progress.put("bytesTotal", j.bytesTotal());
    progress.put("percent", j.percent());
    out.put("progress", progress);
    if (j.reason() != null) {
      out.put("reason", j.reason());
    }
    out.put("delivery", deliveryJson(j, manage));
    out.put("verification", j.verification() == null
        ? Map.of("status", j.verificationStatus()) : j.verification());
    if (j.file() != null) {
      Map<String, Object> file = new LinkedHashMap<>();
      file.put("name", j.file().getString("name"));
      file.put("sizeBytes", j.file().get("size"));
      file.put("sha256", j.file().getString("sha256"));
      out.put("file", file);
    }
    if (j.finished() != null) {
      out.put("finished", Links.iso(j.finished()));
    }
    out.put("links", Links.self(href(j.groupId(), j.clusterId()) + "/" + j.id()));
    return out;
  }

  private Map<String, Object> deliveryJson(RestoreJobs.Job j, boolean manage) {
    Document d = j.delivery();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("methodName", d.getString("methodName"));
    switch (j.method()) {
      case HTTP -> {
        out.put("format", d.getString("format"));
        out.put("expirationHours", d.get("expirationHours"));
        out.put("maxDownloads", d.get("maxDownloads"));
        out.put("downloads", d.get("downloads"));
        Date expires = d.getDate("expires");
        out.put("expires", expires == null ? null : Links.iso(expires.toInstant()));
        out.put("statusName", downloadStatus(j));
        boolean usable = "READY".equals(out.get("statusName"));
        out.put("url", manage && usable ? backupUrl.get() + DownloadRoutes.PREFIX
            + d.getString("token") : null);
      }
      case SCP -> {
        out.put("format", d.getString("format"));
        for (String k : List.of("targetHost", "targetPort", "username", "targetDirectory",
            "hostKeyFingerprint")) {
          out.put(k, d.get(k));
        }
      }
      case AUTOMATED_RESTORE -> {
        out.put("target", d.getString("target"));
        out.put("dropExisting", d.getBoolean("dropExisting", false));
        Map<String, Object> remap = new LinkedHashMap<>();
        d.getList("namespaceRemap", Document.class, List.of()).forEach(r ->
            remap.put(r.getString("from"), r.getString("to")));
        out.put("namespaceRemap", remap);
      }
    }
    return out;
  }

  private String downloadStatus(RestoreJobs.Job j) {
    Document d = j.delivery();
    Date expires = d.getDate("expires");
    if (j.status() != RestoreJobs.Status.FINISHED && expires == null) {
      return "NOT_STARTED";
    }
    if (expires != null && !expires.toInstant().isAfter(clock.instant())) {
      return "EXPIRED";
    }
    Number used = (Number) d.get("downloads");
    if (used != null && used.intValue() >= d.getInteger("maxDownloads", 1)) {
      return "MAX_DOWNLOADS_EXCEEDED";
    }
    return j.status() == RestoreJobs.Status.FINISHED ? "READY" : "NOT_STARTED";
  }
}
