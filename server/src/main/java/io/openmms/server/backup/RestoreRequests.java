package io.openmms.server.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.ConnectionString;
import io.openmms.server.auth.Secrets;
import io.openmms.server.http.ApiException;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Turns a restore request — the body of POST restoreJobs, or the options of
 * {@code openmms restore} — into a stored job (docs/restores.md, "API"). It names a snapshot
 * ({@code snapshotId}) or a point in time ({@code pointInTimeUTCMillis}, or {@code oplogTs} and
 * {@code oplogInc}, which must lie in the backup's {@link PitWindow}) and a {@code delivery}.
 * Everything is checked — snapshot, window, delivery fields, a running daemon with the
 * snapshot's block store — before the job is stored, so a bad request changes nothing. The job
 * records the source's MongoDB version when monitoring knows it ({@link SourceVersions}).
 */
public final class RestoreRequests {
  static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

  private final Snapshots snapshots;
  private final PitWindow window;
  private final RestoreJobs jobs;
  private final Daemons daemons;
  private final SourceVersions versions;
  private final Secrets secrets;

  public RestoreRequests(Snapshots snapshots, PitWindow window, RestoreJobs jobs,
      Daemons daemons, SourceVersions versions, Secrets secrets) {
    this.snapshots = snapshots;
    this.window = window;
    this.jobs = jobs;
    this.daemons = daemons;
    this.versions = versions;
    this.secrets = secrets;
  }

  /**
   * Checks a restore request (the body of POST restoreJobs) completely and stores the job;
   * anything wrong is an {@link ApiException} and nothing is stored.
   */
  public RestoreJobs.Job create(Backups.Backup b, JsonNode body) {
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
    String id = new ObjectId().toHexString();
    return jobs.create(id, target.base(), b.replicaSetName(), target.ts(), target.millis(),
        delivery, versions.of(b).orElse(null));
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
      Snapshots.Snapshot base = w.baseAt(t).orElseThrow(() -> outside(b, w,
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
    return new Target(w.baseAt(ts).orElseThrow(), ts, null);
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
    String f = d.path("format").asText(RestoreJobs.Format.TAR_GZ.name());
    try {
      return RestoreJobs.Format.valueOf(f).name();
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("INVALID_DELIVERY", "delivery.format must be TAR_GZ,"
          + " ARCHIVE or ARCHIVE_GZ; was '" + f + "'");
    }
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

  /**
   * {@code {"from": "to"}}: database to database, or db.collection to db.collection; stored as
   * a list of {@code {from, to}} (field names may not hold dots).
   */
  private static java.util.List<Document> remap(JsonNode m) {
    java.util.List<Document> out = new java.util.ArrayList<>();
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
      if (!e.getValue().isTextual() || !validName(from) || !validName(to)
          || from.contains(".") != to.contains(".")) {
        throw ApiException.badRequest("INVALID_DELIVERY", "delivery.namespaceRemap maps a"
            + " database to a database or db.collection to db.collection; '" + from
            + "' -> '" + to + "' is neither");
      }
      out.add(new Document("from", from).append("to", to));
    }
    return out;
  }

  private static boolean validName(String ns) {
    int dot = ns.indexOf('.');
    String db = dot < 0 ? ns : ns.substring(0, dot);
    return !db.isEmpty() && !ns.endsWith(".") && db.chars().noneMatch(c -> "/\\. \"$\0"
        .indexOf(c) >= 0) && !ns.contains("\0");
  }

  /** The target's hosts and options without user name or password, for showing on the job. */
  public static String redacted(String uri) {
    ConnectionString c = new ConnectionString(uri);
    return "mongodb://" + String.join(",", c.getHosts()) + "/" + (c.getDatabase() == null ? ""
        : c.getDatabase());
  }
}
