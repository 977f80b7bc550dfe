package io.openmms.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.openmms.server.store.EmbeddedMongo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code openmms demo} as a newcomer runs it: within 60 s of start the API shows the stand-in
 * replica set's 3 hosts with non-zero opcounters, the replica set's backup is on and its head is
 * STEADY and keeps up with the workload, and {@code openmms stop} ends it cleanly, the daemon
 * releasing its leases.
 */
class DemoTest {
  @TempDir Path dir;

  @Test
  void demoShowsThreeHostsWithOpcountersWithinAMinuteAndStopsCleanly() throws Exception {
    long start = System.nanoTime();
    CompletableFuture<Integer> demo = CompletableFuture.supplyAsync(() -> Main.run("demo",
        "--data-dir", dir.toString(), "--port", "0", "-D", "server.admin.port=0",
        "-D", "server.backup.http.port=0", "--daemon-admin-port", "0"));
    Path credFile = dir.resolve("demo-credentials.properties");
    while (!Files.exists(credFile)) {
      assertThat(demo).as("the demo is still running").isNotDone();
      Thread.sleep(200);
    }
    Properties c = new Properties();
    try (var r = Files.newBufferedReader(credFile)) {
      c.load(r);
    }
    assertThat(c.stringPropertyNames()).contains("url", "username", "password", "groupId",
        "publicKey", "privateKey", "sourceUri");
    assertThat(c.getProperty("sourceUri")).startsWith("mongodb://").contains("replicaSet=rs0");

    HttpClient http = HttpClient.newHttpClient();
    String auth = "Basic " + Base64.getEncoder().encodeToString((c.getProperty("publicKey") + ":"
        + c.getProperty("privateKey")).getBytes(StandardCharsets.UTF_8));
    String hostsUrl = c.getProperty("url") + "/api/public/v1.0/groups/" + c.getProperty("groupId")
        + "/hosts";
    int withOps = 0;
    while (System.nanoTime() - start < Duration.ofSeconds(60).toNanos()) {
      withOps = hostsWithOpcounters(http, auth, hostsUrl);
      if (withOps == 3) {
        break;
      }
      Thread.sleep(1000);
    }
    assertThat(withOps).as("hosts with non-zero opcounters within 60 s").isEqualTo(3);

    String groupUrl = c.getProperty("url") + "/api/public/v1.0/groups/" + c.getProperty("groupId");
    JsonNode config = get(http, auth, groupUrl + "/backupConfigs").get("results").get(0);
    assertThat(config.get("clusterName").asText()).isEqualTo("rs0");
    String headUrl = groupUrl + "/backupConfigs/" + config.get("clusterId").asText() + "/head";
    JsonNode head = null;
    while (System.nanoTime() - start < Duration.ofSeconds(60).toNanos()) {
      head = get(http, auth, headUrl);
      if (steadyAndCurrent(head)) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(get(http, auth, groupUrl + "/backupConfigs/" + config.get("clusterId").asText())
        .get("statusName").asText()).isEqualTo("STARTED");
    assertThat(steadyAndCurrent(head)).as("head STEADY with lagSeconds <= 3 within 60 s: %s",
        head).isTrue();
    // it keeps up: a few seconds of workload later it has moved on and is still current
    Thread.sleep(3000);
    JsonNode later = get(http, auth, headUrl);
    assertThat(steadyAndCurrent(later)).as("head still current: %s", later).isTrue();
    assertThat(appliedTime(later)).isGreaterThan(appliedTime(head));

    // the first snapshot follows the initial sync, on a 15-minute schedule
    String clusterUrl = groupUrl + "/clusters/" + config.get("clusterId").asText();
    JsonNode snapshots = null;
    for (int i = 0; i < 60; i++) {
      snapshots = get(http, auth, clusterUrl + "/snapshots");
      if (snapshots.path("totalCount").asInt() > 0) {
        break;
      }
      Thread.sleep(1000);
    }
    assertThat(snapshots.path("totalCount").asInt()).as("snapshots: %s", snapshots).isEqualTo(1);
    assertThat(snapshots.get("results").get(0).get("logicalSizeBytes").asLong()).isPositive();
    assertThat(get(http, auth, groupUrl + "/backupConfigs/" + config.get("clusterId").asText()
        + "/snapshotSchedule").get("snapshotIntervalMinutes").asInt()).isEqualTo(15);

    assertThat(Main.run("stop", "--data-dir", dir.toString())).isZero();
    assertThat(demo.get(30, TimeUnit.SECONDS)).isZero();
    try (EmbeddedMongo appdb = EmbeddedMongo.start(dir.resolve("appdb"), 0);
        MongoClient client = MongoClients.create(appdb.connectionString())) {
      MongoDatabase db = client.getDatabase("openmms");
      assertThat(db.getCollection("leases").countDocuments()).as("leases left").isZero();
      assertThat(db.getCollection("daemons").countDocuments()).as("live daemons").isZero();
    }
  }

  private static boolean steadyAndCurrent(JsonNode head) {
    return head != null && "STEADY".equals(head.path("state").asText())
        && head.path("lagSeconds").isNumber() && head.get("lagSeconds").asLong() <= 3;
  }

  private static long appliedTime(JsonNode head) {
    JsonNode ts = head.get("lastAppliedTs");
    return ts.get("time").asLong() * (1L << 32) + ts.get("inc").asLong();
  }

  private static int hostsWithOpcounters(HttpClient http, String auth, String hostsUrl)
      throws Exception {
    JsonNode hosts = get(http, auth, hostsUrl);
    if (hosts == null) {
      return 0;
    }
    int n = 0;
    for (JsonNode h : hosts.get("results")) {
      JsonNode m = get(http, auth, hostsUrl + "/" + h.get("id").asText()
          + "/measurements?granularity=PT1M&period=PT5M&m=OPCOUNTER_CMD&m=OPCOUNTER_INSERT"
          + "&m=OPCOUNTER_QUERY");
      boolean nonZero = false;
      for (JsonNode series : m.get("measurements")) {
        for (JsonNode p : series.get("dataPoints")) {
          nonZero |= p.get("value").asDouble() > 0;
        }
      }
      n += nonZero ? 1 : 0;
    }
    return n;
  }

  private static JsonNode get(HttpClient http, String auth, String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
  }
}
