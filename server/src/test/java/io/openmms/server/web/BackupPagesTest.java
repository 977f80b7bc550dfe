package io.openmms.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Updates;
import io.openmms.server.TestServer;
import io.openmms.server.auth.Role;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import io.openmms.server.web.RoleMatrixTest.Web;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup pages over HTTP, as a signed-in browser sees them before its scripts run: the
 * overview of a group's backed-up replica sets, a replica set's snapshots and restore jobs (one
 * queued, one broken; the page carries them as the API lists them), the Restore button and
 * wizard for owners only, and unknown clusters. The pages' script is exercised by
 * {@code browser.RestoreWizardBrowserTest}.
 */
public class BackupPagesTest {
  /** How the pages show times. */
  public static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  /** The restore public key the daemon record of {@link #backedUpReplicaSet} publishes. */
  public static final String DAEMON_KEY = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAA"
      + "IbmlzdHAyNTYAAABBBMqnn68d9O4LIddhTVRrCkoqEx/FEAWXpSosi6EixoBvha4jvvdKoomaPiW4h0z6vNZNPOy"
      + "mSxQNMUARjN6Khxc= openmms-restore@test-daemon";
  /** Its fingerprint, as ssh-keygen -lf printed it. */
  public static final String DAEMON_KEY_FINGERPRINT =
      "SHA256:6Hb/DMZ8NuJW8tdvUDypIGC4qml1rjcooFImyEAHAqI";

  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static TestServer ts;
  static BackedUp rs;
  static Web owner;
  static Web reader;

  /**
   * A backed-up replica set "m" set up directly in the application database: backup TAILING with
   * its oplog received up to {@code lastTs}, a STEADY head 5 s behind it, two snapshots of the
   * current sync in store "default" (newest first), and a live daemon with that store and
   * restore key {@link #DAEMON_KEY}, so the API accepts restore jobs (no daemon runs: they stay
   * IN_PROGRESS, QUEUED).
   *
   * @param earliest the window's start (the older snapshot's time), latest its end's second
   */
  public record BackedUp(String groupId, String clusterId, List<Snapshots.Snapshot> snapshots,
      BsonTimestamp lastTs, Instant earliest, Instant latest) {}

  public static BackedUp backedUpReplicaSet(TestServer ts) throws Exception {
    String group = ts.credentials.groupId();
    String clusterId = ts.monitoredReplicaSet().get("clusterId").asText();
    Backups backups = ts.server.backups();
    backups.setStatus(group, clusterId, "STARTED",
        List.of(new Backups.Member(clusterId, "m", null)));
    Backups.Backup b = backups.get(clusterId);
    AppDatabase db = ts.server.database();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    BsonTimestamp lastTs = ts(now.minusSeconds(60));
    db.collection(Collections.BACKUPS).updateOne(Filters.eq("_id", clusterId), Updates.combine(
        Updates.set("state", "TAILING"), Updates.set("lastSeq", 42L),
        Updates.set("lastTs", lastTs)));
    db.collection(Collections.HEADS).replaceOne(Filters.eq("_id", clusterId), new Document("_id",
        clusterId).append("daemonId", "test-daemon").append("syncId", b.syncId())
        .append("state", "STEADY").append("lastAppliedTs", ts(now.minusSeconds(65)))
        .append("sizeBytes", 12_345_678L).append("updated", Date.from(now)),
        new ReplaceOptions().upsert(true));
    Snapshots.Snapshot older = snapshot(b, now.minus(Duration.ofHours(2)), 10L << 20, 3L << 20,
        Set.of("HOURLY", "DAILY"), false);
    Snapshots.Snapshot newer = snapshot(b, now.minus(Duration.ofHours(1)), 10_485_760L + 524_288,
        524_288, Set.of("HOURLY"), true);
    Snapshots snapshots = new Snapshots(db);
    snapshots.insert(older);
    snapshots.insert(newer);
    db.collection(Collections.DAEMONS).replaceOne(Filters.eq("_id", "test-daemon"),
        new Document("_id", "test-daemon").append("host", "localhost")
            .append("expires", Date.from(now.plus(Duration.ofDays(1))))
            .append("blockstores", List.of("default"))
            .append("restoreSshKey", new Document("type", "ecdsa-sha2-nistp256")
                .append("line", DAEMON_KEY).append("fingerprint", DAEMON_KEY_FINGERPRINT))
            .append("updated", Date.from(now)), new ReplaceOptions().upsert(true));
    return new BackedUp(group, clusterId, List.of(newer, older), lastTs, older.wallTime(),
        now.minusSeconds(60));
  }

  private static Snapshots.Snapshot snapshot(Backups.Backup b, Instant at, long logical,
      long newStored, Set<String> tiers, boolean onDemand) {
    return new Snapshots.Snapshot(new ObjectId().toHexString(), b.id(), b.groupId(), "default",
        ts(at), at, at.plusSeconds(4), Duration.ofMillis(812), logical, newStored, 3,
        List.of("a".repeat(64)), List.of(new Snapshots.Collection("shop.orders", 1000, logical,
            0, "b".repeat(64))), new TreeSet<>(tiers), at.plus(Duration.ofDays(2)), onDemand,
        b.syncId());
  }

  private static BsonTimestamp ts(Instant t) {
    return new BsonTimestamp((int) t.getEpochSecond(), 1);
  }

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    rs = backedUpReplicaSet(ts);
    String r = ts.server.users().create("rita", "rita-password", false);
    ts.server.users().setRole(r, rs.groupId(), Role.GROUP_READ_ONLY);
    owner = Web.signIn(ts.url(), "admin", "s3cret-Passw0rd");
    reader = Web.signIn(ts.url(), "rita", "rita-password");
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  private static String page() {
    return "/groups/" + rs.groupId() + "/backup/" + rs.clusterId();
  }

  private static String restoreJobs() {
    return "/api/public/v1.0/groups/" + rs.groupId() + "/clusters/" + rs.clusterId()
        + "/restoreJobs";
  }

  /** The HTML of the table row marked {@code data-<kind>="<id>"}. */
  private static String row(String html, String kind, String id) {
    Matcher m = Pattern.compile("<tr data-" + kind + "=\"" + id + "\"[^>]*>(.*?)</tr>",
        Pattern.DOTALL).matcher(html);
    assertThat(m.find()).as(kind + " " + id + " in " + html).isTrue();
    return m.group(1);
  }

  @Test
  void overviewShowsEachBackedUpReplicaSetWithStatesLagSnapshotsStorageAndWindow()
      throws Exception {
    var p = owner.get("/groups/" + rs.groupId() + "/backup");
    assertThat(p.status()).isEqualTo(200);
    assertThat(p.body()).contains("href=\"/groups/" + rs.groupId() + "/backup\" aria-current="
        + "\"page\">Backup</a>");
    String r = row(p.body(), "backup", rs.clusterId());
    Snapshots.Snapshot newest = rs.snapshots().get(0);
    assertThat(r).contains("<a href=\"" + page() + "\">m</a>")
        .contains(">TAILING<").contains(">head STEADY<")
        .contains("<td>5 s</td>")
        .contains(WHEN.format(newest.taken()))
        // the default schedule: every 6 hours after the newest snapshot was taken
        .contains(WHEN.format(newest.taken().plus(Duration.ofHours(6))))
        .contains("every 6 h")
        .contains("3.5 MiB").contains("in 2 snapshots")
        .contains(WHEN.format(rs.earliest()) + " <span class=\"muted\">to</span> "
            + WHEN.format(rs.latest()));
  }

  @Test
  void replicaSetPageShowsItsSnapshotsAndRestoreJobsWithTheRestoreButtonForAnOwner()
      throws Exception {
    Snapshots.Snapshot newest = rs.snapshots().get(0);
    Snapshots.Snapshot oldest = rs.snapshots().get(1);
    var queued = owner.api("POST", restoreJobs(), "{\"snapshotId\": \"" + newest.id() + "\","
        + " \"delivery\": {\"methodName\": \"HTTP\", \"format\": \"ARCHIVE\"}}", true);
    assertThat(queued.statusCode()).as(queued.body()).isEqualTo(201);
    String queuedId = JSON.readTree(queued.body()).get("id").asText();
    var broken = owner.api("POST", restoreJobs(), "{\"snapshotId\": \"" + oldest.id() + "\","
        + " \"delivery\": {\"methodName\": \"HTTP\"}}", true);
    assertThat(broken.statusCode()).as(broken.body()).isEqualTo(201);
    String brokenId = JSON.readTree(broken.body()).get("id").asText();
    ts.server.database().collection(Collections.RESTORE_JOBS).updateOne(
        Filters.eq("_id", brokenId), Updates.combine(Updates.set("statusName", "BROKEN"),
            Updates.set("phase", "READING_SNAPSHOT"), Updates.set("reason",
                "block 2d99b767 of snapshot " + oldest.id() + " is missing; run openmms verify")));

    var p = owner.get(page());
    assertThat(p.status()).isEqualTo(200);
    String html = p.body();
    assertThat(html).contains("<h1>Backup of m").contains("id=\"restore\" href=\"" + page()
        + "/restore\">Restore…</a>").contains("data-api=\"" + restoreJobs() + "\"")
        .contains("<script src=\"/static/backup.js\"></script>");
    assertThat(row(html, "snapshot", newest.id())).contains(WHEN.format(newest.wallTime()))
        .contains("<td>10.5 MiB</td><td>512.0 KiB</td>").contains("<td>HOURLY</td>")
        .contains(WHEN.format(newest.expires())).contains(">yes<");
    assertThat(row(html, "snapshot", oldest.id())).contains(WHEN.format(oldest.wallTime()))
        .contains("<td>10.0 MiB</td><td>3.0 MiB</td>").contains("<td>DAILY, HOURLY</td>")
        .contains(">no<");
    // the page carries the jobs exactly as the API lists them; backup.js draws the rows
    // (browser.RestoreWizardBrowserTest)
    JsonNode jobs = JSON.readTree(unescape(attribute(html, "data-jobs")));
    assertThat(jobs).isEqualTo(JSON.readTree(owner.api("GET", restoreJobs(), null, false).body())
        .get("results"));
    Map<String, JsonNode> byId = new HashMap<>();
    jobs.forEach(j -> byId.put(j.get("id").asText(), j));
    assertThat(byId).containsOnlyKeys(queuedId, brokenId);
    assertThat(byId.get(queuedId).get("statusName").asText()).isEqualTo("IN_PROGRESS");
    assertThat(byId.get(queuedId).at("/progress/phase").asText()).isEqualTo("QUEUED");
    assertThat(byId.get(queuedId).at("/delivery/format").asText()).isEqualTo("ARCHIVE");
    assertThat(byId.get(brokenId).get("statusName").asText()).isEqualTo("BROKEN");
    assertThat(byId.get(brokenId).get("reason").asText()).isEqualTo("block 2d99b767 of snapshot "
        + oldest.id() + " is missing; run openmms verify");
  }

  @Test
  void bothPagesSayWhySnapshotsFailUntilOneSucceeds() throws Exception {
    Snapshots snapshots = new Snapshots(ts.server.database());
    Instant at = Instant.parse("2026-11-22T05:00:00Z");
    snapshots.failed(rs.clusterId(), "the block store 'main' is out of disk space (No space left"
        + " on device); free space or move the backup to another store", at.minusSeconds(60),
        at.minusSeconds(0), java.util.Optional.empty());
    snapshots.failed(rs.clusterId(), "the block store 'main' is out of disk space (No space left"
        + " on device); <free> space", at, at.plusSeconds(60), java.util.Optional.empty());
    try {
      String expected = "Snapshots are failing (2 attempts in a row; the last at "
          + WHEN.format(at) + ", the next at " + WHEN.format(at.plusSeconds(60)) + "): the block"
          + " store &#39;main&#39; is out of disk space (No space left on device); &lt;free&gt;"
          + " space";
      String replicaSet = owner.get(page()).body();
      assertThat(replicaSet).contains("<p class=\"error\" role=\"alert\" id=\"snapshot-failure\">"
          + expected + "</p>");
      String overview = owner.get("/groups/" + rs.groupId() + "/backup").body();
      assertThat(overview).contains("<div class=\"problem\">" + expected + "</div>");
    } finally {
      snapshots.succeeded(rs.clusterId());
    }
    assertThat(owner.get(page()).body()).doesNotContain("snapshot-failure")
        .doesNotContain("Snapshots are failing");
  }

  /** The value of the first attribute {@code name} in {@code html}, as written (escaped). */
  private static String attribute(String html, String name) {
    Matcher m = Pattern.compile(" " + name + "=\"([^\"]*)\"").matcher(html);
    assertThat(m.find()).as(name + " in " + html).isTrue();
    return m.group(1);
  }

  private static String unescape(String s) {
    return s.replace("&quot;", "\"").replace("&#34;", "\"").replace("&#39;", "'")
        .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
  }

  @Test
  void wizardOffersTheSnapshotsAndThePointInTimeWindowToAnOwner() throws Exception {
    var p = owner.get(page() + "/restore");
    assertThat(p.status()).isEqualTo(200);
    assertThat(p.body()).contains("<h1>Restore m</h1>")
        .contains("data-api=\"" + restoreJobs() + "\"").contains("data-csrf=\"" + owner.csrf)
        .contains("id=\"snapshot-" + rs.snapshots().get(0).id() + "\"")
        .contains("id=\"snapshot-" + rs.snapshots().get(1).id() + "\"")
        .contains("<strong id=\"window-earliest\">" + WHEN.format(rs.earliest()) + "</strong>")
        .contains("<strong id=\"window-latest\">" + WHEN.format(rs.latest()) + "</strong>")
        .contains("From " + rs.snapshots().get(1).ts().getTime() + ":1 to "
            + rs.lastTs().getTime() + ":1");
  }

  @Test
  void sshPushStepShowsTheDaemonsPublicKeyToAddToAuthorizedKeys() throws Exception {
    // a daemon without this backup's block store cannot run the restore: its key is not shown
    String otherKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPDsPE3Wc3r3ZWGK6Q5M8vvoyFc79oYZ3pi2VPw"
        + "T0sM+ openmms-restore@elsewhere";
    var daemons = ts.server.database().collection(Collections.DAEMONS);
    daemons.insertOne(new Document("_id", "elsewhere").append("host", "db9")
        .append("blockstores", List.of("s3-archive"))
        .append("restoreSshKey", new Document("type", "ssh-ed25519").append("line", otherKey)
            .append("fingerprint", "SHA256:qCW3yuRXMsFk58vY9sLLuU+vgwAUL+heZ0XUW1GmwrM"))
        .append("expires", Date.from(Instant.now().plus(Duration.ofDays(1)))));
    try {
      var p = owner.get(page() + "/restore");
      assertThat(p.status()).isEqualTo(200);
      Matcher scp = Pattern.compile("<div class=\"sub\" data-for=\"SCP\" hidden>(.*?)\n    "
          + "</div>\n", Pattern.DOTALL).matcher(p.body());
      assertThat(scp.find()).as(p.body()).isTrue();
      assertThat(scp.group(1))
          .contains("<pre id=\"restore-ssh-key-lines\">" + DAEMON_KEY + "</pre>")
          .contains("to <code>~/.ssh/authorized_keys</code> of the target user")
          .contains("data-copy=\"restore-ssh-key-lines\"")
          .contains("Daemon <code>test-daemon</code> on localhost: ecdsa-sha2-nistp256, <code>"
              + DAEMON_KEY_FINGERPRINT + "</code>")
          .contains("/api/public/v1.0/groups/" + rs.groupId() + "/backup/restoreSshKeys")
          .doesNotContain(otherKey).doesNotContain("restore-ssh-keys-none");

      // a daemon that published no key (an older version): the step says none can push yet
      Document key = daemons.find(Filters.eq("_id", "test-daemon")).first().get("restoreSshKey",
          Document.class);
      daemons.updateOne(Filters.eq("_id", "test-daemon"), Updates.unset("restoreSshKey"));
      try {
        assertThat(owner.get(page() + "/restore").body())
            .contains("<p class=\"error\" id=\"restore-ssh-keys-none\">No running backup daemon"
                + " with this backup's block store has published its key")
            .doesNotContain("restore-ssh-key-lines");
      } finally {
        daemons.updateOne(Filters.eq("_id", "test-daemon"), Updates.set("restoreSshKey", key));
      }
    } finally {
      daemons.deleteOne(Filters.eq("_id", "elsewhere"));
    }
  }

  @Test
  void readOnlyMemberSeesTheBackupsButNoRestoreButtonAndIsRefusedTheWizard() throws Exception {
    var overview = reader.get("/groups/" + rs.groupId() + "/backup");
    assertThat(overview.status()).isEqualTo(200);
    assertThat(overview.body()).contains(">m</a>");
    var p = reader.get(page());
    assertThat(p.status()).isEqualTo(200);
    assertThat(p.body()).contains("data-snapshot=\"" + rs.snapshots().get(0).id())
        .doesNotContain("id=\"restore\"").doesNotContain("Restore…")
        .doesNotContain(page() + "/restore");
    var wizard = reader.get(page() + "/restore");
    assertThat(wizard.status()).isEqualTo(403);
    assertThat(wizard.body()).contains("(Read only) does not allow you to restore its backups")
        .doesNotContain("data-restore-wizard");
  }

  @Test
  void unknownClusterAndAnotherGroupsClusterAreNotFound() throws Exception {
    String unknown = "/groups/" + rs.groupId() + "/backup/" + new ObjectId().toHexString();
    assertThat(owner.get(unknown).status()).isEqualTo(404);
    assertThat(owner.get(unknown).body()).contains("has no backed-up replica set with id");
    assertThat(owner.get(unknown + "/restore").status()).isEqualTo(404);
    String other = ts.server.groups().create("Other").id();
    assertThat(owner.get("/groups/" + other + "/backup/" + rs.clusterId()).status())
        .isEqualTo(404);
    var empty = owner.get("/groups/" + other + "/backup");
    assertThat(empty.status()).isEqualTo(200);
    assertThat(empty.body()).contains("No replica set is backed up").doesNotContain(">m</a>");
  }

  @Test
  void signedOutVisitorIsSentToSignIn() throws Exception {
    var p = new Web(ts.url()).get(page());
    assertThat(p.status()).isEqualTo(303);
    assertThat(p.location()).startsWith("/login?next=");
  }
}
