package io.openmms.server.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.server.ApiClient;
import io.openmms.server.Samples;
import io.openmms.server.TestServer;
import io.openmms.server.store.Collections;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection cut in the middle of a request body (an agent killed, a proxy dropping the link)
 * stores nothing: neither a partial backup batch on 8081 nor a partial monitoring batch on 8080.
 */
class ConnectionCutTest {
  @TempDir Path dir;

  /** Sends the request line, headers and only the first half of the body, then closes. */
  private static void cutMidBody(int port, String path, String auth, String contentType,
      byte[] body) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + auth
          + "\r\nContent-Type: " + contentType + "\r\nContent-Encoding: gzip\r\nContent-Length: "
          + body.length + "\r\n\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, body.length / 2);
      out.flush();
    }
  }

  @Test
  void aCutRequestStoresNothingAndTheResendIsAccepted() throws Exception {
    try (TestServer ts = TestServer.start(dir)) {
      String group = ts.credentials.groupId();
      String key = ts.credentials.agentKey();
      var api = new ApiClient(ts.url());
      long t = System.currentTimeMillis();
      byte[] samples = ApiClient.gzip(Samples.batch("a", 1, List.of(
          Samples.member("db1", 27017, t, "PRIMARY", 1, 1))));
      cutMidBody(ts.server.httpPort(), "/agents/api/monitoring/v1/samples",
          ApiClient.basic(group, key), "application/json", samples);

      // start a backup so there is a batch to cut
      assertThat(api.postSamples(group, key, Samples.batch("a", 2, List.of(
          Samples.member("db1", 27017, t + 1, "PRIMARY", 1, 1))), true).status()).isEqualTo(200);
      String clusterId = api.getBasic("/api/public/v1.0/groups/" + group + "/backupConfigs",
          ts.credentials.publicKey(), ts.credentials.privateKey()).json().get("results").get(0)
          .get("clusterId").asText();
      ts.server.backups().setStatus(group, clusterId, "STARTED",
          List.of(new Backups.Member(clusterId, "rs0", null)));
      Backups.Backup b = ts.server.backups().get(clusterId);
      BsonDocument header = new BsonDocument("backupId", new BsonString(b.id()))
          .append("syncId", new BsonString(b.syncId())).append("seq", new BsonInt64(1))
          .append("kind", new BsonString("syncStart")).append("startTs", new BsonTimestamp(9, 1));
      byte[] batch = ApiClient.gzip(BackupServiceTest.stream(header, List.of()));
      cutMidBody(ts.server.backupPort(), "/backup/api/v1/backups/" + b.id() + "/batches",
          ApiClient.basic(group, key), "application/x-openmms-bson-stream", batch);

      // the server gives up on the cut request; for a while after, still nothing is stored
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() ->
          ts.server.backups().get(b.id()).lastSeq() == 0 && ts.server.database()
              .collection(Collections.BACKUP_BATCHES).countDocuments() == 0);
      assertThat(ts.server.database().collection(Collections.BACKUP_BATCHES)
          .countDocuments()).isZero();
      assertThat(ts.server.database().collection(Collections.MEAS_MINUTE).countDocuments())
          .as("only the complete monitoring batch was stored").isEqualTo(1);

      // the agent's resend after the cut goes through
      var resend = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
          .newBuilder(java.net.URI.create("http://127.0.0.1:" + ts.server.backupPort()
              + "/backup/api/v1/backups/" + b.id() + "/batches"))
          .header("Authorization", ApiClient.basic(group, key))
          .header("Content-Type", "application/x-openmms-bson-stream")
          .header("Content-Encoding", "gzip")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(batch)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(resend.statusCode()).as(resend.body()).isEqualTo(200);
      assertThat(ts.server.backups().get(b.id()).lastSeq()).isEqualTo(1);
    }
  }

  /** Regression: a server killed between storing a batch's parts and its document. */
  @Test
  void aBatchWhosePartsOutlivedACrashIsAcceptedWhenResent() throws Exception {
    try (TestServer ts = TestServer.start(dir)) {
      String group = ts.credentials.groupId();
      String key = ts.credentials.agentKey();
      var api = new ApiClient(ts.url());
      assertThat(api.postSamples(group, key, Samples.batch("a", 1, List.of(
          Samples.member("db1", 27017, System.currentTimeMillis(), "PRIMARY", 1, 1))), true)
          .status()).isEqualTo(200);
      String clusterId = api.getBasic("/api/public/v1.0/groups/" + group + "/backupConfigs",
          ts.credentials.publicKey(), ts.credentials.privateKey()).json().get("results").get(0)
          .get("clusterId").asText();
      ts.server.backups().setStatus(group, clusterId, "STARTED",
          List.of(new Backups.Member(clusterId, "rs0", null)));
      Backups.Backup b = ts.server.backups().get(clusterId);
      // what a crash leaves: the part of batch 1 without the batch document
      ts.server.database().collection(Collections.BACKUP_BATCH_PARTS).insertOne(
          new org.bson.Document("_id", b.id() + "/" + b.syncId() + "/1#0")
              .append("data", new org.bson.types.Binary(new byte[] {1, 2, 3})));
      BsonDocument header = new BsonDocument("backupId", new BsonString(b.id()))
          .append("syncId", new BsonString(b.syncId())).append("seq", new BsonInt64(1))
          .append("kind", new BsonString("syncStart")).append("startTs", new BsonTimestamp(9, 1));
      var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
          .newBuilder(java.net.URI.create("http://127.0.0.1:" + ts.server.backupPort()
              + "/backup/api/v1/backups/" + b.id() + "/batches"))
          .header("Authorization", ApiClient.basic(group, key))
          .header("Content-Type", "application/x-openmms-bson-stream")
          .header("Content-Encoding", "gzip")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
              ApiClient.gzip(BackupServiceTest.stream(header, List.of())))).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(new BackupData(ts.server.database()).read(b.id(), b.syncId(), 1)).isNotNull()
          .hasSizeGreaterThan(3);
    }
  }
}
