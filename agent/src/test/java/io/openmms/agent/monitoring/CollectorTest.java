package io.openmms.agent.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.testkit.ManualClock;
import io.openmms.common.wire.HostSample;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CollectorTest {
  private static final List<String> HOSTS = List.of("h1:1", "h2:2", "h3:3");
  private static final long T0 = 1_700_000_000_000L;
  private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(T0));
  private final FakeCommands mongo = new FakeCommands();
  private Collector collector;

  @BeforeEach
  void deployment() {
    mongo.reply("h1:1", "hello", Replies.primaryHello("rs0", "h1:1", HOSTS, List.of()));
    for (String s : List.of("h2:2", "h3:3")) {
      mongo.reply(s, "hello", Replies.secondaryHello("rs0", s, "h1:1", HOSTS));
    }
    for (String h : HOSTS) {
      mongo.reply(h, "serverStatus", Replies.serverStatus(1000, 10));
      mongo.reply(h, "replSetGetStatus", Replies.replSetGetStatus("rs0", h, new Object[][] {
          {"h1:1", "PRIMARY", T0}, {"h2:2", "SECONDARY", T0 - 4000}, {"h3:3", "SECONDARY", T0}}));
      mongo.reply(h, "buildInfo", new Document("version", "7.0.12").append("ok", 1));
      mongo.reply(h, "hostInfo", new Document("system", new Document("hostname", h)));
      mongo.reply(h, "getCmdLineOpts", new Document("argv", List.of("mongod")));
      mongo.reply(h, "listDatabases", Document.parse(
          "{\"databases\": [{\"name\": \"admin\"}, {\"name\": \"app\"}], \"ok\": 1}"));
      mongo.reply(h, "dbStats", c -> new Document("dataSize", 1000)
          .append("storageSize", 4096L).append("ok", 1));
      mongo.collection(h, "local.oplog.rs", List.of(Replies.oplogEntry(T0 - 7_200_000L),
          Replies.oplogEntry(T0 - 1_000L), Replies.oplogEntry(T0)));
      mongo.reply(h, "aggregate", new Document("cursor", new Document("firstBatch", List.of(
          new Document("storageStats", new Document("size", 7.2e9))))).append("ok", 1));
    }
    collector = new Collector(mongo, List.of("h1:1"), 2, Duration.ofMinutes(5), clock);
  }

  @AfterEach
  void close() {
    collector.close();
    assertThat(mongo.closed).isTrue();
  }

  private static HostSample of(List<HostSample> samples, String hostPort) {
    return samples.stream().filter(s -> s.hostPort().equals(hostPort)).findFirst().orElseThrow();
  }

  @Test
  void oneSamplePerMemberWithRolesMetricsLagAndOplog() throws Exception {
    List<HostSample> samples = collector.pollCycle();

    assertThat(samples).extracting(HostSample::hostPort).containsExactly("h1:1", "h2:2", "h3:3");
    assertThat(samples).extracting(HostSample::role)
        .containsExactly("PRIMARY", "SECONDARY", "SECONDARY");
    assertThat(samples).allSatisfy(s -> {
      assertThat(s.timestamp()).isEqualTo(T0);
      assertThat(s.down()).isFalse();
      assertThat(s.replicaSetName()).isEqualTo("rs0");
      assertThat(s.version()).isEqualTo("7.0.12");
      assertThat(s.uptimeSeconds()).isEqualTo(1000L);
      assertThat(s.counters()).containsEntry("OPCOUNTER_INSERT", 10L);
      assertThat(s.members()).hasSize(3);
      // 2 databases x dbStats
      assertThat(s.gauges()).containsEntry("DB_STORAGE_TOTAL", 8192.0)
          .containsEntry("DB_DATA_SIZE_TOTAL", 2000.0)
          .containsEntry("OPLOG_MASTER_TIME", 2.0)
          .containsEntry("OPLOG_RATE_GB_PER_HOUR", 3.6);
    });
    assertThat(of(samples, "h2:2").gauges()).containsEntry("OPLOG_SLAVE_LAG_MASTER_TIME", 4.0);
    assertThat(of(samples, "h1:1").gauges()).doesNotContainKey("OPLOG_SLAVE_LAG_MASTER_TIME");
  }

  @Test
  void costlyCommandsRunEverySlowIntervalAndTheirValuesAreRepeatedBetween() throws Exception {
    collector.pollCycle();
    mongo.log.clear();
    mongo.reply("h1:1", "dbStats", c -> new Document("dataSize", 5000)
        .append("storageSize", 9000).append("ok", 1));
    clock.advance(Duration.ofSeconds(10));
    List<HostSample> second = collector.pollCycle();
    assertThat(mongo.log).noneMatch(l -> l.contains("dbStats") || l.contains("buildInfo"));
    assertThat(of(second, "h1:1").gauges()).containsEntry("DB_DATA_SIZE_TOTAL", 2000.0);
    assertThat(of(second, "h1:1").version()).isEqualTo("7.0.12");

    clock.advance(Duration.ofMinutes(5));
    List<HostSample> third = collector.pollCycle();
    assertThat(of(third, "h1:1").gauges()).containsEntry("DB_DATA_SIZE_TOTAL", 10000.0);
  }

  @Test
  void aRestartedProcessIsAskedItsVersionAgain() throws Exception {
    collector.pollCycle();
    mongo.reply("h2:2", "serverStatus", Replies.serverStatus(5, 0));
    mongo.reply("h2:2", "buildInfo", new Document("version", "8.0.1").append("ok", 1));
    clock.advance(Duration.ofSeconds(10));
    List<HostSample> samples = collector.pollCycle();
    assertThat(of(samples, "h2:2").version()).isEqualTo("8.0.1");
    assertThat(of(samples, "h2:2").uptimeSeconds()).isEqualTo(5L);
    assertThat(of(samples, "h3:3").version()).isEqualTo("7.0.12");
  }

  @Test
  void anUnreachableMemberIsReportedDownWithTheReasonNotSkipped() throws Exception {
    collector.pollCycle();
    mongo.down("h3:3");
    clock.advance(Duration.ofSeconds(10));
    List<HostSample> samples = collector.pollCycle();
    HostSample h3 = of(samples, "h3:3");
    assertThat(h3.down()).isTrue();
    assertThat(h3.error()).contains("unreachable").contains("Connection refused");
    assertThat(h3.role()).isEqualTo("SECONDARY");
    assertThat(h3.counters()).isEmpty();
    assertThat(h3.timestamp()).isEqualTo(T0 + 10_000);
    assertThat(collector.lastTopology().node("h3:3")).get().extracting(Node::up)
        .isEqualTo(false);

    mongo.up("h3:3");
    clock.advance(Duration.ofSeconds(10));
    assertThat(of(collector.pollCycle(), "h3:3").down()).isFalse();
  }

  @Test
  void aRefusedCommandLeavesOutOnlyItsMetrics() throws Exception {
    mongo.reply("h2:2", "replSetGetStatus", FakeCommands.error(13, "Unauthorized"));
    mongo.reply("h2:2", "aggregate", FakeCommands.error(59, "CommandNotFound"));
    mongo.reply("h2:2", "collStats", new Document("size", 3.6e9).append("ok", 1));
    HostSample h2 = of(collector.pollCycle(), "h2:2");
    assertThat(h2.down()).isFalse();
    assertThat(h2.members()).isNull();
    assertThat(h2.gauges()).doesNotContainKey("OPLOG_SLAVE_LAG_MASTER_TIME")
        .containsEntry("OPLOG_RATE_GB_PER_HOUR", 1.8)
        .containsEntry("CONNECTIONS", 17.0);
  }

  @Test
  void aHiddenMemberOnlyReplSetGetStatusListsIsPolledFromTheNextCycleOn() throws Exception {
    mongo.reply("h1:1", "replSetGetStatus", Replies.replSetGetStatus("rs0", "h1:1",
        new Object[][] {{"h1:1", "PRIMARY", T0}, {"h2:2", "SECONDARY", T0},
            {"h3:3", "SECONDARY", T0}, {"hidden:4", "SECONDARY", T0 - 60_000}}));
    mongo.reply("hidden:4", "hello", new Document("isWritablePrimary", false)
        .append("secondary", true).append("hidden", true).append("setName", "rs0")
        .append("hosts", HOSTS).append("ok", 1.0));
    mongo.reply("hidden:4", "serverStatus", Replies.serverStatus(1000, 10));
    assertThat(collector.pollCycle()).hasSize(3);
    clock.advance(Duration.ofSeconds(10));
    HostSample hidden = of(collector.pollCycle(), "hidden:4");
    assertThat(hidden.down()).isFalse();
    assertThat(hidden.role()).isEqualTo("SECONDARY");
    assertThat(hidden.replicaSetName()).isEqualTo("rs0");
  }

  @Test
  void aMemberInAnotherStateReportsItsStateName() throws Exception {
    mongo.reply("h3:3", "hello", new Document(Map.of("isWritablePrimary", false,
        "secondary", false, "setName", "rs0", "hosts", HOSTS, "ok", 1.0)));
    mongo.reply("h3:3", "replSetGetStatus", new Document("members", List.of(
        new Document("name", "h3:3").append("stateStr", "RECOVERING").append("self", true)
            .append("health", 1))).append("ok", 1));
    List<HostSample> samples = collector.pollCycle();
    assertThat(of(samples, "h3:3").role()).isEqualTo("RECOVERING");
    assertThat(collector.lastTopology().node("h3:3")).get().extracting(Node::role)
        .isEqualTo("RECOVERING");
  }
}
