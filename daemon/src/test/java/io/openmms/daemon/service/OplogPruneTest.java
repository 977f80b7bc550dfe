package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Snapshots;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored oplog is kept for the point-in-time window only — from the newest snapshot at or before
 * the window's start, so every time in the window stays restorable — and only pruned once
 * applied: a running head keeps going; a daemon that must rebuild the head from the start
 * rebuilds it from the newest snapshot the stored oplog continues, and asks for a new initial
 * sync when there is none it can read.
 */
class OplogPruneTest {
  @TempDir Path dir;

  private static void applied(BackupSite site, String backupId, long seq) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      var d = site.server.database().collection("heads")
          .find(new org.bson.Document("_id", backupId)).first();
      return d != null && ((Number) d.get("appliedSeq")).longValue() >= seq;
    });
  }

  @Test
  void prunedBatchesAreAppliedFirstAndARebuildAsksForANewInitialSync() throws Exception {
    try (BackupSite site = BackupSite.start(dir.resolve("server"))) {
      BackupSite.Agent agent = site.startBackup("prune");
      site.server.backups().setPitWindowHours(site.server.backups().get(agent.backupId).configId(),
          1);
      agent.syncStart(100).collection("app.c").documents("app.c", "{_id: 1}").syncEnd(100)
          .oplog(101, "{op: 'i', ns: 'app.c', o: {_id: 2}}")
          .oplog(200, "{op: 'i', ns: 'app.c', o: {_id: 3}}")
          .oplog(20_000, "{op: 'i', ns: 'app.c', o: {_id: 4}}");
      // a snapshot taken at ts 150 is the base of a restore to the window's start (20000 - 1 h)
      new Snapshots(site.server.database()).insert(new Snapshots.Snapshot("base", agent.backupId,
          site.group(), "default", new BsonTimestamp(150, 1), Instant.EPOCH, Instant.now(),
          Duration.ZERO, 0, 0, 0, List.of(), List.of(), Set.of("HOURLY"),
          Instant.now().plus(Duration.ofDays(2)), false, site.server.backups()
              .get(agent.backupId).syncId()));
      // no head has applied anything yet: nothing may be pruned, however old
      assertThat(site.server.oplogPruner().run()).isZero();
      assertThat(site.server.backups().prunedSeq(agent.backupId)).isZero();
      BackupDaemon first = BackupDaemon.start(site.daemonConfig(dir.resolve("d1"), "d1", "2s"),
          Clock.systemUTC());
      try {
        applied(site, agent.backupId, 7);
        assertThat(site.server.oplogPruner().run()).isEqualTo(1);
        assertThat(site.server.backups().prunedSeq(agent.backupId))
            .as("the batch ending at ts 101, before the base snapshot; the one at ts 200 is"
                + " older than the window but needed to replay from the snapshot").isEqualTo(5);
        // the running head is unaffected and goes on
        agent.oplog(20_010, "{op: 'i', ns: 'app.c', o: {_id: 5}}");
        applied(site, agent.backupId, 8);
        assertThat(DaemonApplyTest.docs(first.head(agent.backupId), "app.c")).hasSize(5);
      } finally {
        first.close();
      }
      // a daemon without the head (another machine, a lost disk) cannot replay pruned batches
      BackupDaemon second = BackupDaemon.start(site.daemonConfig(dir.resolve("d2"), "d2", "2s"),
          Clock.systemUTC());
      try {
        await().atMost(Duration.ofSeconds(20)).until(() ->
            site.server.backups().get(agent.backupId).state() == Backups.State.RESYNC_REQUIRED);
        assertThat(site.server.database().collection("backups").find(
            new org.bson.Document("_id", agent.backupId)).first().getString("resyncReason"))
            .contains("pruned");
      } finally {
        second.close();
      }
    }
  }

  /**
   * A backup whose first daemon took two snapshots (at ts 101 after the initial sync, and at
   * 102 on demand) and applied the oplog up to 20001, after which the oplog before the second
   * snapshot (batch 5) was pruned; the daemon is closed. Returns the second snapshot.
   */
  private Snapshots.Snapshot prunedAfterASnapshot(BackupSite site, BackupSite.Agent agent,
      String stores) throws Exception {
    site.server.backups().setPitWindowHours(site.server.backups().get(agent.backupId).configId(),
        1);
    agent.syncStart(100).collection("app.c").documents("app.c", "{_id: 1}", "{_id: 2, v: 0}")
        .syncEnd(100).oplog(101, "{op: 'i', ns: 'app.c', o: {_id: 3}}");
    Snapshots snapshots = new Snapshots(site.server.database());
    try (BackupDaemon first = BackupDaemon.start(site.daemonConfig(dir.resolve("d1"), "d1", "2s",
        java.util.Map.of("daemon.blockstores", stores)), Clock.systemUTC())) {
      // the first snapshot follows the initial sync; a second one is taken on demand
      await().atMost(Duration.ofSeconds(30)).until(() -> snapshots.latest(agent.backupId)
          .isPresent());
      agent.oplog(102, "{op: 'u', ns: 'app.c', o2: {_id: 2}, o: {$v: 2, diff: {u: {v: 1}}}}");
      applied(site, agent.backupId, 6);
      snapshots.request(agent.backupId, Instant.now());
      Snapshots.Snapshot s = await().atMost(Duration.ofSeconds(30)).until(
          () -> snapshots.latest(agent.backupId).orElseThrow(),
          x -> x.ts().equals(new BsonTimestamp(102, 1)));
      agent.oplog(20_000, "{op: 'i', ns: 'app.c', o: {_id: 4}}", "{op: 'd', ns: 'app.c',"
          + " o: {_id: 1}}");
      applied(site, agent.backupId, 7);
      // the window starts at 16400: snapshot s is its base, the oplog before it goes
      assertThat(site.server.oplogPruner().run()).isEqualTo(1);
      assertThat(site.server.backups().prunedSeq(agent.backupId)).isEqualTo(5);
      assertThat(s.syncId()).isEqualTo(site.server.backups().get(agent.backupId).syncId());
      return s;
    }
  }

  @Test
  void aDaemonWithoutTheHeadRebuildsItFromTheNewestSnapshotAndTheStoredOplog() throws Exception {
    String stores = "default=file:" + dir.resolve("blocks");
    try (BackupSite site = BackupSite.start(dir.resolve("server"))) {
      BackupSite.Agent agent = site.startBackup("rebuild");
      prunedAfterASnapshot(site, agent, stores);
      // another daemon, without the head: the snapshot and the stored oplog after it rebuild it
      try (BackupDaemon second = BackupDaemon.start(site.daemonConfig(dir.resolve("d2"), "d2",
          "2s", java.util.Map.of("daemon.blockstores", stores)), Clock.systemUTC())) {
        agent.oplog(20_010, "{op: 'i', ns: 'app.c', o: {_id: 5}}");
        applied(site, agent.backupId, 8);
        assertThat(second.head(agent.backupId).position().orElseThrow().ts())
            .isEqualTo(new BsonTimestamp(20_010, 1));
        assertThat(DaemonApplyTest.docs(second.head(agent.backupId), "app.c")).containsExactly(
            "{\"_id\":2,\"v\":1}", "{\"_id\":3}", "{\"_id\":4}", "{\"_id\":5}");
        assertThat(site.server.backups().get(agent.backupId).state())
            .as("no new initial sync").isEqualTo(Backups.State.TAILING);
      }
    }
  }

  @Test
  void aSnapshotThatCannotBeReadEndsInANewInitialSyncThatSaysWhy() throws Exception {
    String stores = "default=file:" + dir.resolve("blocks");
    try (BackupSite site = BackupSite.start(dir.resolve("server"))) {
      BackupSite.Agent agent = site.startBackup("damaged");
      Snapshots.Snapshot s = prunedAfterASnapshot(site, agent, stores);
      try (var blockStores = new io.openmms.daemon.snapshot.SnapshotStores(
          io.openmms.daemon.snapshot.SnapshotStores.parse(stores, dir), null,
          new java.security.SecureRandom())) {
        var store = blockStores.domainStore("default", s.groupId());
        var first = io.openmms.daemon.snapshot.SnapshotInput.blocks(store, s).get(0).id();
        assertThat(store.delete(first)).isTrue();
      }
      try (BackupDaemon second = BackupDaemon.start(site.daemonConfig(dir.resolve("d2"), "d2",
          "2s", java.util.Map.of("daemon.blockstores", stores)), Clock.systemUTC())) {
        await().atMost(Duration.ofSeconds(20)).until(() ->
            site.server.backups().get(agent.backupId).state() == Backups.State.RESYNC_REQUIRED);
        assertThat(site.server.database().collection("backups").find(
            new org.bson.Document("_id", agent.backupId)).first().getString("resyncReason"))
            .contains("batch 5", "pruned", "rebuilding it from snapshot " + s.id() + " failed",
                "block", "not found");
      }
    }
  }
}
