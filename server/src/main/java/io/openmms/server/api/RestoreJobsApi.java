package io.openmms.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.ConnectionString;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.util.Json;
import io.openmms.server.auth.Principal;
import io.openmms.server.auth.Role;
import io.openmms.server.auth.Secrets;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Daemons;
import io.openmms.server.backup.PitWindow;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Links;
import io.openmms.server.store.Groups;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.bson.BsonTimestamp;
import org.bson.Document;

/**
 * Restore jobs in Ops Manager's shape (docs/restores.md, "API"):
 * {@code GET/POST groups/{id}/clusters/{clusterId}/restoreJobs}, {@code GET} and {@code DELETE}
 * (kill) {@code .../restoreJobs/{jobId}}. A POST names a snapshot ({@code snapshotId}) or a
 * point in time ({@code pointInTimeUTCMillis}, or {@code oplogTs} and {@code oplogInc}) and a
 * {@code delivery}; it is checked completely (snapshot, window, delivery fields, a running
 * daemon with the snapshot's block store) before the job is stored, so a bad request changes
 * nothing. The daemon does the work; the job shows its phase, progress, verification and, for
 * HTTP, the one-time link (to principals who may manage backups).
 */
public final class RestoreJobsApi {
  static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");
  private static final Set<String> FORMATS = Set.of("TAR_GZ", "ARCHIVE", "ARCHIVE_GZ");

  private final Groups groups;
  private final Backups backups;
  private final Snapshots snapshots;
  private final PitWindow window;
  private final RestoreJobs jobs;
  private final Daemons daemons;
  private final Secrets secrets;
  private final Clock clock;
  private final Supplier<String> backupUrl;

  public RestoreJobsApi(Groups groups, Backups backups, Snapshots snapshots, PitWindow window,
      RestoreJobs jobs, Daemons daemons, Secrets secrets, Clock clock,
      Supplier<String> backupUrl) {
    this.groups = groups;
    this.backups = backups;
    this.snapshots = snapshots;
    this.window = window;
    this.jobs = jobs;
    this.daemons = daemons;
    this.secrets = secrets;
    this.clock = clock;
    this.backupUrl = backupUrl;
  }

  public void register(JavalinConfig config) {
    String base = PublicApi.BASE + "/groups/{groupId}/clusters/{clusterId}/restoreJobs";
    config.routes.get(base, ctx -> {
      Groups.Group g = GroupAccess.require(ctx, groups, Role.Permission.READ, "reading backups");
      Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
      boolean manage = canManage(ctx, g);
      List<Object> out = new ArrayList<>();
      jobs.list(b.id()).forEach(j -> out.add(json(j, manage)));
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
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("INVALID_JSON", "The body must be a JSON object");
    }
    Document delivery = delivery(body.get("delivery"));
    Target target = target(b, body);
    String live = target.base().store();
    if (!daemons.liveBlockstores().contains(live)) {
      throw new ApiException(409, "NO_BACKUP_DAEMON", "No running backup daemon has the block"
          + " store '" + live + "' of snapshot " + target.base().id() + " configured"
          + " (daemon.blockstores); start one and try again");
    }
    String id = new org.bson.types.ObjectId().toHexString();
    RestoreJobs.Job j = jobs.create(id, target.base(), b.replicaSetName(), target.ts(),
        target.millis(), delivery);
    ctx.status(201).json(json(j, true));
  }

  /** The snapshot to start from and, for a point in time, the target (see class comment). */
  private record Target(Snapshots.Snapshot base, BsonTimestamp ts, Long millis) {}

  private Target target(Backups.Backup b, JsonNode body) {
    JsonNode snapshotId = body.get("snapshotId");
    JsonNode millis = body.get("pointInTimeUTCMillis");
    JsonNode oplogTs = body.get("oplogTs");
    JsonNode oplogInc = body.get("oplogInc");
    int given = (snapshotId != null ? 1 : 0) + (millis != null ? 1 : 0)
        + (oplogTs != null || oplogInc != null ? 1 : 0);
    if (given != 1) {
      throw ApiException.badRequest("INVALID_RESTORE_POINT", "Give exactly one of snapshotId,"
          + " pointInTimeUTCMillis, or oplogTs with oplogInc");
    }
    if (snapshotId != null) {
      Snapshots.Snapshot s = snapshots.get(snapshotId.asText()).filter(x -> x.backupId()
          .equals(b.id())).orElseThrow(() -> ApiException.notFound("SNAPSHOT_NOT_FOUND",
          "No snapshot " + snapshotId.asText() + " of cluster " + b.id()));
      return new Target(s, null, null);
    }
    PitWindow.Window w = window.window(b).orElseThrow(() -> ApiException.badRequest(
        "INVALID_RESTORE_POINT", "No point in time of " + b.replicaSetName() + " is restorable"
            + " yet: a point-in-time restore needs a snapshot of the current sync first"));
    if (millis != null) {
      if (!millis.canConvertToLong()) {
        throw ApiException.badRequest("INVALID_RESTORE_POINT",
            "pointInTimeUTCMillis must be milliseconds since the epoch; was " + millis);
      }
      Instant t = Instant.ofEpochMilli(millis.asLong());
      if (t.isBefore(w.earliestTime()) || t.isAfter(w.latestTime())) {
        throw outside(b, w, "pointInTimeUTCMillis " + millis.asLong() + " (" + t + ")");
      }
      Snapshots.Snapshot base = window.baseAt(b, t).orElseThrow(() -> outside(b, w,
          "pointInTimeUTCMillis " + millis.asLong() + " (" + t + ")"));
      long seconds = Math.floorDiv(millis.asLong(), 1000);
      return new Target(base, new BsonTimestamp((int) seconds, -1), millis.asLong());
    }
    if (oplogTs == null || oplogInc == null || !oplogTs.canConvertToLong()
        || !oplogInc.canConvertToLong() || oplogTs.asLong() < 0 || oplogTs.asLong() > 0xffffffffL
        || oplogInc.asLong() < 0 || oplogInc.asLong() > 0xffffffffL) {
      throw ApiException.badRequest("INVALID_RESTORE_POINT", "oplogTs (seconds since the epoch)"
          + " and oplogInc (the increment) must both be given as whole numbers; were "
          + oplogTs + " and " + oplogInc);
    }
    BsonTimestamp ts = new BsonTimestamp((int) oplogTs.asLong(), (int) oplogInc.asLong());
    if (ts.compareTo(w.earliest()) < 0 || ts.compareTo(w.latest()) > 0) {
      throw outside(b, w, "oplogTs " + oplogTs.asLong() + " oplogInc " + oplogInc.asLong());
    }
    return new Target(window.baseAt(b, ts).orElseThrow(), ts, null);
  }

  private static ApiException outside(Backups.Backup b, PitWindow.Window w, String what) {
    return ApiException.badRequest("INVALID_RESTORE_POINT", what + " is outside the restorable"
        + " window of " + b.replicaSetName() + ": earliest " + w.earliestTime() + " (oplogTs "
        + w.earliest().getTime() + " oplogInc " + w.earliest().getInc() + "), latest "
        + w.latestTime() + " (oplogTs " + w.latest().getTime() + " oplogInc "
        + w.latest().getInc() + ")");
  }

  /** The validated delivery document as stored on the job. */
  private Document delivery(JsonNode d) {
    if (d == null || !d.isObject()) {
      throw ApiException.badRequest("INVALID_DELIVERY", "delivery must be an object with"
          + " methodName HTTP, SCP or AUTOMATED_RESTORE");
    }
    String method = d.path("methodName").asText("");
    Document out = new Document("methodName", method);
    switch (method) {
      case "HTTP" -> {
        out.append("format", format(d));
        int hours = intField(d, "expirationHours", 1, 1, 24 * 7);
        out.append("expirationHours", hours)
            .append("maxDownloads", intField(d, "maxDownloads", 1, 1, 100));
        String token = secrets.hex(32);
        out.append("token", token).append("tokenSha256", Secrets.sha256Hex(token))
            .append("downloads", 0);
      }
      case "SCP" -> {
        out.append("format", format(d));
        out.append("targetHost", text(d, "targetHost"))
            .append("targetPort", intField(d, "targetPort", 22, 1, 65535))
            .append("username", text(d, "username"))
            .append("targetDirectory", text(d, "targetDirectory"));
        String fp = text(d, "hostKeyFingerprint");
        if (!FINGERPRINT.matcher(fp).matches()) {
          throw ApiException.badRequest("INVALID_DELIVERY", "delivery.hostKeyFingerprint must be"
              + " the host key's SHA256 fingerprint as ssh-keygen -lf prints it (SHA256:"
              + " followed by 43 base64 characters); was " + fp);
        }
        out.append("hostKeyFingerprint", fp);
      }
      case "AUTOMATED_RESTORE" -> {
        String uri = text(d, "targetConnectionString");
        try {
          new ConnectionString(uri);
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest("INVALID_DELIVERY", "delivery.targetConnectionString"
              + " is not a MongoDB connection string: " + e.getMessage());
        }
        out.append("targetConnectionString", uri)
            .append("target", redacted(uri))
            .append("dropExisting", d.path("dropExisting").asBoolean(false))
            .append("namespaceRemap", remap(d.get("namespaceRemap")));
      }
      default -> throw ApiException.badRequest("INVALID_DELIVERY", "delivery.methodName must be"
          + " HTTP, SCP or AUTOMATED_RESTORE; was '" + method + "'");
    }
    return out;
  }

  private static String format(JsonNode d) {
    String f = d.path("format").asText("TAR_GZ");
    if (!FORMATS.contains(f)) {
      throw ApiException.badRequest("INVALID_DELIVERY", "delivery.format must be TAR_GZ,"
          + " ARCHIVE or ARCHIVE_GZ; was '" + f + "'");
    }
    return f;
  }

  private static String text(JsonNode d, String field) {
    JsonNode v = d.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw ApiException.badRequest("INVALID_DELIVERY", "delivery." + field + " is required");
    }
    return v.asText();
  }

  private static int intField(JsonNode d, String field, int dflt, int min, int max) {
    JsonNode v = d.get(field);
    if (v == null) {
      return dflt;
    }
    if (!v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw ApiException.badRequest("INVALID_DELIVERY", "delivery." + field + " must be a whole"
          + " number from " + min + " to " + max + "; was " + v);
    }
    return v.asInt();
  }

  /** {@code {"from": "to"}}: database to database, or db.collection to db.collection. */
  private static Document remap(JsonNode m) {
    Document out = new Document();
    if (m == null || m.isNull()) {
      return out;
    }
    if (!m.isObject()) {
      throw ApiException.badRequest("INVALID_DELIVERY", "delivery.namespaceRemap must be an"
          + " object like {\"sales\": \"sales_copy\", \"crm.people\": \"crm.people_old\"}");
    }
    for (Map.Entry<String, JsonNode> e : m.properties()) {
      String from = e.getKey();
      String to = e.getValue().asText("");
      boolean fromNs = from.contains(".");
      if (from.isBlank() || to.isBlank() || !e.getValue().isTextual()
          || fromNs != to.contains(".") || from.startsWith(".") || to.startsWith(".")
          || from.endsWith(".") || to.endsWith(".") || to.contains("$") || to.contains(" ")) {
        throw ApiException.badRequest("INVALID_DELIVERY", "delivery.namespaceRemap maps a"
            + " database to a database or db.collection to db.collection; '" + from
            + "' -> '" + to + "' is neither");
      }
      out.append(from.replace(".", "\u0000"), to); // field names may not hold dots
    }
    return out;
  }

  /** The target's hosts and options without user name or password, for showing on the job. */
  static String redacted(String uri) {
    ConnectionString c = new ConnectionString(uri);
    return "mongodb://" + String.join(",", c.getHosts()) + "/" + (c.getDatabase() == null ? ""
        : c.getDatabase());
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

  private static String href(String groupId, String clusterId) {
    return PublicApi.BASE + "/groups/" + groupId + "/clusters/" + clusterId + "/restoreJobs";
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
      BsonTimestamp ts = j.file() != null && j.file().get("restoredTs") instanceof BsonTimestamp r
          ? r : j.targetTs();
      out.put("timestamp", SnapshotsApi.timestamp(ts));
    } else {
      out.put("timestamp", SnapshotsApi.timestamp(j.snapshotTs()));
    }
    out.put("statusName", j.status().name());
    Map<String, Object> progress = new LinkedHashMap<>();
    progress.put("phase", j.phase().name());
    progress.put("bytesDone", j.bytesDone());
    progress.put("bytesTotal", j.bytesTotal());
    progress.put("percent", j.status() == RestoreJobs.Status.FINISHED ? 100
        : j.bytesTotal() > 0 ? Math.min(99, (int) (100 * j.bytesDone() / j.bytesTotal())) : 0);
    out.put("progress", progress);
    if (j.reason() != null) {
      out.put("reason", j.reason());
    }
    out.put("delivery", deliveryJson(j, manage));
    out.put("verification", j.verification() == null ? Map.of("status", "PENDING")
        : j.verification());
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
        out.put("url", manage && usable ? backupUrl.get() + io.openmms.server.backup.DownloadRoutes.PREFIX
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
        d.get("namespaceRemap", Document.class).forEach((k, v) -> remap.put(k.replace('\u0000',
            '.'), v));
        out.put("namespaceRemap", remap);
      }
      default -> throw new IllegalStateException();
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
