package io.openmms.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.server.ApiClient;
import io.openmms.server.TestServer;
import io.openmms.server.auth.ApiKeys;
import io.openmms.server.store.Collections;
import io.openmms.server.web.BackupPagesTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET groups/{id}/backup/restoreSshKeys} over the daemon records in the application
 * database: every live daemon that published a key, and nothing of a dead daemon or one that
 * published none; the usual answers without a key, for an unknown group and for a group the key
 * has no role in. That a running daemon publishes its key is the daemon module's
 * {@code RestoreSshKeysTest}.
 */
class RestoreSshKeysApiTest {
  @TempDir static Path dir;
  static TestServer ts;
  static ApiClient api;
  static String group;

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    BackupPagesTest.backedUpReplicaSet(ts); // daemon "test-daemon" with BackupPagesTest.DAEMON_KEY
    group = ts.credentials.groupId();
    api = new ApiClient(ts.url());
    var daemons = ts.server.database().collection(Collections.DAEMONS);
    Date alive = Date.from(Instant.now().plus(Duration.ofDays(1)));
    daemons.insertOne(new Document("_id", "dead").append("host", "db8")
        .append("blockstores", List.of("default")).append("restoreSshKey", key("dead"))
        .append("expires", Date.from(Instant.now().minusSeconds(1))));
    daemons.insertOne(new Document("_id", "keyless").append("host", "db7")
        .append("blockstores", List.of("default")).append("expires", alive));
    daemons.insertOne(new Document("_id", "other-store").append("host", "db9")
        .append("blockstores", List.of("s3-archive")).append("restoreSshKey", key("other-store"))
        .append("expires", alive));
  }

  private static Document key(String daemon) {
    return new Document("type", "ssh-ed25519").append("line", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"
        + "AAAAIPDsPE3Wc3r3ZWGK6Q5M8vvoyFc79oYZ3pi2VPwT0sM+ openmms-restore@" + daemon)
        .append("fingerprint", "SHA256:qCW3yuRXMsFk58vY9sLLuU+vgwAUL+heZ0XUW1GmwrM");
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  private static ApiClient.Response get(String groupId) throws Exception {
    return api.getDigest(RestoreSshKeysApi.href(groupId), ts.credentials.publicKey(),
        ts.credentials.privateKey());
  }

  @Test
  void listsTheKeyOfEveryLiveDaemonThatPublishedOne() throws Exception {
    ApiClient.Response r = get(group);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("totalCount").asInt()).isEqualTo(2);
    List<String> ids = new ArrayList<>();
    r.json().get("results").forEach(d -> ids.add(d.get("id").asText()));
    assertThat(ids).containsExactly("other-store", "test-daemon");
    JsonNode d = r.json().get("results").get(1);
    assertThat(d.get("host").asText()).isEqualTo("localhost");
    assertThat(d.get("blockstores").toString()).isEqualTo("[\"default\"]");
    assertThat(d.get("keyType").asText()).isEqualTo("ecdsa-sha2-nistp256");
    assertThat(d.get("publicKey").asText()).isEqualTo(BackupPagesTest.DAEMON_KEY);
    assertThat(d.get("fingerprint").asText()).isEqualTo(BackupPagesTest.DAEMON_KEY_FINGERPRINT);
    assertThat(d.get("lastHeartbeat").asText()).endsWith("Z");
    assertThat(r.json().get("links").get(0).get("href").asText())
        .isEqualTo("/api/public/v1.0/groups/" + group + "/backup/restoreSshKeys");
  }

  @Test
  void withoutAKeyForAnUnknownGroupOrAGroupWithoutARoleTheUsualErrors() throws Exception {
    ApiClient.Response none = api.getDigest(RestoreSshKeysApi.href(group), null, null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().get("errorCode").asText()).isEqualTo("UNAUTHORIZED");
    assertThat(none.body()).doesNotContain("AAAA");

    ApiClient.Response unknown = get(new ObjectId().toHexString());
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().get("errorCode").asText()).isEqualTo("GROUP_NOT_FOUND");

    String other = ts.server.groups().create("Other").id();
    ApiKeys.Created otherKey = ts.server.apiKeys().create("other", false,
        Map.of(other, "GROUP_READ_ONLY"));
    ApiClient.Response forbidden = api.getDigest(RestoreSshKeysApi.href(group),
        otherKey.publicKey(), otherKey.privateKey());
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.json().get("errorCode").asText()).isEqualTo("USER_CANNOT_ACCESS_GROUP");
    assertThat(forbidden.body()).doesNotContain("AAAA");
  }

  @Test
  void aReadOnlyKeyOfTheGroupMayReadThem() throws Exception {
    ApiKeys.Created reader = ts.server.apiKeys().create("reader", false,
        Map.of(group, "GROUP_READ_ONLY"));
    ApiClient.Response r = api.getDigest(RestoreSshKeysApi.href(group), reader.publicKey(),
        reader.privateKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("totalCount").asInt()).isEqualTo(2);
  }
}
