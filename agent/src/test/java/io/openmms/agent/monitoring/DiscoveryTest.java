package io.openmms.agent.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DiscoveryTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final FakeCommands mongo = new FakeCommands();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private Topology discover(List<String> seeds, Topology previous) throws Exception {
    var probes = new Discovery(mongo, seeds, pool).discover(previous, Map.of());
    return new Topology(probes.stream().map(Discovery.Probe::node).toList());
  }

  private void replicaSet(String set, String primary, List<String> secondaries,
      List<String> arbiters) {
    var hosts = new java.util.ArrayList<String>();
    hosts.add(primary);
    hosts.addAll(secondaries);
    mongo.reply(primary, "hello", Replies.primaryHello(set, primary, hosts, arbiters));
    for (String s : secondaries) {
      mongo.reply(s, "hello", Replies.secondaryHello(set, s, primary, hosts));
    }
    for (String a : arbiters) {
      mongo.reply(a, "hello", Replies.arbiterHello(set, a, hosts, arbiters));
    }
  }

  @Test
  void findsEveryMemberOfAReplicaSetFromOneSecondary() throws Exception {
    replicaSet("rs0", "h1:27017", List.of("h2:27017", "h3:27017"), List.of("h4:27017"));
    Topology t = discover(List.of("h3:27017"), Topology.EMPTY);
    assertThat(t.nodes()).extracting(Node::hostPort, Node::role, Node::replicaSetName, Node::up)
        .containsExactly(tuple("h1:27017", "PRIMARY", "rs0", true),
            tuple("h2:27017", "SECONDARY", "rs0", true),
            tuple("h3:27017", "SECONDARY", "rs0", true),
            tuple("h4:27017", "ARBITER", "rs0", true));
    assertThat(t.nodes()).allSatisfy(n -> assertThat(n.clusterName()).isNull());
  }

  @Test
  void aMemberAddedToThePrimarysConfigIsFoundEvenIfTheSeedHasNotSeenItYet() throws Exception {
    replicaSet("rs0", "h1:1", List.of("h2:2"), List.of());
    // the seed (a lagging secondary) still lists two hosts; the primary lists three
    mongo.reply("h1:1", "hello", Replies.primaryHello("rs0", "h1:1",
        List.of("h1:1", "h2:2", "h3:3"), List.of()));
    mongo.reply("h3:3", "hello", Replies.secondaryHello("rs0", "h3:3", "h1:1",
        List.of("h1:1", "h2:2", "h3:3")));
    Topology t = discover(List.of("h2:2"), Topology.EMPTY);
    assertThat(t.nodes()).extracting(Node::hostPort).containsExactly("h1:1", "h2:2", "h3:3");
  }

  @Test
  void aDownMemberStaysInTheTopologyWithItsLastRole() throws Exception {
    replicaSet("rs0", "h1:1", List.of("h2:2", "h3:3"), List.of());
    Topology first = discover(List.of("h1:1"), Topology.EMPTY);
    mongo.down("h3:3");
    Topology second = discover(List.of("h1:1"), first);
    assertThat(second.node("h3:3")).get().extracting(Node::up, Node::role, Node::replicaSetName)
        .containsExactly(false, "SECONDARY", "rs0");
  }

  @Test
  void whenTheSeedIsDownTheOtherKnownMembersAreAsked() throws Exception {
    replicaSet("rs0", "h1:1", List.of("h2:2", "h3:3"), List.of());
    Topology first = discover(List.of("h1:1"), Topology.EMPTY);
    mongo.down("h1:1");
    // h2 took over as primary
    mongo.reply("h2:2", "hello", Replies.primaryHello("rs0", "h2:2",
        List.of("h1:1", "h2:2", "h3:3"), List.of()));
    mongo.reply("h3:3", "hello", Replies.secondaryHello("rs0", "h3:3", "h2:2",
        List.of("h1:1", "h2:2", "h3:3")));
    Topology second = discover(List.of("h1:1"), first);
    assertThat(second.nodes()).extracting(Node::hostPort, Node::role, Node::up).containsExactly(
        tuple("h1:1", "PRIMARY", false), tuple("h2:2", "PRIMARY", true),
        tuple("h3:3", "SECONDARY", true));
    assertThat(second.primaries()).extracting(Node::hostPort).containsExactly("h2:2");
  }

  @Test
  void whenNothingAnswersEveryKnownProcessIsReportedDown() throws Exception {
    replicaSet("rs0", "h1:1", List.of("h2:2"), List.of());
    Topology first = discover(List.of("h1:1"), Topology.EMPTY);
    mongo.down("h1:1");
    mongo.down("h2:2");
    var probes = new Discovery(mongo, List.of("h1:1"), pool).discover(first, Map.of());
    assertThat(probes).hasSize(2).allSatisfy(p -> {
      assertThat(p.node().up()).isFalse();
      assertThat(p.error()).contains("unreachable");
    });
  }

  @Test
  void aServerWithoutHelloIsAskedIsMaster() throws Exception {
    mongo.reply("old:1", "isMaster", new Document("ismaster", true).append("ok", 1.0));
    Topology t = discover(List.of("old:1"), Topology.EMPTY);
    assertThat(t.nodes()).extracting(Node::hostPort, Node::role, Node::up)
        .containsExactly(tuple("old:1", "STANDALONE", true));
  }

  @Test
  void findsRoutersConfigServersAndShardsOfASharedCluster() throws Exception {
    Date now = new Date(1_700_000_000_000L);
    mongo.reply("m1:1", "hello", Replies.mongosHello(now));
    mongo.reply("m2:1", "hello", Replies.mongosHello(now));
    mongo.reply("m1:1", "listShards", Document.parse("""
        {"shards": [{"_id": "shardB", "host": "shardB/b1:1,b2:1", "state": 1},
                    {"_id": "shardA", "host": "shardA/a1:1,a2:1", "state": 1}], "ok": 1}"""));
    mongo.reply("m1:1", "serverStatus", new Document("sharding",
        new Document("configsvrConnectionString", "cfg/c1:1,c2:1,c3:1")).append("ok", 1));
    mongo.collection("m1:1", "config.mongos", List.of(
        new Document("_id", "m1:1").append("ping", now),
        new Document("_id", "m2:1").append("ping", new Date(now.getTime() - 30_000)),
        new Document("_id", "gone:1").append("ping", new Date(now.getTime() - 86_400_000))));
    replicaSet("cfg", "c1:1", List.of("c2:1", "c3:1"), List.of());
    for (String c : List.of("c1:1", "c2:1", "c3:1")) {
      mongo.reply(c, "hello", mongo.run(c, "admin", new Document("hello", 1))
          .append("configsvr", 2));
    }
    replicaSet("shardA", "a1:1", List.of("a2:1", "a3:1"), List.of());
    replicaSet("shardB", "b2:1", List.of("b1:1", "b3:1"), List.of());

    Topology t = discover(List.of("m1:1"), Topology.EMPTY);

    assertThat(t.nodes()).extracting(Node::hostPort, Node::role, Node::replicaSetName,
        Node::shardName, Node::configServer, Node::clusterName).containsExactly(
        tuple("m1:1", "MONGOS", null, null, false, "cfg"),
        tuple("m2:1", "MONGOS", null, null, false, "cfg"),
        tuple("c1:1", "PRIMARY", "cfg", null, true, "cfg"),
        tuple("c2:1", "SECONDARY", "cfg", null, true, "cfg"),
        tuple("c3:1", "SECONDARY", "cfg", null, true, "cfg"),
        tuple("a1:1", "PRIMARY", "shardA", "shardA", false, "cfg"),
        tuple("a2:1", "SECONDARY", "shardA", "shardA", false, "cfg"),
        tuple("a3:1", "SECONDARY", "shardA", "shardA", false, "cfg"),
        tuple("b2:1", "PRIMARY", "shardB", "shardB", false, "cfg"),
        tuple("b1:1", "SECONDARY", "shardB", "shardB", false, "cfg"),
        tuple("b3:1", "SECONDARY", "shardB", "shardB", false, "cfg"));
  }

  @Test
  void splitsShardHostStrings() {
    assertThat(Discovery.splitSet("rs/h1:1,h2:2")).containsExactly("rs", "h1:1,h2:2");
    assertThat(Discovery.splitSet("h1:1")).containsExactly(null, "h1:1");
    assertThat(Discovery.splitSet(null)).containsExactly(null, null);
  }
}
