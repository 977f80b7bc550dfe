package io.openmms.dist;

import io.openmms.daemon.DaemonSettings;
import io.openmms.daemon.snapshot.SnapshotStores;
import io.openmms.daemon.snapshot.Verifier;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code openmms verify}: reads every block of every retained snapshot (or of one snapshot, or
 * of one cluster's) and checks it against its id and the manifest (docs/snapshots.md, "Verify").
 * Exit code 0 when everything is intact, 1 when anything is corrupt or missing.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Check every block of every retained snapshot, or of one, and report each"
        + " corrupt or missing block with its snapshot and stream offset.",
        "It uses the daemon's configuration: the application database (daemon.appdb.uri), the"
            + " block stores (daemon.blockstores) and the keys (daemon.blockstore.keys.dir).",
        "Example: ./openmms verify -c daemon.properties --snapshot 6b0228..."})
final class VerifyCommand implements Callable<Integer> {
  @Mixin Overrides overrides;

  @Option(names = "--snapshot", paramLabel = "ID", description = "Only this snapshot.")
  String snapshotId;

  @Option(names = "--cluster", paramLabel = "CLUSTER_ID",
      description = "Only this replica set's snapshots.")
  String clusterId;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    try (DaemonDatabase d = DaemonDatabase.open(overrides, java.time.Clock.systemUTC());
        SnapshotStores stores = new SnapshotStores(DaemonSettings.blockstores(d.config()),
            d.config().get(DaemonSettings.KEYS_DIR), new SecureRandom())) {
      Snapshots snapshots = new Snapshots(d.db());
      List<Snapshots.Snapshot> todo = new ArrayList<>();
      if (snapshotId != null) {
        Optional<Snapshots.Snapshot> one = snapshots.get(snapshotId);
        if (one.isEmpty()) {
          System.err.println("No snapshot " + snapshotId);
          return 1;
        }
        todo.add(one.get());
      } else {
        todo.addAll(clusterId != null ? snapshots.list(clusterId) : snapshots.all());
        todo.sort(Comparator.comparing(Snapshots.Snapshot::backupId)
            .thenComparing(Snapshots.Snapshot::ts));
      }
      if (todo.isEmpty()) {
        out.println("No snapshots to verify.");
        return 0;
      }
      Verifier verifier = new Verifier(4);
      int bad = 0;
      long blocks = 0;
      long bytes = 0;
      long started = System.nanoTime();
      for (int i = 0; i < todo.size(); i++) {
        Snapshots.Snapshot s = todo.get(i);
        Verifier.Report r;
        try {
          r = verifier.verify(stores.domainStore(s.store(), s.groupId()), s);
        } catch (RuntimeException | IOException e) {
          String hint = String.valueOf(e.getMessage()).contains("in use by another process")
              ? " (a filesystem block store is locked by the daemon using it: stop the daemon"
                  + " with openmms stop daemon, verify, then start it again)" : "";
          r = new Verifier.Report(s.id(), s.backupId(), 0, 0, 0,
              List.of("cannot open its block store: " + e.getMessage() + hint));
        }
        blocks += r.blocks();
        bytes += r.bytes();
        out.printf("[%d/%d] snapshot %s of %s at Timestamp(%d, %d): %s%n", i + 1, todo.size(),
            s.id(), s.backupId(), s.ts().getTime(), s.ts().getInc(), r.ok()
                ? "OK (" + r.blocks() + " blocks, " + r.documents() + " documents, "
                    + Progress.bytes(r.bytes()) + ")"
                : "DAMAGED");
        for (String p : r.problems()) {
          out.println("    " + p);
        }
        if (!r.ok()) {
          bad++;
        }
      }
      double secs = (System.nanoTime() - started) / 1e9;
      out.printf("%d of %d snapshots intact; %d blocks, %s read in %.1f s%n", todo.size() - bad,
          todo.size(), blocks, Progress.bytes(bytes), secs);
      return bad == 0 ? 0 : 1;
    }
  }
}
