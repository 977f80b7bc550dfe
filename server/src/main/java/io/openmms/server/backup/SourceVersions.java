package io.openmms.server.backup;

import io.openmms.server.monitoring.Clusters;
import io.openmms.server.monitoring.HostRecords;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The MongoDB version of a backed-up replica set, as monitoring last saw it ({@code buildInfo}'s
 * {@code version} on each host record): its primary's, or when no primary is up, that of the
 * member heard from last. Only a version mongorestore parses counts (three numbers, then
 * optionally "-…" or "+…", as {@code 7.0.14} or {@code 8.0.0-rc4}). A restore job records it when
 * it is created, for the {@code server_version} of the archive it writes (docs/restore-formats.md).
 * Thread-safe.
 */
public final class SourceVersions {
  /** What mongorestore's {@code db.StrToVersion} parses. */
  private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+([-+].*)?");

  /** Whether mongorestore parses {@code version} (an archive's {@code server_version}). */
  public static boolean parses(String version) {
    return version != null && VERSION.matcher(version).matches();
  }

  private final HostRecords hosts;

  public SourceVersions(HostRecords hosts) {
    this.hosts = hosts;
  }

  /** The version of {@code b}'s replica set; empty when monitoring does not know it. */
  public Optional<String> of(Backups.Backup b) {
    return choose(b, hosts.list(b.groupId()));
  }

  static Optional<String> choose(Backups.Backup b, List<HostRecords.Host> groupHosts) {
    return groupHosts.stream()
        .map(HostRecords.Host::state)
        .filter(s -> b.id().equals(Clusters.replicaSetId(b.groupId(), s)))
        .filter(s -> parses(s.version()))
        .min(Comparator.comparing((HostRecords.State s) -> !upPrimary(s))
            .thenComparing(Comparator.comparingLong(HostRecords.State::lastPing).reversed()))
        .map(HostRecords.State::version);
  }

  private static boolean upPrimary(HostRecords.State s) {
    return !s.down() && "PRIMARY".equals(s.role());
  }
}
