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

  private static String[] concat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
