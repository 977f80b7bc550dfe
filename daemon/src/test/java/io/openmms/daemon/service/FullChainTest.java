package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.agent.backup.BackupAgent;
import io.openmms.common.config.Config;
import io.openmms.daemon.head.HeadReader;
import io.openmms.testkit.ReplicaSetStandIn;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.bson.Document;
import org.bson.types.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole backup path with real components: a stand-in replica set under a varied workload, the
 * monitoring and backup agents, the server (8080 and 8081) and the daemon. Once the source is
 * quiet, the head equals the source document by document, with the same collections and indexes.
 */
class FullChainTest {
  @TempDir Path dir;

  @Test
  void theHeadEqualsTheSourceAfterInitialSyncAndTailingUnderAWorkload() throws Exception {
    try (BackupSite site = BackupSite.start(dir.resolve("server"));
        ReplicaSetStandIn rs = ReplicaSetStandIn.start("rs0", 3)) {
      MongoClient source = rs.client();
      seed(source);
      Map<String, String> a = new HashMap<>();
      a.put(AgentSettings.SERVER_URL.key(), site.url());
      a.put(AgentSettings.BACKUP_SERVER_URL.key(), "http://127.0.0.1:" + site.server.backupPort());
      a.put(AgentSettings.GROUP_ID.key(), site.group());
      a.put(AgentSettings.API_KEY.key(), site.credentials.agentKey());
      a.put(AgentSettings.MONGO_SEED.key(), rs.seedList());
      a.put(AgentSettings.POLL_INTERVAL.key(), "1s");
      a.put(AgentSettings.DATA_DIR.key(), dir.resolve("agent").toString());
      a.put(AgentSettings.BACKUP_ENABLED.key(), "true");
      Config agentConfig = Config.of("agent", AgentSettings.ALL, a);
      try (MonitoringAgent monitoring = new MonitoringAgent(agentConfig, Clock.systemUTC());
          BackupDaemon daemon = BackupDaemon.start(site.daemonConfig(dir.resolve("daemon"), "d1",
              "5s"), Clock.systemUTC())) {
        monitoring.start();
        String clusterId = await().atMost(Duration.ofSeconds(30)).until(() -> clusterId(site),
            id -> id != null);
        patchStarted(site, clusterId);
        try (BackupAgent backup = new BackupAgent(agentConfig, Clock.systemUTC())) {
          backup.start();
          workload(source, 4000);
          await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            HeadReader head = daemon.head(clusterId);
            return head != null && head.position().isPresent()
                && head.position().get().ts().equals(rs.oplogLastTs());
          });
          HeadAssertions.assertSameContent(source, daemon.head(clusterId));
          assertThat(site.headStatus(clusterId).get("state").asText()).isEqualTo("STEADY");
          assertThat(site.headStatus(clusterId).get("lagSeconds").asLong()).isZero();
        }
      }
    }
  }

  private static String clusterId(BackupSite site) throws Exception {
    var configs = site.api("/backupConfigs").get("results");
    return configs.isEmpty() ? null : configs.get(0).get("clusterId").asText();
  }

  private static void patchStarted(BackupSite site, String clusterId) throws Exception {
    HttpResponse<String> r = BackupSite.HTTP.send(HttpRequest.newBuilder(URI.create(site.url()
        + "/api/public/v1.0/groups/" + site.group() + "/backupConfigs/" + clusterId))
        .header("Authorization", BackupSite.basic(site.credentials.publicKey(),
            site.credentials.privateKey())).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"statusName\":\"STARTED\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** Data that exists before the backup starts: copied by the initial sync. */
  private static void seed(MongoClient c) {
    io.openmms.testkit.SampleData.ordersAndPeople(c, 500);
    byte[] big = new byte[8 << 20];
    new Random(1).nextBytes(big);
    c.getDatabase("shop").getCollection("blobs").insertOne(new Document("_id", "big")
        .append("data", new Binary(big)));
  }


  /** Every kind of write, while the initial sync and then the tailing run. */
  private static void workload(MongoClient c, int ops) {
    Random r = new Random(7);
    var orders = c.getDatabase("shop").getCollection("orders");
    var events = c.getDatabase("logs").getCollection("events");
    for (int i = 0; i < ops; i++) {
      int id = r.nextInt(700);
      switch (i % 10) {
        case 0 -> orders.insertOne(new Document("_id", 1000 + i).append("sku", "n" + i));
        case 1 -> orders.updateOne(Filters.eq("_id", id), Updates.inc("qty", 1));
        case 2 -> orders.updateOne(Filters.eq("_id", id), Updates.push("tags", "t" + i));
        case 3 -> orders.updateOne(Filters.eq("_id", id), Updates.set("addr.zip", i));
        case 4 -> orders.updateOne(Filters.eq("_id", id), Updates.unset("sku"));
        case 5 -> orders.replaceOne(Filters.eq("_id", id), new Document("_id", id).append("r", i));
        case 6 -> orders.deleteOne(Filters.eq("_id", id));
        case 7 -> events.insertOne(new Document("i", i).append("at", new java.util.Date()));
        case 8 -> orders.updateOne(Filters.eq("_id", id), Updates.rename("qty", "quantity"));
        default -> events.deleteMany(Filters.lt("i", i - 50));
      }
      if (i == ops / 2) {
        events.createIndex(Indexes.descending("i"));
        c.getDatabase("crm").getCollection("people").renameCollection(
            new com.mongodb.MongoNamespace("crm", "contacts"));
        c.getDatabase("tmp").getCollection("scratch").insertOne(new Document("x", 1));
        c.getDatabase("tmp").getCollection("scratch").drop();
        orders.dropIndex("sku_1");
      }
    }
  }
}
