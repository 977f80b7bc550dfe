package io.openmms.dist;

import io.openmms.daemon.snapshot.Coordination;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.store.AppDatabase;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code openmms snapshot <clusterId>}: asks the daemon holding a replica set's head for a
 * snapshot now, shows its progress and summarises it (docs/snapshots.md, "Commands").
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = {"Take an on-demand snapshot of a backed-up replica set and wait for it.",
        "It talks to the application database in the daemon's configuration (daemon.appdb.uri);"
            + " the daemon holding the replica set's head writes the snapshot.",
        "Example: ./openmms snapshot -c daemon.properties 5f1a2b3c4d5e6f7a8b9c0d1e"})
final class SnapshotCommand implements Callable<Integer> {
  @Mixin Overrides overrides;

  @Parameters(paramLabel = "CLUSTER_ID",
      description = "The replica set's cluster id (as in the API's clusters and backupConfigs).")
  String clusterId;

  @Option(names = "--timeout", defaultValue = "3600",
      description = "Seconds to wait for the snapshot. Default: 3600.")
  int timeoutSeconds;

  @Option(names = "--no-wait", description = "Only request the snapshot.")
  boolean noWait;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    Clock clock = Clock.systemUTC();
    try (DaemonDatabase d = DaemonDatabase.open(overrides, clock)) {
      Backups.Backup b = d.backup(clusterId).orElse(null);
      if (b == null) {
        return 1;
      }
      AppDatabase db = d.db();
      if (b.state() == Backups.State.STOPPED) {
        System.err.println("The backup of " + b.replicaSetName() + " (" + clusterId
            + ") is stopped; start it to take snapshots");
        return 1;
      }
      Snapshots snapshots = new Snapshots(db);
      Set<String> before = new HashSet<>();
      snapshots.list(clusterId).forEach(s -> before.add(s.id()));
      Instant requested = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
      snapshots.request(clusterId, requested);
      out.println("Requested a snapshot of " + b.replicaSetName() + " (" + clusterId + ").");
      if (noWait) {
        return 0;
      }
      Coordination coordination = new Coordination(db, clock, Duration.ZERO);
      Progress bar = new Progress(out, "snapshot");
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
      boolean started = false;
      while (System.nanoTime() < deadline) {
        Optional<Snapshots.Snapshot> latest = snapshots.list(clusterId).stream()
            .filter(s -> s.onDemand() && !before.contains(s.id())).findFirst();
        if (latest.isPresent()) {
          bar.done();
          summary(out, latest.get());
          return 0;
        }
        Optional<Snapshots.Failure> failed = snapshots.failure(clusterId)
            .filter(f -> f.request().filter(requested::equals).isPresent());
        if (failed.isPresent()) {
          bar.done();
          Snapshots.Failure f = failed.get();
          System.err.println("The snapshot failed: " + f.message());
          System.err.println("The daemon tries again at " + f.retryAt() + " (" + f.attempts()
              + (f.attempts() == 1 ? " attempt" : " attempts") + " failed in a row); the request"
              + " stays, so that attempt serves it.");
          return 1;
        }
        Optional<Coordination.Progress> p = coordination.progress(clusterId);
        if (p.isPresent()) {
          started = true;
          bar.show(p.get().bytes(), p.get().estimatedBytes());
        } else if (!started) {
          bar.waiting("waiting for the daemon holding the head (it must be STEADY)");
        }
        Thread.sleep(500);
      }
      bar.done();
      System.err.println("No snapshot within " + timeoutSeconds + " s. The request stays: the"
          + " daemon takes it when the head is steady. Check GET .../backupConfigs/" + clusterId
          + "/head and the daemon's log.");
      return 1;
    }
  }

  static void summary(PrintStream out, Snapshots.Snapshot s) {
    long docs = s.collections().stream().mapToLong(Snapshots.Collection::count).sum();
    out.printf("Snapshot %s of %s%n", s.id(), s.backupId());
    out.printf("  stands at   Timestamp(%d, %d)  %s%n", s.ts().getTime(), s.ts().getInc(),
        s.pointInTime());
    out.printf("  contents    %d collections, %d documents, %s%n", s.collections().size(), docs,
        Progress.bytes(s.logicalSizeBytes()));
    out.printf("  stored      %s new in %d blocks (block store %s)%n",
        Progress.bytes(s.newStoredBytes()), s.blockCount(), s.store());
    out.printf("  took        %.1f s; expires %s (%s)%n", s.took().toMillis() / 1000.0,
        s.expires(), String.join(", ", s.tiers()));
  }
}
