package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.daemon.DaemonSettings;
import io.openmms.daemon.restore.RestoreService;
import io.openmms.daemon.restore.dump.ArchiveDump;
import io.openmms.daemon.snapshot.SnapshotStores;
import io.openmms.server.backup.DownloadRoutes;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.store.Collections;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.sshd.server.SshServer;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A point-in-time restore (download) whose daemon, a process of its own, stops in the middle of
 * the oplog replay, and a second daemon with the same block store that takes the job over once
 * the first one's heartbeat is a lease old (docs/restores.md, "Jobs"):
 * <ul>
 *   <li>killed with SIGKILL: the second daemon (sharing the restore staging directory, as a
 *       daemon on the same host would) starts the job over and finishes it verified; the
 *       download equals the source document by document, the killed attempt's staging files are
 *       gone, nothing is offered before the end, and the progress shown stayed sane;
 *   <li>only paused (SIGSTOP) and resumed after the second daemon finished: it gives the job up
 *       without touching the second daemon's download;
 *   <li>in one process, two restore services sharing the staging directory, the first one
 *       stalled past its lease while the second runs the job: the first wakes up and gives up
 *       without touching the second one's staged file.
 * </ul>
 */
class RestoreTakeoverTest {
  private static final Duration LEASE = Duration.ofSeconds(2);
  private static final int BATCHES = 120;
  private static final int PER_BATCH = 200;

  @TempDir Path dir;

  @Test
  void aRestoreWhoseDaemonWasKilledIsClaimedAfterTheLeaseAndFinishedVerifiedByAnother()
      throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 2000)) {
      Path staging = dir.resolve("restores");
      Map<String, String> shared = Map.of(DaemonSettings.BLOCKSTORES.key(), blockStore(f),
          DaemonSettings.RESTORE_DIR.key(), staging.toString());
      Process child = startChild(f, shared);
      try {
        Midway m = restoreUntilMidReplay(f);
        child.destroyForcibly();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Instant killed = Instant.now();
        Instant lastBeat = lastHeartbeat(f, m.id());
        try (Stream<Path> left = Files.walk(staging.resolve(m.id() + ".1"))) {
          assertThat(left.filter(Files::isRegularFile).count())
              .as("the killed attempt left its temporary head behind").isPositive();
        }
        String link = "http://127.0.0.1:" + f.site.server.backupPort() + DownloadRoutes.PREFIX
            + m.jobs().get(m.id()).orElseThrow().delivery().getString("token");
        assertThat(f.download(link, null).statusCode()).as("nothing offered while it runs")
            .isEqualTo(409);

        f.daemon = BackupDaemon.start(f.site.daemonConfig(dir.resolve("two"), "two",
            LEASE.toMillis() + "ms", shared), Clock.systemUTC());
        RestoreJobs.Job end = awaitEnd(f, m);

        // claimed again only once the dead daemon's heartbeat was a lease old, and started over
        Seen firstOfTwo = m.history().stream().filter(s -> "two".equals(s.job().owner()))
            .findFirst().orElseThrow();
        assertThat(Duration.between(lastBeat, firstOfTwo.at())).isGreaterThanOrEqualTo(LEASE);
        assertThat(m.history()).filteredOn(s -> s.at().isAfter(killed)
            && s.at().isBefore(lastBeat.plus(LEASE)))
            .as("the job as seen between the kill and the lease's end").isNotEmpty()
            .allSatisfy(s -> assertThat(s.job().owner()).isEqualTo("child"));
        assertThat(firstOfTwo.job().attempts()).isEqualTo(2);
        assertThat(firstOfTwo.job().bytesDone()).isZero();
        assertSaneProgress(m.history());
        Document raw = f.site.server.database().collection(Collections.RESTORE_JOBS)
            .find(new Document("_id", m.id())).first();
        assertThat(raw.get("entriesReplayed", Number.class).longValue())
            .as("the whole oplog replayed again").isEqualTo((long) BATCHES * PER_BATCH);

        assertFinishedByTwo(f, m, end, link);
        try (Stream<Path> left = Files.list(staging)) {
          assertThat(left).as("no staging files of either attempt").isEmpty();
        }
      } finally {
        child.destroyForcibly();
      }
    }
  }

  @Test
  void aPausedDaemonThatLostItsRestoreJobLeavesTheNewOwnersDownloadAlone() throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 2000)) {
      Path childStaging = dir.resolve("child-restores");
      String blocks = blockStore(f);
      Process child = startChild(f, Map.of(DaemonSettings.BLOCKSTORES.key(), blocks,
          DaemonSettings.RESTORE_DIR.key(), childStaging.toString()));
      try {
        Midway m = restoreUntilMidReplay(f);
        signal(child, "STOP");
        f.daemon = BackupDaemon.start(f.site.daemonConfig(dir.resolve("two"), "two",
            LEASE.toMillis() + "ms", Map.of(DaemonSettings.BLOCKSTORES.key(), blocks)),
            Clock.systemUTC());
        RestoreJobs.Job end = awaitEnd(f, m);
        assertThat(childStaging.resolve(m.id() + ".1")).exists();

        // the paused daemon wakes up, learns from its heartbeat that the job is not its own any
        // more, and stops it (deleting its staging directory)
        signal(child, "CONT");
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(childStaging
            .resolve(m.id() + ".1")));
        String link = "http://127.0.0.1:" + f.site.server.backupPort() + DownloadRoutes.PREFIX
            + end.delivery().getString("token");
        assertFinishedByTwo(f, m, new RestoreJobs(f.site.server.database(), Clock.systemUTC())
            .get(m.id()).orElseThrow(), link);
        assertThat(child.isAlive()).isTrue();
      } finally {
        child.destroyForcibly();
      }
    }
  }

  @Test
  void aDaemonThatLostItsJobLeavesTheStagingOfTheNewOwnerInTheSharedDirectoryAlone()
      throws Exception {
    Path sftpRoot = Files.createDirectories(dir.resolve("sftp/restores")).getParent();
    LoginGate gate = new LoginGate();
    SshServer sshd = RestoreFixture.sftpServer(sftpRoot, (user, key, session) ->
        gate.pass(session));
    try (RestoreFixture f = new RestoreFixture(dir, 200, "{}")) {
      String snapshotId = f.startDaemon(Map.of());
      f.daemon.close();
      f.ghostDaemon();
      String fingerprint = RestoreFixture.hostKeyFingerprint(sshd);
      String id = f.restore("{\"snapshotId\": \"" + snapshotId + "\", \"delivery\":"
          + " {\"methodName\": \"SCP\", \"format\": \"ARCHIVE\", \"targetHost\": \"127.0.0.1\","
          + " \"targetPort\": " + sshd.getPort() + ", \"username\": \"backup\","
          + " \"targetDirectory\": \"/restores\", \"hostKeyFingerprint\": \"" + fingerprint
          + "\"}}").get("id").asText();
      Path staging = dir.resolve("shared-restores");
      var db = f.site.server.database();
      try (SnapshotStores stores = new SnapshotStores(SnapshotStores.parse("default=file:"
          + dir.resolve("daemon/blockstore").toAbsolutePath(), dir), null, new SecureRandom())) {
        RestoreService one = new RestoreService(db, stores, staging, dir.resolve("key-one"), 1,
            Duration.ofSeconds(1), Clock.systemUTC(), "one");
        RestoreService two = new RestoreService(db, stores, staging, dir.resolve("key-two"), 1,
            Duration.ofSeconds(1), Clock.systemUTC(), "two");
        try {
          // attempt 1 staged and packaged the file, and waits at the SSH login; its service
          // never heart-beats, as a paused daemon, so a second later the job is anyone's
          one.poll();
          gate.awaitWaiting(1);
          await().atMost(Duration.ofSeconds(20)).until(() -> {
            two.poll();
            return two.runningCount() == 1;
          });
          gate.awaitWaiting(2);
          // the first wakes up, learns that the job is not its own any more and stops
          gate.release(1);
          await().atMost(Duration.ofSeconds(20)).until(() -> one.runningCount() == 0);
          gate.release(2);

          JsonNode end = f.awaitEnd(id);
          assertThat(end.get("statusName").asText()).as(end.toString()).isEqualTo("FINISHED");
          RestoreJobs.Job job = new RestoreJobs(db, Clock.systemUTC()).get(id).orElseThrow();
          assertThat(job.owner()).isEqualTo("two");
          assertThat(job.attempts()).isEqualTo(2);
          f.assertEqualsSource(RestoreFixture.read(ArchiveDump.read(Files.newInputStream(
              sftpRoot.resolve("restores").resolve(job.file().getString("name"))), false)));
          await().atMost(Duration.ofSeconds(10)).until(() -> two.runningCount() == 0);
          try (Stream<Path> left = Files.list(staging)) {
            assertThat(left).as("no staging files of either attempt").isEmpty();
          }
        } finally {
          gate.release(1);
          gate.release(2);
          one.close();
          two.close();
        }
      }
    } finally {
      sshd.stop(true);
    }
  }

  /**
   * Holds the n-th SSH session to log in at its login until {@link #release}d with n, then lets
   * it in with any key.
   */
  private static final class LoginGate {
    private final Map<Object, CountDownLatch> sessions = new LinkedHashMap<>();
    private final List<CountDownLatch> latches = List.of(new CountDownLatch(1),
        new CountDownLatch(1), new CountDownLatch(1));

    boolean pass(Object session) {
      CountDownLatch latch;
      synchronized (this) {
        latch = sessions.computeIfAbsent(session, s -> latches.get(sessions.size()));
        notifyAll();
      }
      try {
        return latch.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    synchronized void awaitWaiting(int n) throws InterruptedException {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (sessions.size() < n) {
        long left = until - System.nanoTime();
        assertThat(left).as("session %d at the login", n).isPositive();
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    void release(int n) {
      latches.get(n - 1).countDown();
    }
  }

  /** A block store both daemons use at once (a file store serves one process only). */
  private static String blockStore(RestoreFixture f) {
    return "default=" + f.site.server.database().embeddedConnectionString()
        + "/openmms_blockstore";
  }

  /** A job, its observations so far, and the job table. */
  private record Midway(String id, RestoreJobs jobs, List<Seen> history) {}

  /**
   * Waits for the first snapshot, sends the oplog, asks for a restore to its last entry and
   * returns once the child daemon is replaying it, mid-way.
   */
  private static Midway restoreUntilMidReplay(RestoreFixture f) throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> f.site.api(f.snapshotsPath()),
        l -> l.get("totalCount").asInt() >= 1);
    BsonTimestamp target = sendOplog(f);
    String id = f.restore("{\"oplogTs\": " + target.getTime() + ", \"oplogInc\": "
        + target.getInc() + ", \"delivery\": {\"methodName\": \"HTTP\", \"format\":"
        + " \"ARCHIVE\"}}").get("id").asText();
    Midway m = new Midway(id, new RestoreJobs(f.site.server.database(), Clock.systemUTC()),
        new ArrayList<>());
    RestoreJobs.Job j = await().atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10)).until(() -> observe(f, m),
            x -> x.phase() == RestoreJobs.Phase.REPLAYING_OPLOG && x.bytesDone() > 0);
    assertThat(j.owner()).isEqualTo("child");
    assertThat(j.attempts()).isEqualTo(1);
    assertThat(j.bytesDone()).as("mid-way").isLessThan(j.bytesTotal());
    assertThat(j.targetTs()).isEqualTo(target);
    return m;
  }

  private static RestoreJobs.Job awaitEnd(RestoreFixture f, Midway m) {
    return await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
        .until(() -> observe(f, m), j -> j.status() != RestoreJobs.Status.IN_PROGRESS);
  }

  /**
   * The job ended FINISHED by daemon two, verified, and its link gives the whole file: the
   * source document by document.
   */
  private static void assertFinishedByTwo(RestoreFixture f, Midway m, RestoreJobs.Job end,
      String link) throws Exception {
    assertThat(end.status()).as(String.valueOf(end.reason()))
        .isEqualTo(RestoreJobs.Status.FINISHED);
    assertThat(end.owner()).isEqualTo("two");
    assertThat(end.attempts()).isEqualTo(2);
    assertThat(end.verificationStatus()).isEqualTo("PASSED");
    assertThat(end.restoredTs()).isEqualTo(end.targetTs());
    assertThat(f.site.server.database().collection(Collections.RESTORE_FILE_PARTS)
        .countDocuments()).as("the file's parts").isEqualTo(end.file().get("parts",
            Number.class).longValue());
    JsonNode api = f.site.api(f.jobsPath() + "/" + m.id());
    assertThat(api.get("progress").get("percent").asInt()).isEqualTo(100);
    assertThat(api.get("delivery").get("url").asText()).isEqualTo(link);
    var download = f.download(link, null);
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(download.body()))).isEqualTo(end.file().getString("sha256"));
    f.assertEqualsSource(RestoreFixture.read(ArchiveDump.read(
        new ByteArrayInputStream(download.body()), false)));
  }

  /** The first daemon, in its own JVM so that it can be killed or paused for real. */
  private Process startChild(RestoreFixture f, Map<String, String> settings) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        DaemonChild.class.getName(), f.site.server.database().embeddedConnectionString(),
        dir.resolve("child").toString(), "child", LEASE.toMillis() + "ms"));
    settings.forEach((k, v) -> cmd.add(k + "=" + v));
    return new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile()).start();
  }

  private static void signal(Process p, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -" + signal)
        .isTrue();
  }

  /**
   * Sends {@link #BATCHES} oplog batches: inserts into shop.clicks, every tenth entry an update
   * of an order instead; applies them to the expected content too. Returns the last timestamp.
   */
  private static BsonTimestamp sendOplog(RestoreFixture f) throws Exception {
    Map<BsonValue, BsonDocument> clicks = new LinkedHashMap<>();
    f.source.put("shop.clicks", clicks);
    BsonTimestamp last = null;
    for (int b = 0; b < BATCHES; b++) {
      List<BsonDocument> entries = new ArrayList<>();
      for (int i = 0; i < PER_BATCH; i++) {
        int n = b * PER_BATCH + i;
        BsonDocument e;
        if (i % 10 == 9) {
          int order = n % 2000;
          e = BsonDocument.parse("{op: 'u', ns: 'shop.orders', o2: {_id: " + order
              + "}, o: {$v: 2, diff: {u: {qty: " + n + "}}}}");
          f.source.get("shop.orders").get(new BsonInt32(order)).put("qty", new BsonInt32(n));
        } else {
          BsonDocument doc = new BsonDocument("_id", new BsonInt32(n))
              .append("page", new BsonString("/p/" + (n % 97)))
              .append("session", new BsonInt64(n / 7))
              .append("pad", new BsonString("x".repeat(60)));
          e = new BsonDocument("op", new BsonString("i"))
              .append("ns", new BsonString("shop.clicks")).append("o", doc);
          clicks.put(doc.get("_id"), doc);
        }
        last = new BsonTimestamp(200 + b, i + 1);
        entries.add(e.append("ts", last).append("t", new BsonInt64(1))
            .append("wall", new BsonDateTime((200L + b) * 1000 + i)));
      }
      f.agent.oplogEntries(entries);
    }
    return last;
  }

  /** One look at the job (as stored and as the API shows it), and when. */
  private record Seen(Instant at, RestoreJobs.Job job, JsonNode api) {
    @Override
    public String toString() {
      return at + " " + job.owner() + " attempt " + job.attempts() + ": " + api.get("statusName")
          + " " + api.get("progress");
    }
  }

  private static RestoreJobs.Job observe(RestoreFixture f, Midway m) throws Exception {
    RestoreJobs.Job j = m.jobs().get(m.id()).orElseThrow();
    Instant at = Instant.now(); // the job was in this state at or before this instant
    m.history().add(new Seen(at, j, f.site.api(f.jobsPath() + "/" + m.id())));
    return j;
  }

  private static Instant lastHeartbeat(RestoreFixture f, String id) {
    return f.site.server.database().collection(Collections.RESTORE_JOBS)
        .find(new Document("_id", id)).first().getDate("heartbeat").toInstant();
  }

  /**
   * Percent within 0–99 while running and 100 at the end; no link before the end; each
   * attempt's phases in order.
   */
  private static void assertSaneProgress(List<Seen> history) {
    String owner = null;
    RestoreJobs.Phase phase = null;
    for (Seen s : history) {
      JsonNode api = s.api();
      int percent = api.get("progress").get("percent").asInt();
      boolean running = api.get("statusName").asText().equals("IN_PROGRESS");
      assertThat(percent).as(s.toString()).isBetween(0, running ? 99 : 100);
      if (running) {
        assertThat(api.get("delivery").hasNonNull("url")).as(s.toString()).isFalse();
        assertThat(api.get("delivery").get("statusName").asText()).isEqualTo("NOT_STARTED");
      }
      RestoreJobs.Job j = s.job();
      if (!Objects.equals(j.owner(), owner)) {
        owner = j.owner();
        phase = null;
      }
      if (phase != null) {
        assertThat(j.phase()).as("phases of %s's attempt", owner).isGreaterThanOrEqualTo(phase);
      }
      phase = j.phase();
    }
  }
}
