package io.openmms.agent;

import io.openmms.testkit.ManualClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openmms.agent.monitoring.FakeCommands;
import io.openmms.agent.ship.Receiver;
import io.openmms.common.config.Config;
import io.openmms.common.config.ConfigException;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The composed agent against a scripted deployment and a loopback receiver, on a fake clock. */
class MonitoringAgentTest {
  @TempDir
  Path dataDir;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-02T10:00:00Z"));
  private final FakeCommands mongo = AgentFixture.replicaSet();
  private Receiver receiver;

  @BeforeEach
  void start() throws Exception {
    receiver = new Receiver();
  }

  @AfterEach
  void stop() {
    receiver.close();
  }

  private MonitoringAgent agent(Map<String, String> more) throws Exception {
    Config config = AgentFixture.config(receiver.url(), dataDir, more);
    MonitoringAgent agent = new MonitoringAgent(config, clock, () -> "agent-1", false,
        options -> mongo);
    agent.start();
    return agent;
  }

  private void polls(MonitoringAgent agent, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      agent.pollOnce();
      clock.advance(Duration.ofSeconds(10));
    }
  }

  private void assertEverySampleOnceInOrder(int polls) {
    List<HostSample> samples = receiver.samples();
    assertThat(samples).hasSize(polls * 3);
    assertThat(AgentFixture.countByHostAndTime(samples)).hasSize(polls * 3)
        .allSatisfy((k, count) -> assertThat(count).as(k).isEqualTo(1));
    assertThat(samples).extracting(HostSample::timestamp).isSorted();
    assertThat(receiver.acknowledged()).extracting(MonitoringBatch::seq).isSorted()
        .doesNotHaveDuplicates();
  }

  @Test
  void eachPollBecomesOneBatchOfEveryMember() throws Exception {
    try (MonitoringAgent agent = agent(Map.of())) {
      polls(agent, 2);
      await().until(() -> agent.sentBatches() == 2);
      assertThat(receiver.acknowledged()).allSatisfy(b -> {
        assertThat(b.agentId()).isEqualTo("agent-1");
        assertThat(b.samples()).extracting(HostSample::hostPort)
            .containsExactlyElementsOf(AgentFixture.HOSTS);
      });
      assertThat(agent.lastTopology().primaries()).extracting(n -> n.hostPort())
          .containsExactly("h1:1");
    }
    assertThat(mongo.closed).isTrue();
  }

  @Test
  void samplesTakenDuringAnOutageArriveExactlyOnceAndInOrderAfterIt() throws Exception {
    try (MonitoringAgent agent = agent(Map.of())) {
      polls(agent, 1);
      await().until(() -> agent.sentBatches() == 1);
      receiver.stop();
      polls(agent, 4);
      Thread.sleep(300);
      assertThat(agent.spooledBatches()).isEqualTo(4);
      receiver.restart();
      polls(agent, 1);
      await().until(() -> agent.sentBatches() == 6);
      assertThat(agent.spooledBatches()).isZero();
    }
    assertEverySampleOnceInOrder(6);
  }

  @Test
  void nothingIsLostWhenTheAgentRestartsDuringAnOutage() throws Exception {
    receiver.stop();
    try (MonitoringAgent first = agent(Map.of())) {
      polls(first, 3);
    }
    try (MonitoringAgent second = agent(Map.of())) {
      assertThat(second.spooledBatches()).isEqualTo(3);
      assertThat(second.agentId()).isEqualTo("agent-1");
      polls(second, 2);
      receiver.restart();
      await().until(() -> second.sentBatches() == 5);
    }
    assertEverySampleOnceInOrder(5);
    assertThat(receiver.acknowledged()).extracting(MonitoringBatch::seq)
        .containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void aFullSpoolDropsTheOldestBatchesAndSaysHowManySamples() throws Exception {
    receiver.stop();
    try (MonitoringAgent agent = agent(Map.of("agent.spool.max.bytes", "64KB"))) {
      int polls = 0;
      while (agent.droppedSamples() == 0 && polls < 1000) {
        polls(agent, 1);
        polls++;
      }
      polls(agent, 3);
      polls += 3;
      long dropped = agent.droppedSamples();
      assertThat(dropped).isPositive().isEqualTo(3L * (polls - agent.spooledBatches()));
      long spoolBytes;
      try (var files = Files.list(dataDir.resolve("spool"))) {
        spoolBytes = files.filter(p -> p.getFileName().toString().matches("\\d{20}"))
            .mapToLong(p -> p.toFile().length()).sum();
      }
      assertThat(spoolBytes).isLessThanOrEqualTo(64 * 1024);
      receiver.restart();
      int kept = agent.spooledBatches();
      await().until(() -> agent.sentBatches() == kept);
      // the newest batches survive, contiguous up to the last poll
      List<Long> seqs = receiver.acknowledged().stream().map(MonitoringBatch::seq).toList();
      assertThat(seqs.get(seqs.size() - 1)).isEqualTo(polls);
      assertThat(seqs.get(0)).isEqualTo(polls - kept + 1L);
    }
  }

  @Test
  void aBatchTheServiceRejectsIsSetAsideAndLaterBatchesStillArrive() throws Exception {
    receiver.answer(b -> b.seq() == 2 ? 400 : 200);
    try (MonitoringAgent agent = agent(Map.of())) {
      polls(agent, 4);
      await().until(() -> agent.sentBatches() == 3);
      assertThat(agent.rejectedBatches()).isEqualTo(1);
      assertThat(dataDir.resolve("spool/rejected/00000000000000000002")).exists();
      assertThat(receiver.acknowledged()).extracting(MonitoringBatch::seq)
          .containsExactly(1L, 3L, 4L);
    }
  }

  @Test
  void aDownMemberIsShippedAsDown() throws Exception {
    mongo.down("h3:3");
    try (MonitoringAgent agent = agent(Map.of())) {
      polls(agent, 1);
      await().until(() -> agent.sentBatches() == 1);
    }
    HostSample h3 = receiver.samples().stream().filter(s -> s.port() == 3).findFirst()
        .orElseThrow();
    assertThat(h3.down()).isTrue();
    assertThat(h3.error()).contains("Connection refused");
  }

  @Test
  void closeStopsEverythingAndCanBeCalledBeforeStart() throws Exception {
    Config config = AgentFixture.config(receiver.url(), dataDir, Map.of());
    new MonitoringAgent(config, clock).close();
    MonitoringAgent agent = new MonitoringAgent(config, clock, () -> "a", true, o -> mongo);
    agent.start();
    await().until(() -> agent.sentBatches() >= 1);
    agent.close();
    // a pool thread may still be returning from its last task just after its executor ended
    await().atMost(java.time.Duration.ofSeconds(2)).untilAsserted(() ->
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive()
            && (t.getName().startsWith("openmms-agent") || t.getName().startsWith("openmms-poll"))));
    assertThatThrownBy(agent::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeReleasesEverythingThenRethrowsTheFirstFailure() throws Exception {
    mongo.closeFailure = new IllegalStateException("driver refused to close");
    MonitoringAgent agent = agent(Map.of());
    polls(agent, 1);
    assertThatThrownBy(agent::close).isSameAs(mongo.closeFailure);
    assertThat(mongo.closed).isTrue();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive()
        && t.getName().equals("openmms-agent-sender"));
  }

  @Test
  void badSettingsFailAtConstructionNamingTheKey() {
    assertThatThrownBy(() -> new MonitoringAgent(AgentFixture.config("http://10.1.2.3:8080",
        dataDir, Map.of()), clock)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("agent.server.allow.insecure");
    new MonitoringAgent(AgentFixture.config("http://10.1.2.3:8080", dataDir,
        Map.of("agent.server.allow.insecure", "true")), clock).close();
    assertThatThrownBy(() -> new MonitoringAgent(AgentFixture.config(receiver.url(), dataDir,
        Map.of("agent.mongo.seed", "mongodb://monitor:hunter2@h1:1/")), clock))
        .isInstanceOf(ConfigException.class).hasMessageContaining("agent.mongo.seed")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> new MonitoringAgent(AgentFixture.config(receiver.url(), dataDir,
        Map.of("agent.mongo.password", "hunter2")), clock))
        .isInstanceOf(ConfigException.class).hasMessageContaining("agent.mongo.username")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> AgentFixture.config(receiver.url(), dataDir,
        Map.of("agent.poll.interval", "500ms"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("agent.poll.interval");
  }
}
