package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.HeadState;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon against a real server: batches posted over the Backup HTTP service as an agent
 * ships them end up in the head exactly, through initial sync (with the oplog of the copy
 * interleaved), steady oplog, a restart, a resync and a batch that cannot be applied; the public
 * API reports the head.
 */
class DaemonApplyTest {
  @TempDir static Path dir;
  static BackupSite site;
  static BackupDaemon daemon;

  @BeforeAll
  static void start() {
    site = BackupSite.start(dir.resolve("server"));
    daemon = BackupDaemon.start(site.daemonConfig(dir.resolve("daemon"), "d1", "3s"),
        Clock.systemUTC());
  }

  @AfterAll
  static void stop() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    site.close();
  }

  static List<String> docs(HeadReader head, String ns) {
    return head.scan(Namespace.parse(ns)).toList().stream().map(RawBsonDocument::toJson)
        .map(s -> s.replace(" ", "")).toList();
  }

  /** Waits until the daemon reported batch {@code seq} of the backup as applied. */
  static void applied(String backupId, long seq) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      HeadReports.Report r = lastReport(backupId);
      return r != null && r.appliedSeq() >= seq;
    });
  }

  static HeadReports.Report lastReport(String backupId) {
    var doc = site.server.database().collection("heads")
        .find(new org.bson.Document("_id", backupId)).first();
    if (doc == null) {
      return null;
    }
    return new HeadReports.Report(backupId, doc.getString("syncId"),
        HeadState.valueOf(doc.getString("state")), null, doc.getLong("appliedSeq"),
        doc.getLong("sizeBytes"), doc.getString("reason"));
  }

  @Test
  void initialSyncWithTheCopysOplogInterleavedThenSteadyOplogGiveTheSourcesDocuments()
      throws Exception {
    BackupSite.Agent agent = site.startBackup("shop");
    assertThat(site.headStatus(agent.backupId).get("state").asText()).isEqualTo("NO_HEAD");
    agent.syncStart(100).collection("shop.orders", "sku_1");
    // the agent tails from T0 while it copies: changes made during the copy arrive before the
    // copied documents that are older than them
    agent.oplog(100,
        "{op: 'i', ns: 'shop.orders', o: {_id: 0, sku: 'a'}}", // T0 itself: already in the copy
        "{op: 'u', ns: 'shop.orders', o2: {_id: 1}, o: {$v: 2, diff: {u: {qty: 5}}}}",
        "{op: 'i', ns: 'shop.orders', o: {_id: 3, sku: 'c', qty: 1}}",
        "{op: 'd', ns: 'shop.orders', o: {_id: 2}}");
    agent.documents("shop.orders", "{_id: 0, sku: 'a'}", "{_id: 1, sku: 'b', qty: 1}",
        "{_id: 2, sku: 'x', qty: 1}");
    agent.syncEnd(103);
    applied(agent.backupId, 5);
    HeadReader head = daemon.head(agent.backupId);
    assertThat(head.state()).isEqualTo(HeadState.STEADY);
    assertThat(docs(head, "shop.orders")).containsExactly("{\"_id\":0,\"sku\":\"a\"}",
        "{\"_id\":1,\"sku\":\"b\",\"qty\":5}", "{\"_id\":3,\"sku\":\"c\",\"qty\":1}");
    assertThat(head.collection(Namespace.parse("shop.orders")).orElseThrow().indexNames())
        .containsExactly("_id_", "sku_1");

    agent.oplog(104,
        "{op: 'c', ns: 'shop.$cmd', o: {create: 'audit'}}",
        "{op: 'i', ns: 'shop.audit', o: {_id: 'e1', what: 'login'}}",
        "{op: 'u', ns: 'shop.orders', o2: {_id: 3}, o: {_id: 3, sku: 'c', qty: 9}}",
        "{op: 'c', ns: 'shop.$cmd', o: {createIndexes: 'orders', v: 2, key: {qty: 1},"
            + " name: 'qty_1'}}",
        "{op: 'c', ns: 'shop.$cmd', o: {dropIndexes: 'orders', index: 'sku_1'}}",
        "{op: 'd', ns: 'shop.orders', o: {_id: 0}}",
        "{op: 'c', ns: 'shop.$cmd', o: {renameCollection: 'shop.audit', to: 'shop.log'}}");
    applied(agent.backupId, 6);
    assertThat(docs(head, "shop.orders")).containsExactly("{\"_id\":1,\"sku\":\"b\",\"qty\":5}",
        "{\"_id\":3,\"sku\":\"c\",\"qty\":9}");
    assertThat(head.collection(Namespace.parse("shop.orders")).orElseThrow().indexNames())
        .containsExactly("_id_", "qty_1");
    assertThat(head.namespaces()).extracting(Namespace::toString)
        .containsExactly("shop.log", "shop.orders");
    assertThat(docs(head, "shop.log")).containsExactly("{\"_id\":\"e1\",\"what\":\"login\"}");
    assertThat(head.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(110, 1));

    JsonNode status = site.headStatus(agent.backupId);
    assertThat(status.get("state").asText()).isEqualTo("STEADY");
    assertThat(status.get("lastAppliedTs").get("time").asLong()).isEqualTo(110);
    assertThat(status.get("lastAppliedTs").get("inc").asLong()).isEqualTo(1);
    assertThat(status.get("lagSeconds").asLong()).isZero();
    assertThat(status.get("sizeBytes").asLong()).isPositive();
    assertThat(status.get("daemon").asText()).isEqualTo("d1");
    assertThat(status.get("replicaSetName").asText()).isEqualTo("shop");

    // the daemon stops; the service keeps receiving: the API shows the lag
    daemon.close();
    daemon = null;
    agent.oplog(140, "{op: 'i', ns: 'shop.orders', o: {_id: 4}}");
    status = site.headStatus(agent.backupId);
    assertThat(status.get("lagSeconds").asLong()).isEqualTo(30);
    try (RocksHead stopped = RocksHead.open(dir.resolve("daemon/heads/" + agent.backupId
        + "/db"))) {
      assertThat(stopped.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(110, 1));
    }
    // restarted, it continues after the last applied batch
    daemon = BackupDaemon.start(site.daemonConfig(dir.resolve("daemon"), "d1", "3s"),
        Clock.systemUTC());
    applied(agent.backupId, 7);
    assertThat(docs(daemon.head(agent.backupId), "shop.orders")).hasSize(3);
    assertThat(site.headStatus(agent.backupId).get("lagSeconds").asLong()).isZero();
  }

  @Test
  void aResyncRebuildsTheHeadFromTheNewSyncOnly() throws Exception {
    BackupSite.Agent agent = site.startBackup("resync");
    agent.syncStart(200).collection("app.old").documents("app.old", "{_id: 1}")
        .syncEnd(200).oplog(201, "{op: 'i', ns: 'app.old', o: {_id: 2}}");
    applied(agent.backupId, 5);
    assertThat(docs(daemon.head(agent.backupId), "app.old")).hasSize(2);

    agent.resync();
    agent.syncStart(300).collection("app.new").documents("app.new", "{_id: 'n'}").syncEnd(300);
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      HeadReports.Report r = lastReport(agent.backupId);
      return r.syncId().equals(agent.syncId) && r.appliedSeq() == 4;
    });
    HeadReader head = daemon.head(agent.backupId);
    assertThat(head.namespaces()).extracting(Namespace::toString).containsExactly("app.new");
    assertThat(docs(head, "app.new")).containsExactly("{\"_id\":\"n\"}");
    assertThat(head.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(300, 1));
  }

  @Test
  void aBatchThatCannotBeAppliedMarksTheHeadResyncRequiredOnceAndStopsApplying()
      throws Exception {
    BackupSite.Agent agent = site.startBackup("broken");
    agent.syncStart(400).collection("app.c").documents("app.c", "{_id: 1, n: 1}").syncEnd(400);
    applied(agent.backupId, 4);
    // MongoDB never logs $inc; a source that does (mongo-java-server) is refused, not guessed at
    agent.oplog(401, "{op: 'i', ns: 'app.c', o: {_id: 2, n: 1}}",
        "{op: 'u', ns: 'app.c', o2: {_id: 1}, o: {$inc: {n: 1}}}");
    await().atMost(Duration.ofSeconds(20)).until(() ->
        lastReport(agent.backupId).state() == HeadState.RESYNC_REQUIRED);
    JsonNode status = site.headStatus(agent.backupId);
    assertThat(status.get("state").asText()).isEqualTo("RESYNC_REQUIRED");
    assertThat(status.get("reason").asText()).contains("batch 5").contains("$inc");
    // the whole failing batch was refused, and later batches are not applied (no retry loop)
    agent.oplog(410, "{op: 'i', ns: 'app.c', o: {_id: 3}}");
    Thread.sleep(500);
    HeadReader head = daemon.head(agent.backupId);
    assertThat(docs(head, "app.c")).containsExactly("{\"_id\":1,\"n\":1}");
    assertThat(head.state()).isEqualTo(HeadState.RESYNC_REQUIRED);
    assertThat(lastReport(agent.backupId).appliedSeq()).isEqualTo(4);

    // the agent's new initial sync brings it back
    agent.resync();
    agent.syncStart(500).collection("app.c").documents("app.c", "{_id: 1, n: 2}").syncEnd(500);
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      HeadReports.Report r = lastReport(agent.backupId);
      return r.syncId().equals(agent.syncId) && r.state() == HeadState.STEADY;
    });
    assertThat(docs(daemon.head(agent.backupId), "app.c")).containsExactly("{\"_id\":1,\"n\":2}");
    assertThat(site.headStatus(agent.backupId).has("reason")).isFalse();
  }

  @Test
  void aShardedClustersHeadStatusListsEachShardAndTheConfigServers() throws Exception {
    String clusterId = site.startShardedBackup("sc");
    JsonNode status = site.headStatus(clusterId);
    assertThat(status.get("totalCount").asInt()).isEqualTo(2);
    assertThat(status.get("results")).extracting(r -> r.get("replicaSetName").asText())
        .containsExactlyInAnyOrder("sc-sh0", "sc-cfg");
    // each replica set is a backup of its own, which a daemon picks up
    for (JsonNode r : status.get("results")) {
      BackupSite.Agent agent = site.agentFor(r.get("clusterId").asText());
      agent.syncStart(600).collection("config.x").syncEnd(600);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      for (JsonNode r : site.headStatus(clusterId).get("results")) {
        if (!r.get("state").asText().equals("STEADY")) {
          return false;
        }
      }
      return true;
    });
    assertThat(site.headStatus(clusterId).get("results"))
        .allSatisfy(r -> assertThat(r.get("daemon").asText()).isEqualTo("d1"));
  }
}
