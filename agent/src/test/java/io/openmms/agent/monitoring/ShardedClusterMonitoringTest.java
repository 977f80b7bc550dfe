package io.openmms.agent.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.common.wire.HostSample;
import io.openmms.testkit.ReplicaSetStandIn;
import io.openmms.testkit.ShardedClusterStandIn;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Discovery of a whole sharded cluster from its mongos, against the testkit stand-in. */
class ShardedClusterMonitoringTest {
  private static ShardedClusterStandIn cluster;
  private static Collector collector;

  @BeforeAll
  static void start() {
    cluster = ShardedClusterStandIn.start(2);
    DriverCommands commands = new DriverCommands(new DriverCommands.Options(null, null, "admin",
        null, Duration.ofSeconds(1), Duration.ofSeconds(5)));
    collector = new Collector(commands, Seeds.parse(cluster.connectionString(), "seed"), 8,
        Duration.ofMinutes(5), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    collector.close();
    cluster.close();
  }

  @Test
  void findsTheMongosThreeConfigServersAndTwoShardsOfThreeMembers() throws Exception {
    List<HostSample> samples = collector.pollCycle();
    String clusterName = cluster.configServers().name();

    assertThat(samples).hasSize(1 + 3 + 2 * 3).allSatisfy(s -> {
      assertThat(s.down()).as(s.hostPort()).isFalse();
      assertThat(s.clusterName()).as(s.hostPort()).isEqualTo(clusterName);
      assertThat(s.counters()).as(s.hostPort()).containsKey("OPCOUNTER_CMD");
    });
    assertThat(samples).filteredOn(s -> "MONGOS".equals(s.role()))
        .extracting(HostSample::hostPort).containsExactly(cluster.mongosHost());
    assertThat(samples).filteredOn(HostSample::configServer).extracting(HostSample::hostPort)
        .containsExactlyInAnyOrderElementsOf(cluster.configServers().hosts());
    assertThat(samples).filteredOn(HostSample::configServer).allSatisfy(s -> {
      assertThat(s.replicaSetName()).isEqualTo(clusterName);
      assertThat(s.shardName()).isNull();
    });
    for (ReplicaSetStandIn shard : cluster.shards()) {
      List<HostSample> members = samples.stream()
          .filter(s -> shard.hosts().contains(s.hostPort())).toList();
      assertThat(members).hasSize(3).allSatisfy(s -> {
        assertThat(s.shardName()).isEqualTo(shard.name());
        assertThat(s.replicaSetName()).isEqualTo(shard.name());
        assertThat(s.configServer()).isFalse();
      });
      assertThat(members).filteredOn(s -> "PRIMARY".equals(s.role()))
          .extracting(HostSample::hostPort).containsExactly(shard.primary());
    }
  }

  @Test
  void aShardFailoverIsNoticedInTheNextPoll() throws Exception {
    collector.pollCycle();
    ReplicaSetStandIn shard = cluster.shards().get(1);
    shard.stepDown();
    List<HostSample> samples = collector.pollCycle();
    assertThat(samples).filteredOn(s -> shard.hosts().contains(s.hostPort())
        && "PRIMARY".equals(s.role())).extracting(HostSample::hostPort)
        .containsExactly(shard.primary());
  }
}
