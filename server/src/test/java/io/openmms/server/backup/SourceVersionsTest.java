package io.openmms.server.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.server.monitoring.Clusters;
import io.openmms.server.monitoring.HostRecords;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which version a restore job records for the archive header: the up primary's, else the member
 * heard from last; only versions mongorestore parses; only the backed-up replica set's hosts.
 */
class SourceVersionsTest {
  static final String GROUP = "g1";

  private static HostRecords.Host host(String name, String rs, String role, boolean down,
      String version, long lastPing) {
    HostRecords.State s = new HostRecords.State(name, 27017, lastPing, lastPing, Map.of(), 100L,
        down, down ? "connection refused" : null, role, null, rs, null, null, false, version,
        lastPing, 0, 1);
    return new HostRecords.Host(name, GROUP, s, "agent-1");
  }

  private static Optional<String> versionOf(String rs, List<HostRecords.Host> hosts) {
    String id = Clusters.replicaSetId(GROUP, hosts.stream().map(HostRecords.Host::state)
        .filter(s -> rs.equals(s.replicaSetName())).findFirst().orElseThrow());
    Backups.Backup b = new Backups.Backup(id, GROUP, id, rs, null, Backups.State.TAILING, "s1",
        1, null, null, null, null);
    return SourceVersions.choose(b, hosts);
  }

  @Test
  void thePrimarysVersionWinsDuringARollingUpgrade() {
    assertThat(versionOf("rs0", List.of(
        host("db1", "rs0", "SECONDARY", false, "8.0.4", 3000),
        host("db2", "rs0", "PRIMARY", false, "7.0.14", 2000),
        host("db3", "rs0", "SECONDARY", false, "8.0.4", 1000)))).contains("7.0.14");
  }

  @Test
  void withoutAnUpPrimaryTheMemberHeardFromLast() {
    assertThat(versionOf("rs0", List.of(
        host("db1", "rs0", "PRIMARY", true, "7.0.12", 1000),
        host("db2", "rs0", "SECONDARY", false, "7.0.14", 3000),
        host("db3", "rs0", "SECONDARY", false, "7.0.13", 2000)))).contains("7.0.14");
  }

  @Test
  void onlyThisReplicaSetsHostsAndOnlyVersionsMongorestoreParses() {
    List<HostRecords.Host> hosts = List.of(
        host("db1", "rs0", "PRIMARY", false, "7.0", 3000),
        host("db2", "rs0", "SECONDARY", false, "8.0.0-rc4", 1000),
        host("db3", "rs1", "PRIMARY", false, "6.0.20", 4000));
    assertThat(versionOf("rs0", hosts)).contains("8.0.0-rc4");
    assertThat(versionOf("rs1", hosts)).contains("6.0.20");
  }

  @Test
  void unknownWhenNoMemberReportedAVersion() {
    assertThat(versionOf("rs0", List.of(host("db1", "rs0", "PRIMARY", false, null, 1000),
        host("db2", "rs0", "SECONDARY", false, "unknown", 2000)))).isEmpty();
  }
}
