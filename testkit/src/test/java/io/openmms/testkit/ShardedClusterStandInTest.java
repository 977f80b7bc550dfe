package io.openmms.testkit;

import static io.openmms.testkit.Direct.path;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.connection.ServerType;

class ShardedClusterStandInTest {

    private static ShardedClusterStandIn cluster;
    private static MongoClient mongos;

    @BeforeAll
    static void start() {
        cluster = ShardedClusterStandIn.start(2);
        mongos = MongoClients.create(cluster.connectionString());
    }

    @AfterAll
    static void stop() {
        mongos.close();
        cluster.close();
    }

    @Test
    void theTopologyHasConfigServersShardsAndAMongos() {
        assertThat(cluster.configServers().name()).isEqualTo("configRS");
        assertThat(cluster.configServers().hosts()).hasSize(3);
        assertThat(cluster.shards()).extracting(ReplicaSetStandIn::name).containsExactly("shard0", "shard1");
        assertThat(cluster.shards()).allSatisfy(shard -> assertThat(shard.hosts()).hasSize(3));
        assertThat(cluster.connectionString()).isEqualTo("mongodb://" + cluster.mongosHost());
    }

    @Test
    void theMongosAnswersHelloAsARouterAndServesCrud() {
        Document hello = Direct.hello(cluster.mongosHost());

        assertThat(hello).containsEntry("msg", "isdbgrid").containsEntry("isWritablePrimary", true)
            .doesNotContainKeys("setName", "hosts");
        mongos.getDatabase("app").getCollection("things").insertOne(new Document("_id", 1));
        assertThat(mongos.getDatabase("app").getCollection("things").countDocuments()).isEqualTo(1);
        assertThat(mongos.getClusterDescription().getServerDescriptions())
            .allSatisfy(server -> assertThat(server.getType()).isEqualTo(ServerType.SHARD_ROUTER));
    }

    @Test
    void listShardsNamesEveryShardWithItsReplicaSetHosts() {
        Document reply = admin("listShards");

        List<Document> shards = reply.getList("shards", Document.class);
        assertThat(shards).extracting(s -> s.getString("_id")).containsExactly("shard0", "shard1");
        assertThat(shards.get(0)).containsEntry("host", "shard0/" + cluster.shards().get(0).seedList()).containsEntry("state", 1);
        assertThat(shards.get(1)).containsEntry("host", "shard1/" + cluster.shards().get(1).seedList());
        assertThat(reply).containsEntry("ok", 1.0);
    }

    @Test
    void theBalancerStopsAndStartsAndReportsItsMode() {
        assertThat(admin("balancerStatus")).containsEntry("mode", "full").containsEntry("inBalancerRound", false)
            .containsKey("numBalancerRounds").containsEntry("ok", 1.0);

        assertThat(admin("balancerStop")).containsEntry("ok", 1.0);
        assertThat(cluster.balancerRunning()).isFalse();
        assertThat(admin("balancerStatus")).containsEntry("mode", "off");
        Document setting = mongos.getDatabase("config").getCollection("settings").find(new Document("_id", "balancer")).first();
        assertThat(setting).containsEntry("stopped", true);

        assertThat(admin("balancerStart")).containsEntry("ok", 1.0);
        assertThat(cluster.balancerRunning()).isTrue();
        assertThat(admin("balancerStatus")).containsEntry("mode", "full");
    }

    @Test
    void configMongosListsTheMongosThroughTheMongosAndOnTheConfigServers() {
        List<Document> viaMongos = mongos.getDatabase("config").getCollection("mongos").find().into(new ArrayList<>());

        assertThat(viaMongos).hasSize(1);
        assertThat(viaMongos.get(0)).containsEntry("_id", cluster.mongosHost()).containsEntry("mongoVersion", "7.0.14")
            .containsKeys("ping", "up");
        assertThat(viaMongos.get(0).getDate("ping")).isCloseTo(new Date(), 60_000);
        try (Direct config = new Direct(cluster.configServers().primary())) {
            assertThat(config.client.getDatabase("config").getCollection("mongos").countDocuments()).isEqualTo(1);
            assertThat(config.client.getDatabase("config").getCollection("shards").countDocuments()).isEqualTo(2);
        }
    }

    @Test
    void theMongosServerStatusHasAShardingSection() {
        Document status = admin("serverStatus");

        assertThat(status).containsEntry("process", "mongos").containsEntry("host", cluster.mongosHost())
            .containsKeys("opcounters", "connections", "network", "mem").doesNotContainKeys("repl", "wiredTiger");
        assertThat(status.get("sharding", Document.class))
            .containsEntry("configsvrConnectionString", "configRS/" + cluster.configServers().seedList());
        assertThat(path(status, "opcounters.command")).isPositive();
    }

    @Test
    void configServersAnswerConfigsvrAndShardMembersRunAsShardsvr() {
        for (String host : cluster.configServers().hosts()) {
            assertThat(Direct.hello(host)).containsEntry("configsvr", 2).containsEntry("setName", "configRS");
        }
        try (Direct config = new Direct(cluster.configServers().hosts().get(0));
             Direct shard = new Direct(cluster.shards().get(1).hosts().get(2))) {
            assertThat(config.admin("getCmdLineOpts").get("parsed", Document.class).get("sharding", Document.class))
                .containsEntry("clusterRole", "configsvr");
            assertThat(shard.admin("getCmdLineOpts").get("parsed", Document.class).get("sharding", Document.class))
                .containsEntry("clusterRole", "shardsvr");
            assertThat(shard.hello()).containsEntry("setName", "shard1").doesNotContainKey("configsvr");
        }
    }

    @Test
    void getShardMapMapsShardsAndConfigServers() {
        Document map = admin("getShardMap").get("map", Document.class);

        assertThat(map).containsEntry("shard0", "shard0/" + cluster.shards().get(0).seedList())
            .containsEntry("config", "configRS/" + cluster.configServers().seedList());
    }

    private static Document admin(String command) {
        return mongos.getDatabase("admin").runCommand(new Document(command, 1));
    }
}
