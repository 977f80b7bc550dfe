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
 * applied: a running head keeps going; a daemon that must rebuild the head from the start asks
 * for a new initial sync instead of failing.
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
        agent.oplog(20_001, "{op: 'i', ns: 'app.c', o: {_id: 5}}");
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
}
