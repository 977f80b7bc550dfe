package io.openmms.agent.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.openmms.common.wire.HostSample;
import io.openmms.testkit.ReplicaSetStandIn;
import io.openmms.testkit.Workload;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Discovery and polling through the official driver against the testkit's replica-set stand-in:
 * each poll cycle is driven directly, so "noticed within one poll" is checked literally.
 */
class ReplicaSetMonitoringTest {
  private ReplicaSetStandIn rs;
  private Collector collector;

  @BeforeEach
  void start() {
    rs = ReplicaSetStandIn.start("rs0", 3);
    DriverCommands commands = new DriverCommands(new DriverCommands.Options(null, null, "admin",
        null, Duration.ofSeconds(1), Duration.ofSeconds(5)));
    // seeded with a secondary: discovery must still find the whole set
    collector = new Collector(commands, List.of(rs.hosts().get(1)), 4, Duration.ofMinutes(5),
        Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    collector.close();
    rs.close();
  }

  private static HostSample of(List<HostSample> samples, String hostPort) {
    return samples.stream().filter(s -> s.hostPort().equals(hostPort)).findFirst().orElseThrow();
  }

  private static List<String> primaries(List<HostSample> samples) {
    return samples.stream().filter(s -> !s.down() && "PRIMARY".equals(s.role()))
        .map(HostSample::hostPort).toList();
  }

  @Test
  void findsAllThreeMembersWithTheirRolesAndMetrics() throws Exception {
    rs.client().getDatabase("app").getCollection("c").insertOne(new Document("x", 1));
    List<HostSample> samples = collector.pollCycle();

    assertThat(samples).extracting(HostSample::hostPort)
        .containsExactlyInAnyOrderElementsOf(rs.hosts());
    assertThat(primaries(samples)).containsExactly(rs.primary());
    assertThat(samples).filteredOn(s -> !s.hostPort().equals(rs.primary()))
        .extracting(HostSample::role).containsOnly("SECONDARY");
    assertThat(samples).allSatisfy(s -> {
      assertThat(s.down()).isFalse();
      assertThat(s.replicaSetName()).isEqualTo("rs0");
      assertThat(s.clusterName()).isNull();
      assertThat(s.version()).isNotBlank();
      assertThat(s.uptimeSeconds()).isNotNull();
      assertThat(s.counters()).containsKeys("OPCOUNTER_INSERT", "OPCOUNTER_CMD");
      assertThat(s.gauges()).containsKey("CONNECTIONS");
      assertThat(s.members()).hasSize(3);
    });
    assertThat(of(samples, rs.primary()).counters().get("OPCOUNTER_INSERT")).isPositive();
    assertThat(of(samples, rs.primary()).gauges()).containsKeys("OPLOG_MASTER_TIME",
        "DB_DATA_SIZE_TOTAL", "DB_STORAGE_TOTAL");
    assertThat(collector.lastTopology().nodes()).hasSize(3);
  }

  @Test
  void countersGrowWithTheWorkloadOnThePrimaryAndReplicateToSecondaries() throws Exception {
    List<HostSample> before = collector.pollCycle();
    try (Workload w = Workload.start(rs.client(), "app", 200)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> w.operations() >= 100);
    }
    List<HostSample> after = collector.pollCycle();
    String p = rs.primary();
    assertThat(of(after, p).counters().get("OPCOUNTER_INSERT"))
        .isGreaterThan(of(before, p).counters().get("OPCOUNTER_INSERT"));
    assertThat(of(after, p).counters().get("OPCOUNTER_QUERY"))
        .isGreaterThan(of(before, p).counters().get("OPCOUNTER_QUERY"));
    String secondary = rs.hosts().stream().filter(h -> !h.equals(p)).findFirst().orElseThrow();
    assertThat(of(after, secondary).counters().get("OPCOUNTER_REPL_INSERT"))
        .isGreaterThan(of(before, secondary).counters().get("OPCOUNTER_REPL_INSERT"));
  }

  @Test
  void aNewPrimaryAfterStepDownIsReportedInTheNextPoll() throws Exception {
    String old = rs.primary();
    assertThat(primaries(collector.pollCycle())).containsExactly(old);
    rs.stepDown();
    List<HostSample> next = collector.pollCycle();
    assertThat(rs.primary()).isNotEqualTo(old);
    assertThat(primaries(next)).containsExactly(rs.primary());
    assertThat(of(next, old).role()).isEqualTo("SECONDARY");
  }

  @Test
  void anAddedMemberIsPolledInTheNextPoll() throws Exception {
    collector.pollCycle();
    String added = rs.addMember();
    List<HostSample> next = collector.pollCycle();
    assertThat(next).extracting(HostSample::hostPort).hasSize(4).contains(added);
    assertThat(of(next, added).down()).isFalse();
    assertThat(of(next, added).role()).isEqualTo("SECONDARY");
  }

  @Test
  void aKilledMemberIsReportedDownAndComesBackAfterRestart() throws Exception {
    collector.pollCycle();
    String victim = rs.hosts().get(2);
    rs.kill(victim);
    HostSample down = of(collector.pollCycle(), victim);
    assertThat(down.down()).isTrue();
    assertThat(down.error()).isNotBlank();
    assertThat(down.counters()).isEmpty();

    rs.restart(victim);
    HostSample back = of(collector.pollCycle(), victim);
    assertThat(back.down()).isFalse();
    assertThat(back.role()).isEqualTo("SECONDARY");
  }

  @Test
  void aKilledPrimaryIsReplacedAndTheSeedCanBeTheDeadOne() throws Exception {
    collector.pollCycle();
    String seed = rs.hosts().get(1);
    rs.stepDown(); // the seed becomes primary ...
    assertThat(rs.primary()).isEqualTo(seed);
    collector.pollCycle();
    rs.kill(seed); // ... and dies
    List<HostSample> samples = collector.pollCycle();
    assertThat(of(samples, seed).down()).isTrue();
    assertThat(primaries(samples)).containsExactly(rs.primary());
    assertThat(samples).hasSize(3);
  }

  @Test
  void secondaryLagIsMeasuredFromReplSetGetStatus() throws Exception {
    String secondary = rs.hosts().stream().filter(h -> !h.equals(rs.primary())).findFirst()
        .orElseThrow();
    rs.setLag(secondary, Duration.ofSeconds(30));
    List<HostSample> samples = collector.pollCycle();
    assertThat(of(samples, secondary).gauges().get("OPLOG_SLAVE_LAG_MASTER_TIME"))
        .isCloseTo(30.0, within(1.0));
    assertThat(of(samples, rs.primary()).gauges()).doesNotContainKey("OPLOG_SLAVE_LAG_MASTER_TIME");
  }
}
