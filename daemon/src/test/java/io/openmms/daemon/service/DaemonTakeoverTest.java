package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.RocksHead;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons share one backup: only the leaseholder applies; when it dies without releasing
 * its lease, the other takes the backup over after the lease expires and rebuilds the same head
 * from the stored batches; a clean stop hands the backup over at once.
 */
class DaemonTakeoverTest {
  @TempDir Path dir;
  BackupSite site;
  BackupDaemon one;
  BackupDaemon two;

  @AfterEach
  void stop() throws Exception {
    for (BackupDaemon d : new BackupDaemon[] {one, two}) {
      if (d != null) {
        d.close();
      }
    }
    if (site != null) {
      site.close();
    }
  }

  static Map<String, Object> content(HeadReader head) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Namespace ns : head.namespaces()) {
      var info = head.collection(ns).orElseThrow();
      out.put(ns + " catalog", List.of(info.options(), info.indexes(), info.count()));
      out.put(ns + " docs", head.scan(ns).toList().stream().map(RawBsonDocument::toJson).toList());
    }
    out.put("position", head.position().orElseThrow().ts());
    return out;
  }

  private BackupDaemon holder(String backupId) {
    for (BackupDaemon d : new BackupDaemon[] {one, two}) {
      if (d != null && d.heldBackups().contains(backupId)) {
        return d;
      }
    }
    return null;
  }

  private static void appliedBy(BackupDaemon d, String backupId, long seq) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      HeadReports.Report r = d.heldBackups().contains(backupId) ? lastReport(d, backupId) : null;
      return r != null && r.appliedSeq() >= seq;
    });
  }

  private static HeadReports.Report lastReport(BackupDaemon d, String backupId) {
    HeadReader h = d.head(backupId);
    return h == null ? null : d.workerReport(backupId);
  }

  @Test
  void onlyTheLeaseholderAppliesAndADeadOnesBackupIsTakenOverAndRebuiltAfterExpiry()
      throws Exception {
    site = BackupSite.start(dir.resolve("server"));
    one = BackupDaemon.start(site.daemonConfig(dir.resolve("one"), "one", "1500ms"),
        Clock.systemUTC());
    two = BackupDaemon.start(site.daemonConfig(dir.resolve("two"), "two", "1500ms"),
        Clock.systemUTC());
    BackupSite.Agent agent = site.startBackup("shared");
    agent.syncStart(100).collection("app.c", "k_1")
        .oplog(101, "{op: 'u', ns: 'app.c', o2: {_id: 1}, o: {$v: 2, diff: {u: {k: 2}}}}")
        .documents("app.c", "{_id: 1, k: 1}", "{_id: 2, k: 1}").syncEnd(101)
        .oplog(102, "{op: 'i', ns: 'app.c', o: {_id: 3, k: 3}}",
            "{op: 'd', ns: 'app.c', o: {_id: 2}}");
    await().atMost(Duration.ofSeconds(20)).until(() -> holder(agent.backupId) != null);
    BackupDaemon first = holder(agent.backupId);
    BackupDaemon other = first == one ? two : one;
    appliedBy(first, agent.backupId, 6);
    // the other daemon never even created a head for it
    Thread.sleep(300);
    assertThat(other.heldBackups()).isEmpty();
    Path otherHeads = dir.resolve(other == one ? "one" : "two").resolve("heads");
    assertThat(otherHeads.resolve(agent.backupId)).doesNotExist();
    Map<String, Object> before = content(first.head(agent.backupId));
    assertThat(before.get("app.c docs").toString()).contains("\"k\": 2").contains("\"_id\": 3")
        .doesNotContain("\"_id\": 2");

    // the leaseholder dies: nothing is released, its lease must run out first
    long diedAt = System.nanoTime();
    first.abandon();
    appliedBy(other, agent.backupId, 6);
    long tookMillis = (System.nanoTime() - diedAt) / 1_000_000;
    assertThat(tookMillis).as("takeover waits for the lease to expire").isGreaterThan(1000);
    assertThat(content(other.head(agent.backupId))).isEqualTo(before);
    assertThat(site.headStatus(agent.backupId).get("daemon").asText())
        .isEqualTo(other.daemonId());
    Path firstHead = dir.resolve(first == one ? "one" : "two").resolve("heads")
        .resolve(agent.backupId).resolve("db");
    try (RocksHead dead = RocksHead.open(firstHead)) {
      assertThat(content(dead)).isEqualTo(before); // the dead daemon's copy, for comparison
    }

    // it goes on from there
    agent.oplog(104, "{op: 'i', ns: 'app.c', o: {_id: 4, k: 4}}");
    appliedBy(other, agent.backupId, 7);
    assertThat(other.head(agent.backupId).count(Namespace.parse("app.c"))).isEqualTo(3);

    // a clean stop releases the lease: a new daemon takes over without waiting for expiry
    if (first == one) {
      one = null;
    } else {
      two = null;
    }
    BackupDaemon third = BackupDaemon.start(site.daemonConfig(dir.resolve("three"), "three",
        "60s"), Clock.systemUTC());
    try {
      other.close();
      long stoppedAt = System.nanoTime();
      appliedBy(third, agent.backupId, 7);
      assertThat((System.nanoTime() - stoppedAt) / 1_000_000).isLessThan(10_000);
      assertThat(third.head(agent.backupId).count(Namespace.parse("app.c"))).isEqualTo(3);
    } finally {
      third.close();
    }
    assertThat(Files.exists(dir.resolve("three/daemon-admin.properties"))).isFalse();
  }
}
