package io.openmms.server.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openmms.server.ApiClient;
import io.openmms.server.TestServer;
import io.openmms.server.auth.ApiKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Backup HTTP service (8081) as a backup agent uses it (docs/backup-protocol.md): starting a
 * backup through the API, assignments, ordered and durable batches, resends, bad input, resync.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
class BackupServiceTest {
  @TempDir static Path dir;
  static TestServer ts;
  static String group;
  static String key;
  static String clusterId;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    group = ts.credentials.groupId();
    key = ts.credentials.agentKey();
    JsonNode config = ts.monitoredReplicaSet();
    assertThat(config.get("statusName").asText()).isEqualTo("STOPPED");
    clusterId = config.get("clusterId").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  private static HttpResponse<String> patch(String publicKey, String privateKey, String status)
      throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(ts.url() + "/api/public/v1.0/groups/"
        + group + "/backupConfigs/" + clusterId)).header("Authorization",
        ApiClient.basic(publicKey, privateKey)).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"statusName\": \"" + status
            + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode assignments() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + ts.server.backupPort() + "/backup/api/v1/assignments"))
        .header("Authorization", ApiClient.basic(group, key)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static byte[] stream(BsonDocument header, List<BsonDocument> docs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (BsonDocument d : prepend(header, docs)) {
      var raw = new RawBsonDocument(d, new BsonDocumentCodec()).getByteBuffer();
      byte[] b = new byte[raw.remaining()];
      raw.get(b);
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  private static List<BsonDocument> prepend(BsonDocument h, List<BsonDocument> docs) {
    List<BsonDocument> all = new ArrayList<>();
    all.add(h);
    all.addAll(docs);
    return all;
  }

  private static HttpResponse<String> post(String backupId, byte[] plain, String agentKey,
      String contentType) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + ts.server.backupPort() + "/backup/api/v1/backups/" + backupId + "/batches"))
        .header("Authorization", ApiClient.basic(group, agentKey))
        .header("Content-Type", contentType).header("Content-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofByteArray(ApiClient.gzip(plain))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String backupId, BsonDocument header,
      List<BsonDocument> docs) throws Exception {
    return post(backupId, stream(header, docs), key, "application/x-openmms-bson-stream");
  }

  private static BsonDocument header(String backupId, String syncId, long seq, String kind) {
    return new BsonDocument("backupId", new BsonString(backupId))
        .append("syncId", new BsonString(syncId)).append("seq", new BsonInt64(seq))
        .append("kind", new BsonString(kind));
  }

  private static BsonDocument op(int t, int i, String op) {
    return new BsonDocument("ts", new BsonTimestamp(t, i)).append("t", new BsonInt64(1))
        .append("op", new BsonString(op)).append("ns", new BsonString("shop.orders"))
        .append("o", new BsonDocument("_id", new BsonInt32(t)));
  }

  @Test
  void aBackupRunsFromStartThroughInitialSyncToTailingWithOrderedDurableBatches()
      throws Exception {
    ApiKeys.Created reader = ts.server.apiKeys().create("reader", false,
        Map.of(group, "GROUP_READ_ONLY"));
    assertThat(patch(reader.publicKey(), reader.privateKey(), "STARTED").statusCode())
        .isEqualTo(403);
    var started = patch(ts.credentials.publicKey(), ts.credentials.privateKey(), "STARTED");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
    assertThat(JSON.readTree(started.body()).get("statusName").asText()).isEqualTo("STARTED");

    JsonNode a = assignments().get("backups").get(0);
    assertThat(a.get("state").asText()).isEqualTo("INITIAL_SYNC_REQUIRED");
    assertThat(a.get("replicaSetName").asText()).isEqualTo("rs0");
    assertThat(a.get("hosts")).hasSize(2);
    String id = a.get("backupId").asText();
    String sync = a.get("syncId").asText();

    var r1 = post(id, header(id, sync, 1, "syncStart").append("startTs", new BsonTimestamp(100, 1)),
        List.of());
    assertThat(r1.statusCode()).as(r1.body()).isEqualTo(200);
    assertThat(post(id, header(id, sync, 2, "collection").append("ns", new BsonString("shop.orders"))
        .append("options", new BsonDocument()).append("indexes", new org.bson.BsonArray()),
        List.of()).statusCode()).isEqualTo(200);
    byte[] big = new byte[15 * 1024 * 1024];
    Arrays.fill(big, (byte) 7);
    List<BsonDocument> docs = List.of(
        new BsonDocument("_id", new BsonObjectId()).append("n", new BsonInt32(1)),
        new BsonDocument("_id", new BsonBinary(UUID.randomUUID())),
        new BsonDocument("_id", new BsonDocument("a", new BsonInt32(1))),
        new BsonDocument("_id", new BsonString("big")).append("blob", new BsonBinary(big)));
    var r3 = post(id, header(id, sync, 3, "documents").append("ns", new BsonString("shop.orders")),
        docs);
    assertThat(r3.statusCode()).as(r3.body()).isEqualTo(200);
    // a resend of an acknowledged batch is recognised and not stored twice
    var again = post(id, header(id, sync, 3, "documents").append("ns",
        new BsonString("shop.orders")), docs);
    assertThat(JSON.readTree(again.body()).get("duplicate").asBoolean()).isTrue();
    // a gap in the sequence is refused with the seq to resend from
    var gap = post(id, header(id, sync, 9, "syncEnd").append("endTs", new BsonTimestamp(105, 1)),
        List.of());
    assertThat(gap.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(gap.body()).get("expectedSeq").asLong()).isEqualTo(4);
    assertThat(post(id, header(id, sync, 4, "syncEnd").append("endTs", new BsonTimestamp(105, 1)),
        List.of()).statusCode()).isEqualTo(200);
    var ops = List.of(op(100, 1, "i"), op(101, 1, "u"), op(102, 1, "d"));
    var r5 = post(id, header(id, sync, 5, "oplog").append("firstTs", new BsonTimestamp(100, 1))
        .append("lastTs", new BsonTimestamp(102, 1)).append("count", new BsonInt32(3)), ops);
    assertThat(r5.statusCode()).as(r5.body()).isEqualTo(200);

    a = assignments().get("backups").get(0);
    assertThat(a.get("state").asText()).isEqualTo("TAILING");
    assertThat(a.get("lastSeq").asLong()).isEqualTo(5);
    assertThat(a.get("lastTs").get("t").asLong()).isEqualTo(102);

    // what was acknowledged is stored exactly
    List<RawBsonDocument> stored = read(id, sync, 3);
    assertThat(stored).hasSize(5);
    assertThat(stored.subList(1, 5)).extracting(d -> (BsonDocument) d).containsExactlyElementsOf(docs);
    assertThat(read(id, sync, 5).subList(1, 4)).extracting(d -> (BsonDocument) d)
        .containsExactlyElementsOf(ops);

    // a gap reported by the agent: a new sync is handed out, the old one is superseded
    HttpResponse<String> resync = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + ts.server.backupPort() + "/backup/api/v1/backups/" + id + "/resync"))
        .header("Authorization", ApiClient.basic(group, key))
        .POST(HttpRequest.BodyPublishers.ofString("{\"reason\": \"oplog rolled over\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(resync.statusCode()).isEqualTo(200);
    a = assignments().get("backups").get(0);
    assertThat(a.get("state").asText()).isEqualTo("RESYNC_REQUIRED");
    assertThat(a.get("syncId").asText()).isNotEqualTo(sync);
    var old = post(id, header(id, sync, 6, "oplog").append("firstTs", new BsonTimestamp(103, 1))
        .append("lastTs", new BsonTimestamp(103, 1)).append("count", new BsonInt32(1)),
        List.of(op(103, 1, "i")));
    assertThat(old.statusCode()).isEqualTo(409);
    assertThat(old.body()).contains("SYNC_SUPERSEDED");
  }

  @Test
  void badBatchesAreRefusedClearlyAndStoreNothing() throws Exception {
    patch(ts.credentials.publicKey(), ts.credentials.privateKey(), "STARTED");
    JsonNode a = assignments().get("backups").get(0);
    String id = a.get("backupId").asText();
    String sync = a.get("syncId").asText();
    long before = a.get("lastSeq").asLong();
    BsonDocument h = header(id, sync, before + 1, "oplog");
    assertThat(post(id, stream(h, List.of()), "wrong-key", "application/x-openmms-bson-stream")
        .statusCode()).isEqualTo(401);
    assertThat(post(id, stream(h, List.of()), key, "application/json").statusCode())
        .isEqualTo(415);
    byte[] truncated = Arrays.copyOf(stream(h, List.of(op(1, 1, "i"))), 40);
    var t = post(id, truncated, key, "application/x-openmms-bson-stream");
    assertThat(t.statusCode()).isEqualTo(400);
    assertThat(t.body()).contains("INVALID_BSON");
    var unknownKind = post(id, header(id, sync, before + 1, "party"), List.of());
    assertThat(unknownKind.statusCode()).isEqualTo(400);
    assertThat(unknownKind.body()).contains("Unknown batch kind");
    assertThat(assignments().get("backups").get(0).get("lastSeq").asLong()).isEqualTo(before);
    assertThat(ts.server.backups().get(id).lastSeq()).isEqualTo(before);
  }

  private static HttpResponse<String> send(String path, String agentKey, String body)
      throws Exception {
    var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ts.server.backupPort() + path))
        .header("Authorization", ApiClient.basic(group, agentKey));
    return HTTP.send(body == null ? b.GET().build()
        : b.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyEndpointRefusesBadInputWithAClearError() throws Exception {
    patch(ts.credentials.publicKey(), ts.credentials.privateKey(), "STARTED");
    JsonNode a = assignments().get("backups").get(0);
    String id = a.get("backupId").asText();
    String sync = a.get("syncId").asText();
    long seq = a.get("lastSeq").asLong() + 1;
    assertThat(send("/backup/api/v1/assignments", "nope", null).statusCode()).isEqualTo(401);
    assertThat(send("/backup/api/v1/backups/" + id + "/resync", key, "{oops").statusCode())
        .isEqualTo(400);
    assertThat(send("/backup/api/v1/backups/" + id + "/resync", key, "{\"reason\": \"\"}")
        .statusCode()).isEqualTo(400);
    assertThat(send("/backup/api/v1/backups/ffff/resync", key, "{\"reason\": \"x\"}")
        .statusCode()).isEqualTo(404);
    assertThat(post("ffff", header("ffff", sync, seq, "syncStart"), List.of()).statusCode())
        .isEqualTo(404);
    var noSeq = post(id, new BsonDocument("backupId", new BsonString(id)).append("syncId",
        new BsonString(sync)).append("kind", new BsonString("syncStart")), List.of());
    assertThat(noSeq.statusCode()).isEqualTo(400);
    assertThat(noSeq.body()).contains("seq");
    String state = a.get("state").asText();
    if (!state.equals("TAILING")) {
      var wrongState = post(id, header(id, sync, seq, "oplog").append("firstTs",
          new BsonTimestamp(1, 1)).append("lastTs", new BsonTimestamp(1, 1))
          .append("count", new BsonInt32(1)), List.of(op(1, 1, "i")));
      assertThat(wrongState.statusCode()).isIn(400, 409);
    }
    // a backup in TAILING state: bad oplog batches
    assertThat(post(id, header(id, sync, seq, "syncStart").append("startTs",
        new BsonTimestamp(500, 1)), List.of()).statusCode()).isEqualTo(200);
    assertThat(post(id, header(id, sync, seq + 1, "syncEnd").append("endTs",
        new BsonTimestamp(501, 1)), List.of()).statusCode()).isEqualTo(200);
    var backwards = post(id, header(id, sync, seq + 2, "oplog").append("firstTs",
        new BsonTimestamp(502, 1)).append("lastTs", new BsonTimestamp(501, 1))
        .append("count", new BsonInt32(2)), List.of(op(502, 1, "i"), op(501, 1, "i")));
    assertThat(backwards.statusCode()).isEqualTo(400);
    assertThat(backwards.body()).contains("is not after");
    var miscount = post(id, header(id, sync, seq + 2, "oplog").append("firstTs",
        new BsonTimestamp(502, 1)).append("lastTs", new BsonTimestamp(502, 1))
        .append("count", new BsonInt32(5)), List.of(op(502, 1, "i")));
    assertThat(miscount.statusCode()).isEqualTo(400);
    var late = post(id, header(id, sync, seq + 2, "documents").append("ns",
        new BsonString("a.b")), List.of(new BsonDocument("_id", new BsonInt32(1))));
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.body()).contains("WRONG_STATE");
    var badNs = post(id, header(id, sync, seq + 2, "oplog").append("firstTs",
        new BsonTimestamp(502, 1)).append("lastTs", new BsonTimestamp(502, 1))
        .append("count", new BsonInt32(1)), List.of(new BsonDocument("ts",
            new BsonTimestamp(502, 1)).append("op", new BsonString("x"))));
    assertThat(badNs.statusCode()).isEqualTo(400);
    assertThat(ts.server.backups().get(id).lastSeq()).as("nothing moved").isEqualTo(seq + 1);
  }

  @Test
  void zTerminatingDeletesTheStoredCopyAndARestartNeedsANewInitialSync() throws Exception {
    patch(ts.credentials.publicKey(), ts.credentials.privateKey(), "STARTED");
    JsonNode a = assignments().get("backups").get(0);
    String id = a.get("backupId").asText();
    String sync = a.get("syncId").asText();
    long seq = a.get("lastSeq").asLong() + 1;
    if (!a.get("state").asText().equals("TAILING")) {
      assertThat(post(id, header(id, sync, seq, "syncStart").append("startTs",
          new BsonTimestamp(900, 1)), List.of()).statusCode()).isEqualTo(200);
    }
    var files = ts.server.database().collection("backupBatches");
    assertThat(files.countDocuments(new org.bson.Document("backupId", id))).isPositive();
    var r = patch(ts.credentials.publicKey(), ts.credentials.privateKey(), "TERMINATING");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).get("statusName").asText()).isEqualTo("STOPPED");
    assertThat(assignments().get("backups")).isEmpty();
    assertThat(files.countDocuments(new org.bson.Document("backupId", id))).isZero();
    patch(ts.credentials.publicKey(), ts.credentials.privateKey(), "STARTED");
    a = assignments().get("backups").get(0);
    assertThat(a.get("state").asText()).isEqualTo("INITIAL_SYNC_REQUIRED");
    assertThat(a.get("lastSeq").asLong()).isZero();
  }

  @Test
  void cThePointInTimeWindowIsSetPerClusterAndValidated() throws Exception {
    var r = HTTP.send(HttpRequest.newBuilder(URI.create(ts.url() + "/api/public/v1.0/groups/"
        + group + "/backupConfigs/" + clusterId)).header("Authorization",
        ApiClient.basic(ts.credentials.publicKey(), ts.credentials.privateKey()))
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"pitWindowHours\": 48}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).get("pitWindowHours").asInt()).isEqualTo(48);
    var bad = HTTP.send(HttpRequest.newBuilder(URI.create(ts.url() + "/api/public/v1.0/groups/"
        + group + "/backupConfigs/" + clusterId)).header("Authorization",
        ApiClient.basic(ts.credentials.publicKey(), ts.credentials.privateKey()))
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"pitWindowHours\": 0}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("pitWindowHours");
    assertThat(ts.server.backups().pitWindowHours(clusterId)).isEqualTo(48);
  }

  private static List<RawBsonDocument> read(String id, String sync, long seq) throws Exception {
    byte[] gz = new BackupData(ts.server.database()).read(id, sync, seq);
    byte[] plain = new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes();
    BsonStream s = BsonStream.parse(plain, 1000);
    List<RawBsonDocument> all = new ArrayList<>();
    all.add(new RawBsonDocument(s.header(), new BsonDocumentCodec()));
    all.addAll(s.documents());
    return all;
  }
}
