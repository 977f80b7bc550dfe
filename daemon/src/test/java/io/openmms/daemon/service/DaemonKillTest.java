package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leaseholder is a daemon process killed with SIGKILL while it applies: the daemon beside it
 * takes the backup over once the lease expires and rebuilds the whole head from the stored
 * batches, ending with every acknowledged change; the killed daemon's head reopens consistent.
 */
class DaemonKillTest {
  @TempDir Path dir;

  @Test
  void aKilledLeaseholdersBackupIsRebuiltByTheOtherDaemonAfterExpiry() throws Exception {
    try (BackupSite site = BackupSite.start(dir.resolve("server"))) {
      BackupSite.Agent agent = site.startBackup("killed");
      agent.syncStart(1000).collection("app.events").documents("app.events", "{_id: -1}")
          .syncEnd(1000);
      String java = ProcessHandle.current().info().command().orElse("java");
      Process child = new ProcessBuilder(List.of(java, "-cp",
          System.getProperty("java.class.path"), DaemonChild.class.getName(),
          site.server.database().embeddedConnectionString(), dir.resolve("child").toString(),
          "child", "1500ms")).redirectErrorStream(true)
          .redirectOutput(dir.resolve("child.log").toFile()).start();
      BackupDaemon survivor = null;
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> "child".equals(holder(site,
            agent.backupId)));
        survivor = BackupDaemon.start(site.daemonConfig(dir.resolve("survivor"), "survivor",
            "1500ms"), Clock.systemUTC());
        // the child applies a stream of oplog batches and is killed in the middle of it
        int t = 1001;
        for (int b = 0; b < 20; b++) {
          String[] entries = new String[25];
          for (int i = 0; i < entries.length; i++) {
            entries[i] = "{op: 'i', ns: 'app.events', o: {_id: " + (b * 25 + i) + ", b: " + b
                + ", pad: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}}";
          }
          agent.oplog(t, entries);
          t += entries.length;
          if (b == 10) {
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(survivor.heldBackups()).as("the dead daemon's lease has not expired yet")
                .isEmpty();
          }
        }
        BackupDaemon s = survivor;
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          HeadReports.Report r = s.workerReport(agent.backupId);
          return r != null && r.appliedSeq() == agent.seq;
        });
        HeadReader head = survivor.head(agent.backupId);
        assertThat(head.count(Namespace.parse("app.events"))).isEqualTo(501);
        assertThat(head.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(t - 1, 1));
        assertThat(holder(site, agent.backupId)).isEqualTo("survivor");
      } finally {
        child.destroyForcibly();
        if (survivor != null) {
          survivor.close();
        }
      }
      // the killed daemon's own head is consistent: exactly the entries up to its position
      try (RocksHead dead = RocksHead.open(dir.resolve("child/heads/" + agent.backupId
          + "/db"))) {
        long applied = dead.position().orElseThrow().ts().getTime() - 1000;
        assertThat(dead.count(Namespace.parse("app.events"))).isEqualTo(applied + 1);
      }
    }
  }

  private static String holder(BackupSite site, String backupId) {
    Document d = site.server.database().collection("heads").find(new Document("_id", backupId))
        .first();
    return d == null ? null : d.getString("daemonId");
  }
}
