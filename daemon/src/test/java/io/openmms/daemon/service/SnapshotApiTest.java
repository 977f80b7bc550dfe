package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.common.util.Json;
import io.openmms.daemon.snapshot.Verifier;
import io.openmms.server.backup.Snapshots;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots through the real server and daemon: the first one right after the initial sync, the
 * Ops Manager API (list, get, on-demand POST, DELETE), a schedule change re-dating expiries, and
 * errors for what does not exist.
 */
class SnapshotApiTest {
  @TempDir Path dir;

  @Test
  void theFirstSnapshotFollowsTheInitialSyncAndTheApiListsTakesAndDeletesSnapshots()
      throws Exception {
    try (BackupSite site = BackupSite.start(dir.resolve("server"));
        BackupDaemon daemon = BackupDaemon.start(site.daemonConfig(dir.resolve("daemon"), "d1",
            "5s"), Clock.systemUTC())) {
      BackupSite.Agent agent = site.startBackup("shop");
      String path = "/clusters/" + agent.backupId + "/snapshots";
      assertThat(site.api(path).get("totalCount").asInt()).isZero();
      agent.syncStart(100).collection("shop.orders", "sku_1");
      agent.documents("shop.orders", "{_id: 1, sku: 'a', qty: 1}", "{_id: 2, sku: 'b', qty: 2}");
      agent.syncEnd(101);
      agent.oplog(102, "{op: 'i', ns: 'shop.orders', o: {_id: 3, sku: 'c', qty: 3}}");

      JsonNode first = await().atMost(Duration.ofSeconds(30)).until(() -> site.api(path),
          l -> l.get("totalCount").asInt() == 1).get("results").get(0);
      assertThat(first.get("complete").asBoolean()).isTrue();
      assertThat(first.get("created").get("date").asText()).startsWith("1970-01-01T00:01:4");
      assertThat(first.get("logicalSizeBytes").asLong()).isPositive();
      assertThat(first.get("newStoredBytes").asLong()).isPositive();
      assertThat(first.get("frequencies")).extracting(JsonNode::asText)
          .contains("HOURLY", "DAILY", "WEEKLY", "MONTHLY");
      String id = first.get("id").asText();
      assertThat(site.api(path + "/" + id).get("id").asText()).isEqualTo(id);

      // the snapshot holds what the head held at its timestamp, and verifies
      Snapshots.Snapshot s = daemon.snapshots().snapshots().get(id).orElseThrow();
      Verifier.Report report = new Verifier(1).verify(daemon.snapshots().stores()
          .domainStore(s.store(), s.groupId()), s);
      assertThat(report.problems()).isEmpty();
      // taken right after the initial sync (ts 101) or after the next oplog entry (ts 102)
      assertThat(report.documents()).isEqualTo(s.ts().getTime() == 102 ? 3 : 2);

      // on demand
      var posted = site.send("POST", path, "{}");
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
      JsonNode list = await().atMost(Duration.ofSeconds(30)).until(() -> site.api(path),
          l -> l.get("totalCount").asInt() == 2);
      assertThat(list.get("results").get(0).get("onDemand").asBoolean()).isTrue();
      assertThat(list.get("results").get(0).get("created").get("date").asText())
          .isEqualTo("1970-01-01T00:01:42Z");

      // a shorter retention re-dates the existing snapshots
      Instant before = Instant.parse(site.api(path + "/" + id).get("expires").asText());
      var patched = site.send("PATCH", "/backupConfigs/" + agent.backupId + "/snapshotSchedule",
          "{\"monthlySnapshotRetentionMonths\": 1}");
      assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
      Instant after = Instant.parse(site.api(path + "/" + id).get("expires").asText());
      assertThat(after).isBefore(before);

      assertThat(site.send("DELETE", path + "/" + id, null).statusCode()).isEqualTo(204);
      var gone = site.send("GET", path + "/" + id, null);
      assertThat(gone.statusCode()).isEqualTo(404);
      assertThat(Json.mapper().readTree(gone.body()).get("errorCode").asText())
          .isEqualTo("SNAPSHOT_NOT_FOUND");
      assertThat(site.api(path).get("totalCount").asInt()).isEqualTo(1);
      var unknown = site.send("POST", "/clusters/nope/snapshots", "{}");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).contains("CLUSTER_NOT_FOUND");

      // block store assignment: only a store the daemons have configured
      String config = "/backupConfigs/" + agent.backupId;
      assertThat(site.api(config).get("blockstoreName").asText()).isEqualTo("default");
      var badStore = site.send("PATCH", config, "{\"blockstoreName\": \"archive\"}");
      assertThat(badStore.statusCode()).isEqualTo(400);
      assertThat(badStore.body()).contains("INVALID_BLOCKSTORE", "[default]", "archive");
      assertThat(site.send("PATCH", config, "{\"blockstoreName\": \"default\"}").statusCode())
          .isEqualTo(200);

      // terminating the backup deletes its snapshots
      assertThat(site.send("PATCH", config, "{\"statusName\": \"TERMINATING\"}").statusCode())
          .isEqualTo(200);
      assertThat(site.api(path).get("totalCount").asInt()).isZero();
    }
  }

  @Test
  void theHeadApiShowsWhySnapshotsFailUntilTheBackupEnds() throws Exception {
    Path keys = java.nio.file.Files.createDirectories(dir.resolve("keys"));
    try (BackupSite site = BackupSite.start(dir.resolve("server"));
        BackupDaemon daemon = BackupDaemon.start(site.daemonConfig(dir.resolve("daemon"), "d1",
            "5s", java.util.Map.of(io.openmms.daemon.DaemonSettings.KEYS_DIR.key(),
                keys.toString())), Clock.systemUTC())) {
      BackupSite.Agent agent = site.startBackup("shop");
      String group = site.server.backups().get(agent.backupId).groupId();
      // an operator's mistake: the group's key file holds no key
      java.nio.file.Files.writeString(keys.resolve(group + ".key"), "not a key");
      String head = "/backupConfigs/" + agent.backupId + "/head";
      assertThat(site.api(head).has("snapshotFailure")).isFalse();
      agent.syncStart(100).collection("shop.orders", "sku_1");
      agent.documents("shop.orders", "{_id: 1, sku: 'a', qty: 1}");
      agent.syncEnd(101);

      JsonNode failure = await().atMost(Duration.ofSeconds(30)).until(
          () -> site.api(head).get("snapshotFailure"), java.util.Objects::nonNull);
      assertThat(failure.get("message").asText()).contains("the key file",
          keys.resolve(group + ".key").toString(), "is not base64");
      assertThat(failure.get("attempts").asInt()).isEqualTo(1);
      Instant at = Instant.parse(failure.get("at").asText());
      assertThat(Instant.parse(failure.get("retryAt").asText())).isAfter(at);
      assertThat(site.api("/clusters/" + agent.backupId + "/snapshots").get("totalCount").asInt())
          .as("no partial snapshot").isZero();

      assertThat(site.send("PATCH", "/backupConfigs/" + agent.backupId,
          "{\"statusName\": \"TERMINATING\"}").statusCode()).isEqualTo(200);
      assertThat(daemon.snapshots().snapshots().failure(agent.backupId))
          .as("a terminated backup's failures go with its snapshots").isEmpty();
    }
  }
}
