package io.openmms.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.agent.monitoring.Node;
import io.openmms.agent.ship.Receiver;
import io.openmms.common.wire.HostSample;
import io.openmms.testkit.ReplicaSetStandIn;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as an operator runs it: public constructor, real clock and schedule (1 s polls),
 * the official driver against the replica-set stand-in, HTTP to a loopback receiver.
 */
class AgentEndToEndTest {
  @TempDir
  Path dataDir;

  @Test
  void samplesOfEveryMemberReachTheServiceAcrossAnOutageAndAFailover() throws Exception {
    String newPrimary;
    try (ReplicaSetStandIn rs = ReplicaSetStandIn.start("rs0", 3);
        Receiver receiver = new Receiver()) {
      var config = AgentFixture.config(receiver.url(), dataDir, Map.of(
          "agent.mongo.seed", rs.connectionString(),
          "agent.mongo.connect.timeout", "1s"));
      try (MonitoringAgent agent = new MonitoringAgent(config, Clock.systemUTC())) {
        agent.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.sentBatches() >= 1);
        assertThat(agent.lastTopology().nodes()).extracting(Node::hostPort)
            .containsExactlyInAnyOrderElementsOf(rs.hosts());

        receiver.stop();
        long before = agent.sentBatches();
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.spooledBatches() >= 2);
        rs.stepDown();
        newPrimary = rs.primary();
        String expected = newPrimary;
        await().atMost(Duration.ofSeconds(15)).until(() -> agent.lastTopology().primaries()
            .stream().map(Node::hostPort).toList().equals(List.of(expected)));
        receiver.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> agent.spooledBatches() == 0
            && agent.sentBatches() > before + 2);
      }
      List<HostSample> samples = receiver.samples();
      // Delivery is at least once: a batch whose acknowledgement was lost when the receiver
      // stopped is sent again (the service drops such resends by host and timestamp). So every
      // sample arrives, and at most the one batch in flight at the outage arrives twice.
      var counts = AgentFixture.countByHostAndTime(samples);
      assertThat(counts).allSatisfy((k, count) -> assertThat(count).as(k).isBetween(1, 2));
      assertThat(counts.values().stream().filter(c -> c == 2).count())
          .as("samples resent").isLessThanOrEqualTo(rs.hosts().size());
      String expected = newPrimary;
      assertThat(samples.stream().filter(s -> s.hostPort().equals(expected)
          && "PRIMARY".equals(s.role()))).isNotEmpty();
      assertThat(samples.stream().map(HostSample::timestamp).distinct().toList()).isSorted();
    }
  }
}
