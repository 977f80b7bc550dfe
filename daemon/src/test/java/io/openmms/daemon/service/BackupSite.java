package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.common.config.Config;
import io.openmms.common.util.Json;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import io.openmms.daemon.DaemonSettings;
import io.openmms.server.InitialSetup;
import io.openmms.server.OpenmmsServer;
import io.openmms.server.ServerSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * A real server (embedded application database, free ports) with backups started through the
 * public API and fed over the Backup HTTP service exactly as a backup agent does
 * (docs/backup-protocol.md), plus daemon configurations pointing at its database. For tests.
 */
final class BackupSite implements AutoCloseable {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  final OpenmmsServer server;
  final InitialSetup.Credentials credentials;
  private int agents;

  private BackupSite(OpenmmsServer server, InitialSetup.Credentials credentials) {
    this.server = server;
    this.credentials = credentials;
  }

  static BackupSite start(Path dir) {
    Map<String, String> o = new HashMap<>();
    o.put(ServerSettings.DATA_DIR.key(), dir.toString());
    o.put(ServerSettings.HTTP_PORT.key(), "0");
    o.put(ServerSettings.HTTP_HOST.key(), "127.0.0.1");
    o.put(ServerSettings.ADMIN_PORT.key(), "0");
    o.put(ServerSettings.BACKUP_HTTP_PORT.key(), "0");
    OpenmmsServer s = OpenmmsServer.start(Config.of("server", ServerSettings.ALL, o),
        Clock.systemUTC(), new SecureRandom());
    return new BackupSite(s, InitialSetup.ensure(s, "admin", "Test Group", "s3cret-Passw0rd"));
  }

  String group() {
    return credentials.groupId();
  }

  /** A daemon configuration: this site's database, short leases, fast polling. */
  Config daemonConfig(Path dir, String id, String lease) {
    return daemonConfig(dir, id, lease, Map.of());
  }

  /** {@link #daemonConfig(Path, String, String)} with more settings. */
  Config daemonConfig(Path dir, String id, String lease, Map<String, String> extra) {
    Map<String, String> o = new HashMap<>(extra);
    o.put(DaemonSettings.APPDB_URI.key(), server.database().embeddedConnectionString());
    o.put(DaemonSettings.DATA_DIR.key(), dir.toString());
    o.put(DaemonSettings.HEAD_DIR.key(), dir.resolve("heads").toString());
    o.putIfAbsent(DaemonSettings.ID.key(), id);
    o.put(DaemonSettings.LEASE_DURATION.key(), lease);
    o.put(DaemonSettings.POLL_INTERVAL.key(), "50ms");
    o.put(DaemonSettings.ADMIN_PORT.key(), "0");
    return Config.of("daemon", DaemonSettings.ALL, o);
  }

  /**
   * Makes a replica set known to monitoring, starts its backup through the public API and
   * returns an agent for it.
   */
  Agent startBackup(String replicaSetName) throws Exception {
    String clusterId = start(replicaSetName, List.of(sample(replicaSetName, null, false, null)));
    return new Agent(clusterId, server.backups().get(clusterId).syncId());
  }

  /** A sharded cluster with one shard and config servers, its backup started; its cluster id. */
  String startShardedBackup(String clusterName) throws Exception {
    return start(clusterName, List.of(sample(clusterName + "-sh0", clusterName + "-sh0", false,
        clusterName), sample(clusterName + "-cfg", null, true, clusterName)));
  }

  private static HostSample sample(String replicaSetName, String shardName, boolean configServer,
      String clusterName) {
    return new HostSample(replicaSetName + "-db1", 27017, System.currentTimeMillis(), false, null,
        "PRIMARY", replicaSetName, shardName, configServer, clusterName, "7.0.14", 100L,
        Map.of("OPCOUNTER_INSERT", 1L), Map.of("CONNECTIONS", 1.0), null);
  }

  private String start(String clusterName, List<HostSample> samples) throws Exception {
    byte[] body = Json.mapper().writeValueAsBytes(new MonitoringBatch("agent-" + (++agents), 1,
        "test", samples));
    var r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/agents/api/monitoring/v1/samples"))
        .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
        .header("Authorization", basic(group(), credentials.agentKey()))
        .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(body))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String clusterId = null;
    for (JsonNode c : api("/backupConfigs").get("results")) {
      if (c.get("clusterName").asText().equals(clusterName)) {
        clusterId = c.get("clusterId").asText();
      }
    }
    assertThat(clusterId).as("cluster " + clusterName).isNotNull();
    var p = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/api/public/v1.0/groups/"
        + group() + "/backupConfigs/" + clusterId)).header("Authorization", adminAuth())
        .header("Content-Type", "application/json").method("PATCH",
            HttpRequest.BodyPublishers.ofString("{\"statusName\": \"STARTED\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(p.statusCode()).as(p.body()).isEqualTo(200);
    return clusterId;
  }

  /** An agent for a started backup (a shard's or config servers' replica set). */
  Agent agentFor(String backupId) {
    return new Agent(backupId, server.backups().get(backupId).syncId());
  }

  /** GET on the public API under the group, as the owner. */
  JsonNode api(String pathInGroup) throws Exception {
    var r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/api/public/v1.0/groups/"
        + group() + pathInGroup)).header("Authorization", adminAuth()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }

  /** Any request on the public API under the group, as the owner; JSON body or none. */
  HttpResponse<String> send(String method, String pathInGroup, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/api/public/v1.0/groups/"
        + group() + pathInGroup)).header("Authorization", adminAuth())
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The head status of a replica set's backup from the public API. */
  JsonNode headStatus(String clusterId) throws Exception {
    return api("/backupConfigs/" + clusterId + "/head");
  }

  String url() {
    return "http://127.0.0.1:" + server.httpPort();
  }

  private String adminAuth() {
    return basic(credentials.publicKey(), credentials.privateKey());
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }

  @Override
  public void close() throws Exception {
    server.close();
  }

  /** Ships batches of one backup as the backup agent does, numbering them. */
  final class Agent {
    final String backupId;
    String syncId;
    long seq;

    Agent(String backupId, String syncId) {
      this.backupId = backupId;
      this.syncId = syncId;
    }

    Agent syncStart(int t) throws Exception {
      return post("syncStart", new BsonDocument("startTs", new BsonTimestamp(t, 1)), List.of());
    }

    Agent collection(String ns, String... indexNames) throws Exception {
      BsonArray indexes = new BsonArray();
      indexes.add(BsonDocument.parse("{v: 2, key: {_id: 1}, name: '_id_'}"));
      for (String name : indexNames) {
        indexes.add(new BsonDocument("v", new BsonInt32(2)).append("key",
            new BsonDocument(name.replace("_1", ""), new BsonInt32(1)))
            .append("name", new BsonString(name)));
      }
      return post("collection", new BsonDocument("ns", new BsonString(ns))
          .append("type", new BsonString("collection")).append("options", new BsonDocument())
          .append("indexes", indexes), List.of());
    }

    /** A collection as the agent copies it: options, UUID and index specs in shell syntax. */
    Agent collectionWith(String ns, String options, java.util.UUID uuid, String... indexes)
        throws Exception {
      BsonArray specs = new BsonArray();
      for (String i : indexes) {
        specs.add(BsonDocument.parse(i));
      }
      BsonDocument h = new BsonDocument("ns", new BsonString(ns))
          .append("type", new BsonString("collection"))
          .append("options", BsonDocument.parse(options)).append("indexes", specs);
      if (uuid != null) {
        h.append("uuid", new org.bson.BsonBinary(uuid, org.bson.UuidRepresentation.STANDARD));
      }
      return post("collection", h, List.of());
    }

    Agent documents(String ns, List<BsonDocument> docs) throws Exception {
      return post("documents", new BsonDocument("ns", new BsonString(ns)), docs);
    }

    /** Oplog entries with their own {@code ts} (and {@code wall}), as one batch. */
    Agent oplogEntries(List<BsonDocument> entries) throws Exception {
      return post("oplog", new BsonDocument("firstTs", entries.get(0).get("ts"))
          .append("lastTs", entries.get(entries.size() - 1).get("ts"))
          .append("count", new BsonInt32(entries.size())), entries);
    }

    Agent documents(String ns, String... docs) throws Exception {
      return post("documents", new BsonDocument("ns", new BsonString(ns)),
          List.of(docs).stream().map(BsonDocument::parse).toList());
    }

    Agent syncEnd(int t) throws Exception {
      return post("syncEnd", new BsonDocument("endTs", new BsonTimestamp(t, 1)), List.of());
    }

    /** Oplog entries in shell syntax without {@code ts}: entry i gets Timestamp(t + i, 1). */
    Agent oplog(int t, String... entries) throws Exception {
      List<BsonDocument> docs = new ArrayList<>();
      for (int i = 0; i < entries.length; i++) {
        docs.add(BsonDocument.parse(entries[i]).append("ts", new BsonTimestamp(t + i, 1))
            .append("t", new BsonInt64(1)));
      }
      return post("oplog", new BsonDocument("firstTs", new BsonTimestamp(t, 1))
          .append("lastTs", new BsonTimestamp(t + entries.length - 1, 1))
          .append("count", new BsonInt32(entries.length)), docs);
    }

    /** Reports a gap as the agent does; the service hands out a new sync id. */
    void resync() throws Exception {
      var r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + server.backupPort() + "/backup/api/v1/backups/" + backupId + "/resync"))
          .header("Authorization", basic(group(), credentials.agentKey()))
          .POST(HttpRequest.BodyPublishers.ofString("{\"reason\": \"test gap\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      syncId = Json.mapper().readTree(r.body()).get("syncId").asText();
      seq = 0;
    }

    private Agent post(String kind, BsonDocument fields, List<BsonDocument> docs)
        throws Exception {
      seq++;
      BsonDocument header = new BsonDocument("backupId", new BsonString(backupId))
          .append("syncId", new BsonString(syncId)).append("seq", new BsonInt64(seq))
          .append("kind", new BsonString(kind));
      for (Map.Entry<String, BsonValue> e : fields.entrySet()) {
        header.append(e.getKey(), e.getValue());
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      List<BsonDocument> all = new ArrayList<>();
      all.add(header);
      all.addAll(docs);
      for (BsonDocument d : all) {
        var buf = new RawBsonDocument(d, new BsonDocumentCodec()).getByteBuffer();
        byte[] b = new byte[buf.remaining()];
        buf.get(b);
        out.writeBytes(b);
      }
      var r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + server.backupPort() + "/backup/api/v1/backups/" + backupId + "/batches"))
          .header("Authorization", basic(group(), credentials.agentKey()))
          .header("Content-Type", "application/x-openmms-bson-stream")
          .header("Content-Encoding", "gzip")
          .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(out.toByteArray()))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(kind + " " + seq + ": " + r.body()).isEqualTo(200);
      return this;
    }
  }
}
