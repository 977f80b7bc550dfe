package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.openmms.daemon.DaemonSettings;
import io.openmms.server.store.Collections;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.server.SshServer;
import org.bson.Document;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores that cannot succeed end BROKEN with a reason that says what failed, change nothing
 * they should not, and leave no partial files: an unreachable target, a target that already has
 * the data, SFTP authentication refused, a manifest that does not match the data, a full disk;
 * and a job killed before it started ends KILLED.
 */
class RestoreFailureTest {
  @TempDir Path dir;

  @Test
  void failuresEndBrokenWithAClearReasonAndNothingPartialLeft() throws Exception {
    MongoServer target = new MongoServer(new MemoryBackend());
    InetSocketAddress address = target.bind();
    Path sftpRoot = Files.createDirectories(dir.resolve("sftp/restores"));
    SshServer sshd = RestoreFixture.sftpServer(sftpRoot.getParent(), (user, key, session) -> false);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (RestoreFixture f = new RestoreFixture(dir, 200, "{}");
        MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + address.getPort())) {
      String snapshotId = f.startDaemon(Map.of());
      String snap = "{\"snapshotId\": \"" + snapshotId + "\", \"delivery\": ";

      JsonNode unreachable = broken(f, snap + "{\"methodName\": \"AUTOMATED_RESTORE\","
          + " \"targetConnectionString\": \"mongodb://127.0.0.1:" + closedPort
          + "/?serverSelectionTimeoutMS=1000\"}}");
      assertThat(unreachable.get("reason").asText()).contains("Cannot reach the target MongoDB",
          "127.0.0.1:" + closedPort);

      client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 1));
      JsonNode occupied = broken(f, snap + "{\"methodName\": \"AUTOMATED_RESTORE\","
          + " \"targetConnectionString\": \"mongodb://127.0.0.1:" + address.getPort() + "\"}}");
      assertThat(occupied.get("reason").asText()).contains("already has shop.orders with 1"
          + " documents", "nothing was restored", "dropExisting");
      assertThat(client.getDatabase("shop").getCollection("orders").countDocuments())
          .isEqualTo(1);
      assertThat(client.getDatabase("crm").listCollectionNames()).isEmpty();

      String fingerprint = RestoreFixture.hostKeyFingerprint(sshd);
      JsonNode refused = broken(f, snap + "{\"methodName\": \"SCP\", \"targetHost\":"
          + " \"127.0.0.1\", \"targetPort\": " + sshd.getPort() + ", \"username\": \"backup\","
          + " \"targetDirectory\": \"/restores\", \"hostKeyFingerprint\": \"" + fingerprint
          + "\"}}");
      assertThat(refused.get("reason").asText()).containsIgnoringCase("authentication")
          .contains("authorized_keys");
      try (var listing = Files.list(sftpRoot)) {
        assertThat(listing).isEmpty();
      }

      // the manifest disagrees with the stored data: the job fails loudly, nothing is offered
      var snapshots = f.site.server.database().collection(Collections.SNAPSHOTS);
      Document manifest = snapshots.find(Filters.eq("_id", snapshotId)).first();
      List<Document> colls = manifest.getList("collections", Document.class);
      colls.get(colls.size() - 1).put("sha256", "0".repeat(64));
      snapshots.updateOne(Filters.eq("_id", snapshotId), Updates.set("collections", colls));
      JsonNode mismatch = broken(f, snap + "{\"methodName\": \"HTTP\"}}");
      assertThat(mismatch.get("reason").asText()).contains("Verification failed",
          snapshotId, "0".repeat(64));
      assertThat(mismatch.get("verification").get("status").asText()).isEqualTo("FAILED");
      assertThat(mismatch.get("delivery").path("url").isMissingNode()
          || mismatch.get("delivery").get("url").isNull()).isTrue();
      assertThat(f.site.server.database().collection(Collections.RESTORE_FILE_PARTS)
          .countDocuments()).isZero();
      try (var staged = Files.list(dir.resolve("daemon/restores"))) {
        assertThat(staged).as("staging directories deleted").isEmpty();
      }
    } finally {
      sshd.stop(true);
      target.shutdownNow();
    }
  }

  @Test
  void aFullDiskEndsTheRestoreBrokenAndDeletesItsFiles() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs",
        small.toString()).redirectErrorStream(true).start();
    Assumptions.assumeTrue(mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0,
        "needs root to mount a small tmpfs as the full disk");
    try (RestoreFixture f = new RestoreFixture(dir, 2000, "{}")) {
      String snapshotId = f.startDaemon(Map.of(DaemonSettings.RESTORE_DIR.key(),
          small.toString()));
      JsonNode job = broken(f, "{\"snapshotId\": \"" + snapshotId + "\", \"delivery\":"
          + " {\"methodName\": \"HTTP\"}}");
      assertThat(job.get("reason").asText()).contains("is full", "No space left",
          "daemon.restore.dir");
      try (var left = Files.walk(small)) {
        assertThat(left.filter(Files::isRegularFile)).as("partial files deleted").isEmpty();
      }
    } finally {
      new ProcessBuilder("umount", small.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aJobKilledBeforeADaemonTookItEndsKilled() throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 20, "{}")) {
      String snapshotId = f.startDaemon(Map.of());
      f.daemon.close();
      var daemons = f.site.server.database().collection(Collections.DAEMONS);
      String id = jobForAGhostDaemon(f, snapshotId);
      var kill = f.site.send("DELETE", f.jobsPath() + "/" + id, null);
      assertThat(kill.statusCode()).as(kill.body()).isEqualTo(202);
      daemons.deleteOne(Filters.eq("_id", "ghost"));
      f.startDaemon(Map.of());
      JsonNode end = f.awaitEnd(id);
      assertThat(end.get("statusName").asText()).isEqualTo("KILLED");
      assertThat(end.get("reason").asText()).contains("killed before it started");
      var again = f.site.send("DELETE", f.jobsPath() + "/" + id, null);
      assertThat(again.statusCode()).isEqualTo(409);
    }
  }

  @Test
  void stagingLeftByAKilledRunIsRemovedWhenTheDaemonStartsButNotAnotherDaemonsRunningJob()
      throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 20, "{}")) {
      String snapshotId = f.startDaemon(Map.of());
      f.daemon.close();
      // a job another daemon runs now (its heartbeat is fresh) in its second attempt, sharing
      // this restore directory
      String elsewhere = jobForAGhostDaemon(f, snapshotId);
      f.site.server.database().collection(Collections.RESTORE_JOBS).updateOne(
          Filters.eq("_id", elsewhere), new Document("$set", new Document("owner", "ghost")
              .append("heartbeat", new Date(System.currentTimeMillis() + 120_000))
              .append("attempts", 2)));
      Path staging = dir.resolve("daemon/restores");
      Path left = Files.createDirectories(staging.resolve("0123456789abcdef01234567.1/dump/shop"));
      Files.write(left.resolve("orders.bson"), new byte[4096]);
      Path before = Files.createDirectories(staging.resolve(elsewhere + ".1").resolve("head"));
      Files.write(before.resolve("000001.sst"), new byte[4096]);
      Path theirs = Files.createDirectories(staging.resolve(elsewhere + ".2").resolve("head"));
      Files.write(theirs.resolve("000001.sst"), new byte[4096]);
      // the operator's own files in the same directory are not the daemon's to delete
      Path foreign = Files.writeString(staging.resolve("notes.txt"), "keep me");
      Path foreignDir = Files.createDirectories(staging.resolve("scratch"));

      f.startDaemon(Map.of());
      assertThat(foreign).hasContent("keep me");
      assertThat(foreignDir).isDirectory();
      assertThat(staging.resolve("0123456789abcdef01234567.1")).as("a dead run's staging")
          .doesNotExist();
      assertThat(staging.resolve(elsewhere + ".1")).as("an earlier attempt's staging")
          .doesNotExist();
      assertThat(theirs.resolve("000001.sst")).as("a running attempt's staging").exists();
    }
  }

  /** {@link RestoreFixture#ghostDaemon()}, and an HTTP restore job of {@code snapshotId}. */
  private static String jobForAGhostDaemon(RestoreFixture f, String snapshotId) throws Exception {
    f.ghostDaemon();
    return f.restore("{\"snapshotId\": \"" + snapshotId + "\", \"delivery\":"
        + " {\"methodName\": \"HTTP\"}}").get("id").asText();
  }

  private static JsonNode broken(RestoreFixture f, String body) throws Exception {
    JsonNode end = f.awaitEnd(f.restore(body).get("id").asText());
    assertThat(end.get("statusName").asText()).as(end.toString()).isEqualTo("BROKEN");
    return end;
  }
}
