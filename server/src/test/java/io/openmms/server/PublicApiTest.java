package io.openmms.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.server.auth.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublicApiTest {
  @TempDir static Path dir;
  static TestServer ts;
  static ApiClient api;
  static String group;
  static long t0;

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    api = new ApiClient(ts.url());
    group = ts.credentials.groupId();
    t0 = System.currentTimeMillis() - 50_000;
    List<io.openmms.common.wire.HostSample> s = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      long t = t0 + i * 10_000L;
      s.add(Samples.member("db1.example", 27017, t, "PRIMARY", 1000 + i * 100L, 3600 + i * 10L));
      s.add(Samples.member("db2.example", 27017, t, "SECONDARY", 500, 3600 + i * 10L));
    }
    var r = api.postSamples(group, ts.credentials.agentKey(), Samples.batch("agent-1", 1, s), true);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  @Test
  void digestAuthenticatedKeySeesItsGroupsHostsAndTypes() throws Exception {
    var r = api.getDigest("/api/public/v1.0/groups/" + group + "/hosts",
        ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    assertThat(r.json().get("totalCount").asInt()).isEqualTo(2);
    Map<String, String> types = new java.util.HashMap<>();
    results.forEach(h -> types.put(h.get("hostname").asText(), h.get("typeName").asText()));
    assertThat(types).containsEntry("db1.example", "REPLICA_PRIMARY")
        .containsEntry("db2.example", "REPLICA_SECONDARY");
    JsonNode h = results.get(0);
    assertThat(h.get("replicaSetName").asText()).isEqualTo("rs0");
    assertThat(h.get("version").asText()).isEqualTo("7.0.14");
    assertThat(h.get("port").asInt()).isEqualTo(27017);
    assertThat(h.get("lastPing").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(h.get("down").asBoolean()).isFalse();
  }

  @Test
  void curlDigestWorksAsWithOpsManager() throws Exception {
    Process p = new ProcessBuilder("curl", "-s", "--digest", "-u",
        ts.credentials.publicKey() + ":" + ts.credentials.privateKey(),
        ts.url() + "/api/public/v1.0/groups?pretty=true").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    assertThat(out).contains("\"id\":\"" + group + "\"").contains("\"name\":\"Test Group\"");
  }

  @Test
  void authMatrixNoKeyWrongKeyOtherGroupsKey() throws Exception {
    String path = "/api/public/v1.0/groups/" + group + "/hosts";
    var none = api.getDigest(path, null, null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().get("errorCode").asText()).isEqualTo("UNAUTHORIZED");
    assertThat(none.raw().headers().allValues("WWW-Authenticate")).anyMatch(v -> v.startsWith("Digest"));

    var wrong = api.getDigest(path, ts.credentials.publicKey(), "00000000-0000-4000-8000-000000000000");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.json().get("error").asInt()).isEqualTo(401);

    var other = ts.server.groups().create("Other Group");
    ApiKeys.Created otherKey = ts.server.apiKeys().create("other", false,
        Map.of(other.id(), "GROUP_READ_ONLY"));
    var forbidden = api.getDigest(path, otherKey.publicKey(), otherKey.privateKey());
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.json().get("errorCode").asText()).isEqualTo("USER_CANNOT_ACCESS_GROUP");
    var groups = api.getDigest("/api/public/v1.0/groups", otherKey.publicKey(), otherKey.privateKey());
    assertThat(groups.json().get("totalCount").asInt()).isEqualTo(1);
    assertThat(groups.json().get("results").get(0).get("id").asText()).isEqualTo(other.id());

    var basic = api.getBasic(path, ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(basic.status()).isEqualTo(200);
  }

  @Test
  void measurementsAreRatesPerSecondWithOpsManagerNames() throws Exception {
    String hostId = hostId("db1.example");
    var r = api.getDigest("/api/public/v1.0/groups/" + group + "/hosts/" + hostId
        + "/measurements?granularity=PT1M&period=PT1H&m=OPCOUNTER_INSERT&m=CONNECTIONS",
        ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("granularity").asText()).isEqualTo("PT1M");
    JsonNode ms = r.json().get("measurements");
    assertThat(ms.get(0).get("name").asText()).isEqualTo("OPCOUNTER_INSERT");
    assertThat(ms.get(0).get("units").asText()).isEqualTo("SCALAR_PER_SECOND");
    List<Double> values = new ArrayList<>();
    ms.get(0).get("dataPoints").forEach(p -> values.add(p.get("value").asDouble()));
    assertThat(values).isNotEmpty().allSatisfy(v -> assertThat(v).isEqualTo(10.0));
    assertThat(ms.get(1).get("dataPoints").get(0).get("value").asDouble()).isEqualTo(12.0);
  }

  @Test
  void badMeasurementQueriesAreExplained() throws Exception {
    String base = "/api/public/v1.0/groups/" + group + "/hosts/" + hostId("db1.example")
        + "/measurements?";
    var gran = api.getDigest(base + "granularity=PT7M&period=PT1H", ts.credentials.publicKey(),
        ts.credentials.privateKey());
    assertThat(gran.status()).isEqualTo(400);
    assertThat(gran.json().get("detail").asText()).contains("PT7M");
    var metric = api.getDigest(base + "granularity=PT1M&period=PT1H&m=NOPE",
        ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(metric.json().get("errorCode").asText()).isEqualTo("INVALID_METRIC_NAME");
    var missing = api.getDigest("/api/public/v1.0/groups/" + group + "/hosts/ffff",
        ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().get("errorCode").asText()).isEqualTo("HOST_NOT_FOUND");
  }

  @Test
  void clustersListTheReplicaSet() throws Exception {
    var r = api.getDigest("/api/public/v1.0/groups/" + group + "/clusters",
        ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(r.json().get("totalCount").asInt()).isEqualTo(1);
    JsonNode c = r.json().get("results").get(0);
    assertThat(c.get("typeName").asText()).isEqualTo("REPLICA_SET");
    assertThat(c.get("replicaSetName").asText()).isEqualTo("rs0");
    var one = api.getDigest("/api/public/v1.0/groups/" + group + "/clusters/" + c.get("id").asText(),
        ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(one.json().get("clusterName").asText()).isEqualTo("rs0");
  }

  @Test
  void prometheusScrapeExposesTheSameMeasurements() throws Exception {
    var r = api.getBasic("/prometheus/v1.0/groups/" + group + "/metrics",
        ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).contains("openmms_host_up{")
        .containsPattern("openmms_opcounter_insert\\{[^}]*hostname=\"db1.example\"[^}]*\\} 10.0");
    var denied = api.getBasic("/prometheus/v1.0/groups/" + group + "/metrics", "nobody", "x");
    assertThat(denied.status()).isEqualTo(401);
  }

  private static String hostId(String hostname) throws Exception {
    var r = api.getDigest("/api/public/v1.0/groups/" + group + "/hosts",
        ts.credentials.publicKey(), ts.credentials.privateKey());
    for (JsonNode h : r.json().get("results")) {
      if (h.get("hostname").asText().equals(hostname)) {
        return h.get("id").asText();
      }
    }
    throw new AssertionError(hostname + " not listed");
  }
}
