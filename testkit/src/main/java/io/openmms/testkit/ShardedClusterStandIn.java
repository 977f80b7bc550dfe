package io.openmms.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.MongoClient;

import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;

/**
 * An in-process stand-in for a sharded cluster: a config-server replica set "configRS" of three
 * members, shards "shard0".."shardN-1" each a three-member {@link ReplicaSetStandIn}, and one mongos
 * answering {@code listShards}, {@code balancerStatus}/{@code balancerStart}/{@code balancerStop},
 * {@code getShardMap}, a mongos {@code serverStatus} and {@code config.mongos}. The mongos does not
 * route CRUD to the shards: it keeps other databases in its own memory.
 *
 * <p>The balancer starts enabled and completes a round every 10 s while enabled. Thread-safe.
 */
public final class ShardedClusterStandIn implements AutoCloseable {

    private static final Duration BALANCER_ROUND = Duration.ofSeconds(10);

    private final Clock clock;
    private final ReplicaSetStandIn configServers;
    private final List<ReplicaSetStandIn> shards = new ArrayList<>();
    private final Mongos mongos;
    private final Instant created;
    private boolean balancerOn = true;
    private Duration balancedBefore = Duration.ZERO;
    private Instant balancerSince;
    private MongoClient client;

    private ShardedClusterStandIn(int shardCount, Clock clock) {
        this.clock = clock;
        this.created = clock.instant();
        this.balancerSince = created;
        this.configServers = ReplicaSetStandIn.start("configRS", 3, ClusterRole.CONFIG_SERVER, clock);
        this.mongos = new Mongos(this, clock);
        try {
            for (int i = 0; i < shardCount; i++) {
                shards.add(ReplicaSetStandIn.start("shard" + i, 3, ClusterRole.SHARD, clock));
            }
            writeShardRegistry();
            mongos.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts config servers, {@code shards} shards and a mongos, all on free ports of 127.0.0.1. */
    public static ShardedClusterStandIn start(int shards) {
        return start(shards, Clock.systemUTC());
    }

    static ShardedClusterStandIn start(int shards, Clock clock) {
        if (shards < 1) {
            throw new IllegalArgumentException("a sharded cluster needs at least one shard, got " + shards);
        }
        return new ShardedClusterStandIn(shards, clock);
    }

    /** "127.0.0.1:PORT" of the mongos. */
    public String mongosHost() {
        return mongos.node.host();
    }

    /** {@code mongodb://mongosHost} */
    public String connectionString() {
        return "mongodb://" + mongosHost();
    }

    public ReplicaSetStandIn configServers() {
        return configServers;
    }

    public List<ReplicaSetStandIn> shards() {
        return List.copyOf(shards);
    }

    /** A driver client connected to the mongos, created on first use and closed by {@link #close()}. */
    public synchronized MongoClient client() {
        if (client == null) {
            client = Clients.open(connectionString());
        }
        return client;
    }

    /** Whether the balancer is enabled ({@code balancerStatus.mode} is "full"). */
    public synchronized boolean balancerRunning() {
        return balancerOn;
    }

    /** Closes the client, the mongos, the shards and the config servers; rethrows the first failure after trying all. */
    @Override
    public synchronized void close() {
        List<Runnable> steps = new ArrayList<>();
        MongoClient open = client;
        client = null;
        if (open != null) {
            steps.add(open::close);
        }
        steps.add(mongos::close);
        shards.forEach(shard -> steps.add(shard::close));
        steps.add(configServers::close);
        Closing.all(steps);
    }

    // ---- the mongos's commands

    String configConnectionString() {
        return configServers.name() + "/" + configServers.seedList();
    }

    // https://www.mongodb.com/docs/manual/reference/command/listShards/
    Document listShards() {
        List<Document> list = new ArrayList<>();
        for (ReplicaSetStandIn shard : shards) {
            list.add(shardEntry(shard));
        }
        return new Document("shards", list).append("ok", 1.0);
    }

    // https://www.mongodb.com/docs/manual/reference/command/balancerStatus/
    synchronized Document balancerStatus() {
        Duration enabled = balancedBefore.plus(balancerOn ? Duration.between(balancerSince, clock.instant()) : Duration.ZERO);
        return new Document("mode", balancerOn ? "full" : "off")
            .append("inBalancerRound", false)
            .append("numBalancerRounds", enabled.toMillis() / BALANCER_ROUND.toMillis())
            .append("ok", 1.0);
    }

    // https://www.mongodb.com/docs/manual/reference/command/balancerStart/
    // https://www.mongodb.com/docs/manual/reference/command/balancerStop/
    synchronized void balancer(boolean on) {
        if (on == balancerOn) {
            return;
        }
        Instant now = clock.instant();
        if (on) {
            balancerSince = now;
        } else {
            balancedBefore = balancedBefore.plus(Duration.between(balancerSince, now));
        }
        balancerOn = on;
        // https://www.mongodb.com/docs/manual/reference/config-database/#mongodb-data-config.settings
        Document setting = new Document("_id", "balancer").append("mode", on ? "full" : "off").append("stopped", !on);
        upsert("settings", setting);
    }

    // https://www.mongodb.com/docs/manual/reference/command/getShardMap/
    Document shardMap() {
        Document map = new Document();
        Document hosts = new Document();
        Document connStrings = new Document();
        List<ReplicaSetStandIn> all = new ArrayList<>(shards);
        all.add(configServers);
        for (ReplicaSetStandIn set : all) {
            String id = set == configServers ? "config" : set.name();
            String connString = set.name() + "/" + set.seedList();
            map.append(id, connString);
            connStrings.append(connString, id);
            set.hosts().forEach(host -> hosts.append(host, id));
        }
        return new Document("map", map).append("hosts", hosts).append("connStrings", connStrings).append("ok", 1.0);
    }

    private Document shardEntry(ReplicaSetStandIn shard) {
        return new Document("_id", shard.name())
            .append("host", shard.name() + "/" + shard.seedList())
            .append("state", 1)
            .append("topologyTime", new BsonTimestamp(created, 1));
    }

    // https://www.mongodb.com/docs/manual/reference/config-database/#mongodb-data-config.shards
    private void writeShardRegistry() {
        for (ReplicaSetStandIn shard : shards) {
            upsert("shards", shardEntry(shard));
        }
        upsert("settings", new Document("_id", "balancer").append("mode", "full").append("stopped", false));
    }

    private void upsert(String collection, Document document) {
        configServers.data().internalCommand("config", "update", new Document("update", collection)
            .append("updates", List.of(new Document("q", new Document("_id", document.get("_id")))
                .append("u", document).append("upsert", true))));
    }
}
