package io.openmms.server.backup;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.util.Json;
import io.openmms.server.auth.AgentKeys;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Bodies;
import io.openmms.server.monitoring.HostRecords;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.bson.BsonTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup agent's endpoints on the Backup HTTP service (8081), per docs/backup-protocol.md:
 * assignments, batches and resync requests, authenticated with the group's agent API key.
 */
public final class BackupRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(BackupRoutes.class);
  static final String BASE = "/backup/api/v1";

  private final AgentKeys agentKeys;
  private final Backups backups;
  private final BackupIngest ingest;
  private final HostRecords hosts;
  private final long maxWire;
  private final long maxPlain;
  private final int maxDocuments;

  public BackupRoutes(AgentKeys agentKeys, Backups backups, BackupData data, HostRecords hosts,
      long maxWire, long maxPlain, int maxDocuments) {
    this.agentKeys = agentKeys;
    this.backups = backups;
    this.ingest = new BackupIngest(backups, data);
    this.hosts = hosts;
    this.maxWire = maxWire;
    this.maxPlain = maxPlain;
    this.maxDocuments = maxDocuments;
  }

  public void register(JavalinConfig config) {
    config.routes.get(BASE + "/assignments", this::assignments);
    config.routes.post(BASE + "/backups/{backupId}/batches", this::batch);
    config.routes.post(BASE + "/backups/{backupId}/resync", this::resync);
    config.routes.exception(BackupIngest.OutOfOrder.class, (e, ctx) -> ctx.status(409)
        .json(Map.of("error", 409, "errorCode", "OUT_OF_ORDER", "detail", e.getMessage(),
            "expectedSeq", e.expected)));
  }

  private void assignments(Context ctx) {
    String groupId = agentKeys.authenticate(ctx.header("Authorization"));
    List<Map<String, Object>> out = new ArrayList<>();
    List<HostRecords.Host> known = hosts.list(groupId);
    for (Backups.Backup b : backups.active(groupId)) {
      List<String> members = new ArrayList<>();
      for (HostRecords.Host h : known) {
        var s = h.state();
        if (b.replicaSetName().equals(s.replicaSetName())
            && java.util.Objects.equals(b.clusterName(), s.clusterName())) {
          members.add(s.hostname() + ":" + s.port());
        }
      }
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("backupId", b.id());
      a.put("clusterId", b.configId());
      a.put("replicaSetName", b.replicaSetName());
      a.put("hosts", members);
      a.put("state", b.state().name());
      a.put("syncId", b.syncId());
      a.put("lastSeq", b.lastSeq());
      a.put("lastTs", ts(b.lastTs()));
      a.put("syncStartTs", ts(b.syncStartTs()));
      out.add(a);
    }
    ctx.json(Map.of("pollIntervalSeconds", 10, "backups", out));
  }

  private static Map<String, Object> ts(BsonTimestamp t) {
    return t == null ? null : Map.of("t", t.getTime(), "i", t.getInc());
  }

  private void batch(Context ctx) {
    String groupId = agentKeys.authenticate(ctx.header("Authorization"));
    String type = ctx.contentType();
    if (type == null || !type.startsWith("application/x-openmms-bson-stream")) {
      throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
          "Content-Type must be application/x-openmms-bson-stream, was " + type);
    }
    byte[] wire = Bodies.readWire(ctx.bodyInputStream(), maxWire);
    String encoding = ctx.header("Content-Encoding");
    byte[] plain = Bodies.decode(wire, encoding, maxPlain);
    BsonStream stream = BsonStream.parse(plain, maxDocuments);
    byte[] gzipped = "gzip".equalsIgnoreCase(encoding) ? wire : gzip(plain);
    BackupIngest.Ack ack = ingest.accept(groupId, ctx.pathParam("backupId"), stream, gzipped);
    ctx.json(ack.duplicate() ? Map.of("ack", ack.ack(), "duplicate", true)
        : Map.of("ack", ack.ack()));
  }

  private void resync(Context ctx) {
    String groupId = agentKeys.authenticate(ctx.header("Authorization"));
    String backupId = ctx.pathParam("backupId");
    Backups.Backup b = backups.get(backupId);
    if (b == null || !b.groupId().equals(groupId)) {
      throw ApiException.notFound("BACKUP_NOT_FOUND", "No backup " + backupId + " in this group");
    }
    String reason;
    try {
      var body = Json.mapper().readTree(Bodies.read(ctx.bodyInputStream(),
          ctx.header("Content-Encoding"), 64 * 1024, 64 * 1024));
      reason = body.path("reason").asText("");
    } catch (IOException e) {
      throw ApiException.badRequest("INVALID_PAYLOAD", "The body must be {\"reason\": \"...\"}");
    }
    if (reason.isBlank() || reason.length() > 1000) {
      throw ApiException.badRequest("INVALID_PAYLOAD", "reason must be 1 to 1000 characters");
    }
    String syncId = backups.requireResync(backupId, reason);
    LOG.warn("Backup {} ({}) needs a resync: {}", backupId, b.replicaSetName(),
        reason.replaceAll("\\p{Cntrl}", " "));
    ctx.json(Map.of("state", Backups.State.RESYNC_REQUIRED.name(), "syncId", syncId));
  }

  private static byte[] gzip(byte[] plain) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length / 4 + 64);
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(plain);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
