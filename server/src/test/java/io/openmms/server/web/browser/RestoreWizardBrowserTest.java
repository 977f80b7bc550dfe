package io.openmms.server.web.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.TestServer;
import io.openmms.server.backup.DownloadRoutes;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.store.Collections;
import io.openmms.server.web.BackupPagesTest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The restore wizard in a real browser, against a replica set whose backup, snapshots and live
 * daemon record are set up in the application database ({@link BackupPagesTest#backedUpReplicaSet};
 * no daemon runs, so a created job stays IN_PROGRESS and QUEUED). The wizard posts to the public
 * API with the session cookie and CSRF header; what the API refuses is shown in the wizard with
 * the user's input kept, and stores nothing.
 */
class RestoreWizardBrowserTest {
  @TempDir static Path dir;
  static TestServer ts;
  static Browser browser;
  static BackupPagesTest.BackedUp rs;
  static MongoCollection<Document> jobs;
  long jobsBefore;

  @BeforeAll
  static void start() throws Exception {
    browser = Browser.start();
    ts = TestServer.start(dir);
    rs = BackupPagesTest.backedUpReplicaSet(ts);
    jobs = ts.server.database().collection(Collections.RESTORE_JOBS);
    var d = browser.driver;
    d.get(ts.url() + "/login");
    d.findElement(By.id("username")).sendKeys("admin");
    d.findElement(By.id("password")).sendKeys("s3cret-Passw0rd");
    browser.clickAndWait(By.cssSelector("button[type=submit].primary"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (ts != null) {
      ts.close();
    }
  }

  @BeforeEach
  void openWizard() {
    jobsBefore = jobs.countDocuments();
    browser.driver.get(replicaSetPage() + "/restore");
    assertThat(browser.driver.getTitle()).startsWith("Restore m");
  }

  private static String replicaSetPage() {
    return ts.url() + "/groups/" + rs.groupId() + "/backup/" + rs.clusterId();
  }

  private static void click(String id) {
    browser.driver.findElement(By.id(id)).click();
  }

  private static void type(String id, String text) {
    WebElement e = browser.driver.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  private static boolean stepShown(int step) {
    return browser.driver.findElement(By.cssSelector("[data-step='" + step + "']")).isDisplayed();
  }

  /** Waits for the wizard's error message and returns it. */
  private static String error() {
    WebElement e = browser.driver.findElement(By.id("wizard-error"));
    await().atMost(Duration.ofSeconds(10)).until(e::isDisplayed);
    return e.getText();
  }

  @Test
  void restoringTheSecondSnapshotAsALinkToAGzippedArchiveShowsTheJobInProgress() {
    var d = browser.driver;
    Snapshots.Snapshot second = rs.snapshots().get(1);
    click("snapshot-" + second.id());
    click("next-1");
    assertThat(stepShown(2)).isTrue();
    click("method-http");
    d.findElement(By.cssSelector("#http-format option[value='ARCHIVE_GZ']")).click();
    type("http-max", "2");
    click("next-2");
    assertThat(stepShown(3)).isTrue();
    assertThat(d.findElement(By.id("review")).getText())
        .contains("Snapshot of " + BackupPagesTest.WHEN.format(second.pointInTime()))
        .contains("gzipped mongodump archive (ARCHIVE_GZ)").contains("Maximum downloads\n2");
    browser.screenshot("restore-wizard-review");

    browser.clickAndWait(By.id("submit"));
    assertThat(d.getCurrentUrl()).startsWith(replicaSetPage() + "?created=");
    assertThat(jobs.countDocuments()).isEqualTo(jobsBefore + 1);
    Document job = jobs.find(Filters.eq("_id", d.getCurrentUrl().replaceAll(".*created=", "")))
        .first();
    assertThat(job).isNotNull();
    assertThat(job.getString("snapshotId")).isEqualTo(second.id());
    assertThat(job.getString("statusName")).isEqualTo("IN_PROGRESS");
    Document delivery = job.get("delivery", Document.class);
    assertThat(delivery.getString("methodName")).isEqualTo("HTTP");
    assertThat(delivery.getString("format")).isEqualTo("ARCHIVE_GZ");
    assertThat(delivery.getInteger("maxDownloads")).isEqualTo(2);
    assertThat(delivery.getInteger("expirationHours")).isEqualTo(1);

    assertThat(d.findElement(By.cssSelector("p.notice")).getText())
        .contains("The restore job was created");
    // the page script draws the jobs the page carries, then re-reads them from the API while
    // one runs
    WebElement updated = d.findElement(By.cssSelector("[data-jobs-updated]"));
    await().atMost(Duration.ofSeconds(10)).until(() -> updated.getText().startsWith("Updated ")
        && updated.getText().contains("Refreshing every 2 seconds while a restore runs"));
    String row = d.findElement(By.cssSelector("tr[data-job='" + job.getString("_id") + "']"))
        .getText();
    assertThat(row).contains("IN_PROGRESS").contains("QUEUED").contains("0 %")
        .contains("HTTP ARCHIVE_GZ").contains("PENDING")
        .contains("Snapshot " + BackupPagesTest.WHEN.format(Instant.ofEpochSecond(
            second.ts().getTime())));
    browser.screenshot("restore-job-in-progress");

    browser.clickAndWait(By.linkText("Backup"));
    assertThat(d.findElement(By.cssSelector("tr[data-backup='" + rs.clusterId() + "']"))
        .getText()).contains("m").contains("TAILING").contains("head STEADY").contains("5 s")
        .contains("3.5 MiB");
    browser.screenshot("backup-overview");
  }

  @Test
  void jobsTableShowsWhyAJobBrokeAndTheDownloadLinkOfAReadyOne() {
    RestoreJobs restoreJobs = new RestoreJobs(ts.server.database(), Clock.systemUTC());
    Snapshots.Snapshot s = rs.snapshots().get(0);
    String broken = new ObjectId().toHexString();
    restoreJobs.create(broken, s, "m", null, null, new Document("methodName", "HTTP")
        .append("format", "TAR_GZ"), null);
    restoreJobs.end(broken, null, RestoreJobs.Status.BROKEN, "block 2d99b767 of snapshot "
        + s.id() + " is missing; run openmms verify", null);
    String ready = new ObjectId().toHexString();
    restoreJobs.create(ready, s, "m", null, null, new Document("methodName", "HTTP")
        .append("format", "ARCHIVE_GZ").append("expirationHours", 1).append("maxDownloads", 2)
        .append("token", "c0ffee").append("downloads", 0), null);
    restoreJobs.end(ready, null, RestoreJobs.Status.FINISHED, null, new Document(
        "delivery.expires", Date.from(Instant.now().plus(Duration.ofHours(1))))
        .append("verification", new Document("status", "PASSED"))
        .append("file", new Document("name", "m.archive.gz").append("size", 1234L)
            .append("sha256", "ab".repeat(32))));

    var d = browser.driver;
    d.get(replicaSetPage());
    assertThat(d.findElement(By.cssSelector("tr[data-job='" + broken + "']")).getText())
        .contains("BROKEN").contains("block 2d99b767 of snapshot " + s.id() + " is missing;"
            + " run openmms verify");
    WebElement row = d.findElement(By.cssSelector("tr[data-job='" + ready + "']"));
    assertThat(row.getText()).contains("FINISHED").contains("100 %")
        .contains("HTTP ARCHIVE_GZ").contains("PASSED").contains("0 of 2 downloads used");
    assertThat(row.findElement(By.linkText("Download")).getAttribute("href"))
        .isEqualTo(ts.server.backupUrl() + DownloadRoutes.PREFIX + "c0ffee");
    browser.screenshot("restore-jobs-broken-and-ready");
  }

  @Test
  void pointInTimeOutsideTheWindowShowsTheApisMessageKeepsTheInputAndStoresNothing() {
    var d = browser.driver;
    click("point-time");
    WebElement time = d.findElement(By.id("pit-time"));
    d.executeScript("arguments[0].value = arguments[1]", time, "2001-02-03T04:05:06");
    click("next-1");
    click("next-2");
    assertThat(d.findElement(By.id("review")).getText())
        .contains("Point in time 2001-02-03 04:05:06 UTC");
    click("submit");

    assertThat(error()).contains("The restore was not started.")
        .contains("(2001-02-03T04:05:06Z) is outside the restorable window of m")
        .contains("earliest " + rs.earliest());
    browser.screenshot("restore-wizard-outside-window");
    // back on the step the error is about, with what the user entered
    assertThat(stepShown(1)).isTrue();
    assertThat(d.findElement(By.id("point-time")).isSelected()).isTrue();
    assertThat(time.getAttribute("value")).isEqualTo("2001-02-03T04:05:06");
    assertThat(d.getCurrentUrl()).endsWith("/restore");
    assertThat(jobs.countDocuments()).isEqualTo(jobsBefore);
  }

  @Test
  void sshPushShowsTheDaemonsKeyLineAndCopiesIt() {
    var d = browser.driver;
    click("next-1");
    WebElement lines = d.findElement(By.id("restore-ssh-key-lines"));
    assertThat(lines.isDisplayed()).as("shown only for SSH push").isFalse();
    click("method-scp");
    assertThat(lines.isDisplayed()).isTrue();
    assertThat(lines.getText()).isEqualTo(BackupPagesTest.DAEMON_KEY);
    assertThat(d.findElement(By.id("restore-ssh-keys")).getText())
        .contains("to ~/.ssh/authorized_keys of the target user")
        .contains(BackupPagesTest.DAEMON_KEY_FINGERPRINT);
    click("copy-ssh-keys");
    WebElement status = d.findElement(By.id("copy-ssh-keys-status"));
    // headless Chromium may refuse the clipboard: then the lines are selected for Ctrl+C
    await().atMost(Duration.ofSeconds(5)).until(() -> !status.getText().isEmpty());
    if (!status.getText().equals("Copied.")) {
      assertThat(status.getText()).startsWith("Selected: press Ctrl+C");
      assertThat(d.executeScript("return window.getSelection().toString()"))
          .isEqualTo(BackupPagesTest.DAEMON_KEY);
    }
    assertThat(stepShown(2)).as("copying does not move the wizard on").isTrue();
    browser.screenshot("restore-wizard-ssh-key");
  }

  @Test
  void directRestoreWithAnInvalidConnectionStringShowsTheErrorAndStoresNothing() {
    var d = browser.driver;
    click("next-1");
    click("method-direct");
    type("direct-uri", "db2.example.net:27017");
    click("direct-drop");
    type("direct-remap", "shop");
    click("next-2");
    // checked in the page before anything is sent
    assertThat(error()).contains("Line 1 of the namespace renames (\"shop\") is not of the form"
        + " from=to");
    assertThat(stepShown(2)).isTrue();
    type("direct-remap", "shop=shop_restored");
    click("next-2");
    assertThat(d.findElement(By.id("wizard-error")).isDisplayed()).isFalse();
    assertThat(d.findElement(By.id("review")).getText()).contains("Direct restore")
        .contains("db2.example.net:27017").contains("dropped first")
        .contains("shop → shop_restored");
    click("submit");

    assertThat(error()).contains("delivery.targetConnectionString is not a MongoDB connection"
        + " string");
    assertThat(stepShown(2)).isTrue();
    assertThat(d.findElement(By.id("direct-uri")).getAttribute("value"))
        .isEqualTo("db2.example.net:27017");
    assertThat(d.findElement(By.id("direct-drop")).isSelected()).isTrue();
    assertThat(jobs.countDocuments()).isEqualTo(jobsBefore);
  }
}
