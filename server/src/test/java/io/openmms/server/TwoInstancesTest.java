package io.openmms.server;

import static org.assertj.core.api.Assertions.assertThat;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.openmms.server.auth.DigestAuthAccess;
import io.openmms.server.auth.Secrets;
import io.openmms.server.backup.Backups;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server instances are stateless (SPEC §1): two of them on one application database serve the
 * same agents and users, whichever instance each request reaches.
 */
class TwoInstancesTest {
  @TempDir Path a;
  @TempDir Path b;

  @Test
  void agentsAndApiClientsMayHitEitherInstance() throws Exception {
    MongoServer appdb = new MongoServer(new MemoryBackend());
    String uri = appdb.bindAndGetConnectionString();
    try (TestServer one = TestServer.start(a, Clock.systemUTC(),
            Map.of(ServerSettings.APPDB_URI.key(), uri));
        TestServer two = TestServer.start(b, Clock.systemUTC(),
            Map.of(ServerSettings.APPDB_URI.key(), uri))) {
      assertThat(two.credentials).as("set up once, by the first instance").isNull();
      InitialSetup.Credentials c = one.credentials;
      long t = System.currentTimeMillis() - 20_000;
      // consecutive samples of one host through different instances: the rate is still computed
      new ApiClient(one.url()).postSamples(c.groupId(), c.agentKey(), Samples.batch("x", 1,
          List.of(Samples.member("db1", 27017, t, "PRIMARY", 100, 10))), true);
      var second = new ApiClient(two.url()).postSamples(c.groupId(), c.agentKey(),
          Samples.batch("x", 2, List.of(Samples.member("db1", 27017, t + 10_000, "PRIMARY",
              200, 20))), true);
      assertThat(second.status()).isEqualTo(200);
      // a resend to the other instance is recognised
      var resend = new ApiClient(one.url()).postSamples(c.groupId(), c.agentKey(),
          Samples.batch("x", 2, List.of(Samples.member("db1", 27017, t + 10_000, "PRIMARY",
              200, 20))), true);
      assertThat(resend.json().get("duplicates").asInt()).isEqualTo(1);

      // a Digest nonce issued by one instance is accepted by the other
      HttpClient http = HttpClient.newHttpClient();
      String path = "/api/public/v1.0/groups/" + c.groupId() + "/hosts";
      HttpResponse<String> challenge = http.send(HttpRequest.newBuilder(URI.create(one.url()
          + path)).build(), HttpResponse.BodyHandlers.ofString());
      String header = challenge.headers().allValues("WWW-Authenticate").stream()
          .filter(h -> h.contains("MD5")).findFirst().orElseThrow();
      String nonce = DigestAuthAccess.parse(header.substring(7)).get("nonce");
      String ha1 = Secrets.md5Hex(c.publicKey() + ":MMS Public API:" + c.privateKey());
      String ha2 = Secrets.md5Hex("GET:" + path);
      String response = Secrets.md5Hex(ha1 + ":" + nonce + ":00000001:abc:auth:" + ha2);
      HttpResponse<String> hosts = http.send(HttpRequest.newBuilder(URI.create(two.url() + path))
          .header("Authorization", "Digest username=\"" + c.publicKey() + "\", realm=\"MMS Public"
              + " API\", nonce=\"" + nonce + "\", uri=\"" + path + "\", response=\"" + response
              + "\", qop=auth, nc=00000001, cnonce=\"abc\"").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(hosts.statusCode()).isEqualTo(200);
      assertThat(hosts.body()).contains("\"hostname\":\"db1\"");
      var m = new ApiClient(one.url()).getBasic(path, c.publicKey(), c.privateKey());
      String hostId = m.json().get("results").get(0).get("id").asText();
      var rate = new ApiClient(two.url()).getBasic(path + "/" + hostId
          + "/measurements?granularity=PT1M&period=PT1H&m=OPCOUNTER_INSERT", c.publicKey(),
          c.privateKey());
      assertThat(rate.json().get("measurements").get(0).get("dataPoints").get(0).get("value")
          .asDouble()).isEqualTo(10.0);

      // backup batches alternate between the instances' 8081 and stay in order
      String clusterId = new ApiClient(one.url()).getBasic("/api/public/v1.0/groups/"
          + c.groupId() + "/backupConfigs", c.publicKey(), c.privateKey()).json().get("results")
          .get(0).get("clusterId").asText();
      one.server.backups().setStatus(c.groupId(), clusterId, "STARTED",
          List.of(new Backups.Member(clusterId, "rs0", null)));
      Backups.Backup bk = two.server.backups().get(clusterId);
      BsonDocument start = new BsonDocument("backupId", new BsonString(bk.id()))
          .append("syncId", new BsonString(bk.syncId())).append("seq", new BsonInt64(1))
          .append("kind", new BsonString("syncStart")).append("startTs", new BsonTimestamp(5, 1));
      BsonDocument coll = new BsonDocument("backupId", new BsonString(bk.id()))
          .append("syncId", new BsonString(bk.syncId())).append("seq", new BsonInt64(2))
          .append("kind", new BsonString("collection")).append("ns", new BsonString("a.b"))
          .append("options", new BsonDocument()).append("indexes", new org.bson.BsonArray());
      assertThat(postBatch(http, one, c, bk.id(), start)).isEqualTo(200);
      assertThat(postBatch(http, two, c, bk.id(), coll)).isEqualTo(200);
      assertThat(postBatch(http, one, c, bk.id(), coll)).as("resend elsewhere").isEqualTo(200);
      assertThat(one.server.backups().get(bk.id()).lastSeq()).isEqualTo(2);
    } finally {
      appdb.shutdownNow();
    }
  }

  private static int postBatch(HttpClient http, TestServer ts, InitialSetup.Credentials c,
      String backupId, BsonDocument header) throws Exception {
    byte[] body = ApiClient.gzip(io.openmms.server.backup.BackupServiceTestAccess.stream(header));
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + ts.server.backupPort() + "/backup/api/v1/backups/" + backupId + "/batches"))
        .header("Authorization", ApiClient.basic(c.groupId(), c.agentKey()))
        .header("Content-Type", "application/x-openmms-bson-stream")
        .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
