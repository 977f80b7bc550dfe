package io.openmms.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.daemon.snapshot.SnapshotSite;
import io.openmms.server.backup.Snapshots;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code openmms snapshot} and {@code openmms verify} against a real application database. */
class SnapshotCommandsTest {
  @TempDir Path dir;

  /** Runs a command, returning its exit code and what it printed (stdout and stderr). */
  private static synchronized Object[] run(String... args) {
    var buf = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    PrintStream p = new PrintStream(buf, true);
    System.setOut(p);
    System.setErr(p);
    try {
      int code = Main.run(args);
      return new Object[] {code, buf.toString()};
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void snapshotWaitsForTheDaemonAndVerifyChecksEveryBlock() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir, "main=file:" + dir.resolve("blocks"), null)
        .seed(4000).registerBackup()) {
      String uri = site.db.embeddedConnectionString();
      String[] common = {"-D", "daemon.appdb.uri=" + uri, "-D",
          "daemon.blockstores=main=file:" + dir.resolve("blocks"), "-D",
          "daemon.data.dir=" + dir.resolve("cli")};

      Object[] missing = run(concat(new String[] {"snapshot", "no-such-cluster"}, common));
      assertThat(missing[0]).isEqualTo(1);
      assertThat((String) missing[1]).contains("No backup of cluster no-such-cluster");

      // the command requests; this test plays the daemon that serves the request
      CompletableFuture<Object[]> cmd = CompletableFuture.supplyAsync(() -> run(concat(
          new String[] {"snapshot", "--timeout", "60", site.backup.id()}, common)));
      await().atMost(Duration.ofSeconds(30))
          .until(() -> site.snapshots().requested(site.backup.id()).isPresent());
      site.service.maybeStart(site.backup, site.head);
      Object[] took = cmd.get();
      assertThat(took[0]).as((String) took[1]).isEqualTo(0);
      Snapshots.Snapshot s = site.snapshots().latest(site.backup.id()).orElseThrow();
      assertThat((String) took[1]).contains("Snapshot " + s.id(), "3 collections",
          "4000 documents");

      // a filesystem store is locked by the process using it: the daemon stops first
      var refs = io.openmms.daemon.snapshot.SnapshotInput.blocks(site.store(), s);
      site.stores.close();
      Object[] ok = run(concat(new String[] {"verify"}, common));
      assertThat(ok[0]).as((String) ok[1]).isEqualTo(0);
      assertThat((String) ok[1]).contains("1 of 1 snapshots intact");

      try (var stores = new io.openmms.daemon.snapshot.SnapshotStores(
          io.openmms.daemon.snapshot.SnapshotStores.parse("main=file:" + dir.resolve("blocks"),
              dir), null, new java.security.SecureRandom())) {
        stores.domainStore("main", SnapshotSite.GROUP).delete(refs.get(0).id());
      }
      Object[] bad = run(concat(new String[] {"verify", "--snapshot", s.id()}, common));
      assertThat(bad[0]).isEqualTo(1);
      assertThat((String) bad[1]).contains("DAMAGED", refs.get(0).id().hex(), "offset 0",
          "0 of 1 snapshots intact");
    }
  }

  @Test
  void snapshotStopsWaitingWhenTheDaemonFailsItAndTheRetryServesTheRequest() throws Exception {
    Path keys = java.nio.file.Files.createDirectories(dir.resolve("keys"));
    Path keyFile = keys.resolve(SnapshotSite.GROUP + ".key");
    java.nio.file.Files.writeString(keyFile, "not a key"); // an operator's mistake
    try (SnapshotSite site = new SnapshotSite(dir, "main=file:" + dir.resolve("blocks"), keys)
        .seed(200).registerBackup()) {
      String id = site.backup.id();
      String[] common = {"-D", "daemon.appdb.uri=" + site.db.embeddedConnectionString(), "-D",
          "daemon.data.dir=" + dir.resolve("cli")};
      CompletableFuture<Object[]> cmd = CompletableFuture.supplyAsync(() -> run(concat(
          new String[] {"snapshot", "--timeout", "60", id}, common)));
      await().atMost(Duration.ofSeconds(30))
          .until(() -> site.snapshots().requested(id).isPresent());
      site.service.maybeStart(site.backup, site.head);
      Object[] failed = cmd.get();
      assertThat(failed[0]).as((String) failed[1]).isEqualTo(1);
      assertThat((String) failed[1]).contains("The snapshot failed: the key file " + keyFile,
          "is not base64", "tries again at", "1 attempt failed in a row", "the request stays");
      assertThat(site.snapshots().list(id)).as("no partial snapshot").isEmpty();
      assertThat(site.snapshots().requested(id)).as("the request stays").isPresent();

      // the operator writes a real key; the daemon's retry a minute later serves the request
      byte[] key = new byte[32];
      new java.security.SecureRandom().nextBytes(key);
      java.nio.file.Files.writeString(keyFile, java.util.Base64.getEncoder().encodeToString(key));
      await().atMost(Duration.ofSeconds(10)).until(() -> !site.service.running(id));
      site.clock.advance(Duration.ofMinutes(1));
      site.service.maybeStart(site.backup, site.head);
      await().atMost(Duration.ofSeconds(30)).until(() -> site.snapshots().list(id).size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> !site.service.running(id));
      assertThat(site.snapshots().failure(id)).as("cleared by the success").isEmpty();
      assertThat(site.snapshots().requested(id)).as("served").isEmpty();
    }
  }

  @Test
  void restoreQueuesAJobShowsItsProgressAndDownloadsTheVerifiedFile() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir, "main=file:" + dir.resolve("blocks"), null)
        .seed(3000).registerBackup()) {
      Snapshots.Snapshot s = site.snapshot();
      String[] common = {"-D", "daemon.appdb.uri=" + site.db.embeddedConnectionString(), "-D",
          "daemon.data.dir=" + dir.resolve("cli")};
      // this test plays the daemon: a live daemon record and its restore service
      site.db.collection(io.openmms.server.store.Collections.DAEMONS).insertOne(
          new org.bson.Document("_id", "test-daemon").append("expires", new java.util.Date(
              System.currentTimeMillis() + 600_000)).append("blockstores", java.util.List.of(
              "main")));
      var restores = new io.openmms.daemon.restore.RestoreService(site.db, site.stores,
          dir.resolve("staging"), dir.resolve("key"), 1, Duration.ofMinutes(1),
          java.time.Clock.systemUTC(), "test-daemon");
      var loop = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
      loop.scheduleWithFixedDelay(() -> {
        restores.heartbeat();
        restores.poll();
      }, 0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
      try {
        Path out = dir.resolve("rs.tar.gz");
        Object[] ok = run(concat(new String[] {"restore", site.backup.id(), "--latest", "--out",
            out.toString()}, common));
        assertThat(ok[0]).as((String) ok[1]).isEqualTo(0);
        assertThat((String) ok[1]).contains("queued", "Verification PASSED", "3000 documents",
            "SHA-256", "mongorestore");
        long docs = 0;
        try (var r = io.openmms.daemon.restore.dump.TarGzDump.read(
            java.nio.file.Files.newInputStream(out))) {
          while (r.nextCollection().isPresent()) {
            while (r.nextDocument() != null) {
              docs++;
            }
          }
        }
        assertThat(docs).isEqualTo(3000);
        assertThat(out.resolveSibling("rs.tar.gz.part")).doesNotExist();

        Object[] outside = run(concat(new String[] {"restore", site.backup.id(), "--oplog",
            "1:1", "--out", dir.resolve("x").toString()}, common));
        assertThat(outside[0]).isEqualTo(1);
        assertThat((String) outside[1]).contains("No point in time of rs0 is restorable yet");
        assertThat(dir.resolve("x")).doesNotExist();
      } finally {
        loop.shutdownNow();
        restores.close();
      }
    }
  }

  @Test
  void restoreNamesTheOptionWhoseNumberItCannotRead() throws Exception {
    try (SnapshotSite site = new SnapshotSite(dir, "main=file:" + dir.resolve("blocks"), null)
        .registerBackup()) {
      String out = dir.resolve("x").toString();
      String[] common = {"-D", "daemon.appdb.uri=" + site.db.embeddedConnectionString(), "-D",
          "daemon.data.dir=" + dir.resolve("cli")};
      Object[] unknown = run(concat(new String[] {"restore", "no-such-cluster", "--latest",
          "--out", out}, common));
      assertThat(unknown[0]).isEqualTo(1);
      assertThat((String) unknown[1]).contains("No backup of cluster no-such-cluster");

      Object[] oplog = run(concat(new String[] {"restore", site.backup.id(), "--oplog", "abc:1",
          "--out", out}, common));
      assertThat(oplog[0]).isEqualTo(1);
      assertThat((String) oplog[1]).contains("--oplog: 'abc' in 'abc:1' is not a whole number");

      Object[] port = run(concat(new String[] {"restore", site.backup.id(), "--snapshot", "s1",
          "--scp", "backup@db2:ssh:/srv/restores", "--host-key", "SHA256:x"}, common));
      assertThat(port[0]).isEqualTo(1);
      assertThat((String) port[1]).contains("--scp: 'ssh' in 'backup@db2:ssh:/srv/restores' is"
          + " not a whole number");
      assertThat(dir.resolve("x")).doesNotExist();
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
