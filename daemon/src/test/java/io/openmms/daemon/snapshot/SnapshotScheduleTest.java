package io.openmms.daemon.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.server.backup.Retention;
import io.openmms.server.backup.SnapshotSchedule;
import io.openmms.server.backup.Snapshots;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the daemon takes snapshots, and which ones the groom keeps over simulated months. */
class SnapshotScheduleTest {
  @TempDir Path dir;

  @Test
  void snapshotsFollowTheIntervalOnlyWhenTheOplogMovedAndOnRequest() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(200)) {
      site.backups.setSchedule(site.backup.configId(),
          SnapshotSchedule.DEFAULT.with(Map.of("snapshotIntervalMinutes", 15)));
      // the first snapshot is due as soon as the head is steady (right after initial sync)
      site.service.maybeStart(site.backup, site.head);
      await().atMost(Duration.ofSeconds(20)).until(() -> count(site) == 1);

      site.clock.advance(Duration.ofMinutes(10));
      site.update(1, 1);
      assertThat(due(site)).as("10 of 15 minutes").isFalse();
      site.clock.advance(Duration.ofMinutes(6));
      assertThat(due(site)).as("16 minutes and the oplog moved").isTrue();
      site.service.maybeStart(site.backup, site.head);
      await().atMost(Duration.ofSeconds(20)).until(() -> count(site) == 2);

      site.clock.advance(Duration.ofHours(3));
      assertThat(due(site)).as("hours later but nothing was applied").isFalse();

      site.snapshots().request(site.backup.id(), site.clock.instant());
      site.service.maybeStart(site.backup, site.head);
      await().atMost(Duration.ofSeconds(20)).until(() -> count(site) == 3);
      assertThat(site.snapshots().latest(site.backup.id()).orElseThrow().onDemand()).isTrue();
      assertThat(site.snapshots().requested(site.backup.id())).as("the request is served").isEmpty();
    }
  }

  @Test
  void aFullDiskFailsTheSnapshotByNameAndTheRetrySucceedsOnceThereIsSpace() throws Exception {
    Path small = java.nio.file.Files.createDirectories(dir.resolve("small"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
        small.toString()).redirectErrorStream(true).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        mount.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && mount.exitValue() == 0,
        "needs root to mount a small tmpfs as the full disk");
    try (SnapshotSite site = new SnapshotSite(dir, "main=file:" + small.resolve("blocks"), null)
        .seed(3000)) {
      String id = site.backup.id();
      site.service.maybeStart(site.backup, site.head);
      await().atMost(Duration.ofSeconds(30))
          .until(() -> site.snapshots().failure(id).isPresent() && !site.service.running(id));
      Snapshots.Failure f = site.snapshots().failure(id).orElseThrow();
      assertThat(f.message()).contains("the block store 'main' is out of disk space",
          "No space left on device", "move the backup to another store");
      assertThat(f.attempts()).isEqualTo(1);
      assertThat(f.retryAt()).isEqualTo(site.clock.instant().plus(SnapshotService.RETRY_AFTER));
      assertThat(count(site)).as("no partial snapshot").isZero();

      site.service.maybeStart(site.backup, site.head);
      assertThat(site.service.running(id)).as("not before the retry time").isFalse();

      Process grow = new ProcessBuilder("mount", "-o", "remount,size=64m", small.toString())
          .redirectErrorStream(true).start();
      assertThat(grow.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && grow.exitValue() == 0)
          .isTrue();
      site.clock.advance(SnapshotService.RETRY_AFTER);
      site.service.maybeStart(site.backup, site.head);
      await().atMost(Duration.ofSeconds(30))
          .until(() -> count(site) == 1 && !site.service.running(id));
      assertThat(site.snapshots().failure(id)).as("cleared by the success").isEmpty();
      Snapshots.Snapshot s = site.snapshots().latest(id).orElseThrow();
      assertThat(new Verifier(1).verify(site.store(), s).problems())
          .as("blocks half-written when the disk filled are not part of it").isEmpty();
    } finally {
      new ProcessBuilder("umount", small.toString()).start()
          .waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void overSimulatedMonthsTheGroomKeepsExactlyTheRetentionTiers() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(50)) {
      SnapshotSchedule schedule = site.backups.schedule(site.backup.configId());
      assertThat(schedule).isEqualTo(SnapshotSchedule.DEFAULT);
      List<Instant> expected = new ArrayList<>();
      Map<Instant, Instant> expiry = new java.util.HashMap<>();
      Instant previous = null;
      int days = 75;
      for (int step = 0; step < days * 4; step++) {
        site.update(step % 50, step);
        Instant now = site.clock.instant();
        Snapshots.Snapshot s = site.snapshot();
        assertThat(s.taken()).isEqualTo(now);
        Set<Retention.Tier> tiers = Retention.classify(now, previous, schedule);
        assertThat(s.tiers()).isEqualTo(tiers.stream().map(Enum::name)
            .collect(Collectors.toSet()));
        expiry.put(now, Retention.expires(now, tiers, schedule));
        expected.add(now);
        previous = now;
        if (step % 4 == 3) { // the groom runs once a day
          Instant at = now;
          expected.removeIf(t -> !t.equals(at) && !expiry.get(t).isAfter(at));
          site.groom().run("main", SnapshotSite.GROUP).orElseThrow();
          assertThat(site.snapshots().list(site.backup.id())).extracting(Snapshots.Snapshot::taken)
              .containsExactlyInAnyOrderElementsOf(expected);
        }
        site.clock.advance(Duration.ofHours(6));
      }
      List<Snapshots.Snapshot> kept = site.snapshots().list(site.backup.id());
      // 2 days of 6-hourly, 7 dailies, 4 weeklies, the monthlies of 75 days, overlapping
      assertThat(kept).hasSizeBetween(15, 22);
      assertThat(kept).filteredOn(s -> s.tiers().contains("MONTHLY")).hasSize(3);
      assertThat(kept.get(kept.size() - 1).taken())
          .as("the very first snapshot is the first monthly").isEqualTo(
              Instant.parse("2026-01-01T00:00:00Z"));
      for (Snapshots.Snapshot s : kept) {
        assertThat(site.verify(s).problems()).isEmpty();
      }
      assertThat(SnapshotTest.listed(site.store())).isEqualTo(SnapshotTest.referenced(site));
    }
  }

  @Test
  void theGroomKeepsTheSnapshotThePointInTimeWindowStartsFromPastItsExpiry() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir).seed(50).registerBackup()) {
      // a window longer than the 2 days the 6-hourly snapshots are kept
      site.backups.setSchedule(site.backup.configId(),
          SnapshotSchedule.DEFAULT.with(Map.of("pointInTimeWindowHours", 75)));
      List<Snapshots.Snapshot> taken = new ArrayList<>();
      for (int step = 0; step < 5 * 4; step++) { // 5 days, every 6 hours
        site.clock.advance(Duration.ofHours(6));
        site.updateNow(step % 50, step);
        taken.add(site.snapshot());
      }
      Instant now = site.clock.instant();
      site.groom().run("main", SnapshotSite.GROUP).orElseThrow();

      // a restore to the window's first second starts from the newest snapshot before it
      long windowStart = now.getEpochSecond() - 75 * 3600;
      Snapshots.Snapshot base = taken.stream().filter(s -> s.ts().getTime() <= windowStart)
          .reduce((a, b) -> b).orElseThrow();
      assertThat(base.taken()).isEqualTo(Instant.parse("2026-01-02T18:00:00Z"));
      assertThat(base.expires()).as("a 6-hourly snapshot, expired by its tier").isBefore(now);
      Set<String> expected = taken.stream().filter(s -> s.expires().isAfter(now) || s == base)
          .map(Snapshots.Snapshot::id).collect(Collectors.toSet());
      assertThat(site.snapshots().list(site.backup.id())).extracting(Snapshots.Snapshot::id)
          .containsExactlyInAnyOrderElementsOf(expected);
      assertThat(expected).hasSizeLessThan(taken.size()); // the groom did delete expired ones
      assertThat(site.verify(base).problems()).isEmpty();
    }
  }

  private static boolean due(SnapshotSite site) {
    return site.service.due(site.backup, site.head.position().orElseThrow(),
        site.clock.instant());
  }

  private static int count(SnapshotSite site) {
    return site.snapshots().list(site.backup.id()).size();
  }
}
