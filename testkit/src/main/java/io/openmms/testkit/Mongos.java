package io.openmms.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import io.netty.channel.Channel;

/**
 * The mongos of a {@link ShardedClusterStandIn}: answers {@code hello} as a router
 * ({@code msg: "isdbgrid"}), the shard and balancer commands, and keeps the {@code config}
 * database on the config servers, where it registers itself in {@code config.mongos}. Other
 * databases live in the mongos's own in-memory backend: CRUD is not routed to the shards.
 */
final class Mongos implements Role {

    /** A mongos pings config.mongos every 30 s. */
    private static final Duration PING_INTERVAL = Duration.ofSeconds(30);

    final Node node;
    private final ShardedClusterStandIn cluster;
    private final DataBackend own;
    private final Clock clock;
    private volatile Instant lastPing = Instant.EPOCH;

    Mongos(ShardedClusterStandIn cluster, Clock clock) {
        this.cluster = cluster;
        this.clock = clock;
        this.own = new DataBackend(clock);
        this.node = new Node(this, clock);
    }

    void start() {
        node.start(0);
        ping();
    }

    void close() {
        node.kill();
        own.close();
    }

    @Override
    public String processName() {
        return "mongos";
    }

    // https://www.mongodb.com/docs/manual/reference/command/hello/#sharded-instances
    @Override
    public void describe(Document hello) {
        hello.append("isWritablePrimary", true).append("msg", "isdbgrid");
    }

    /** A mongos refuses nothing; every request is also the occasion to renew the config.mongos ping when due. */
    @Override
    public void check(String database, String command, CommandKind kind, Document query) {
        if (lastPing.plus(PING_INTERVAL).isBefore(clock.instant())) {
            ping();
        }
    }

    @Override
    public Document command(Channel channel, String database, String command, Document query) {
        switch (command) {
            case "listShards":
                return cluster.listShards();
            case "balancerStatus":
                return cluster.balancerStatus();
            case "balancerStart":
                cluster.balancer(true);
                return new Document("ok", 1.0);
            case "balancerStop":
                cluster.balancer(false);
                return new Document("ok", 1.0);
            case "getShardMap":
                return cluster.shardMap();
            case "isdbgrid": // https://www.mongodb.com/docs/manual/reference/command/isdbgrid/
                return new Document("isdbgrid", 1).append("hostname", node.host()).append("ok", 1.0);
            case "replSetGetStatus", "replSetGetConfig":
                throw new MongoServerError(59, "CommandNotFound", "no such cmd: " + command);
            case "find":
                if ("config".equals(database) && "mongos".equals(query.get("find"))) {
                    ping();
                }
                return null;
            default:
                return null;
        }
    }

    // https://www.mongodb.com/docs/manual/reference/config-database/#mongodb-data-config.mongos
    private void ping() {
        Instant now = clock.instant();
        lastPing = now;
        Node.Process process = node.process();
        Document entry = new Document("_id", node.host())
            .append("advisoryHostFQDNs", List.of())
            .append("created", process.started)
            .append("mongoVersion", Replies.VERSION)
            .append("ping", now)
            .append("up", Duration.between(process.started, now).toSeconds())
            .append("waiting", true);
        cluster.configServers().data().internalCommand("config", "update", new Document("update", "mongos")
            .append("updates", List.of(new Document("q", new Document("_id", node.host())).append("u", entry).append("upsert", true))));
    }

    @Override
    public DataBackend dataFor(String database) {
        return "config".equals(database) ? cluster.configServers().data() : own;
    }

    // https://www.mongodb.com/docs/manual/reference/command/serverStatus/#sharding
    @Override
    public void describeStatus(Document serverStatus) {
        OpTime config = cluster.configServers().data().termOplog().last();
        serverStatus.append("sharding", new Document("configsvrConnectionString", cluster.configConnectionString())
            .append("lastSeenConfigServerOpTime", config.toDocument())
            .append("maxChunkSizeInBytes", 128L * 1024 * 1024));
    }

    @Override
    public List<String> argv() {
        return List.of("mongos", "--configdb", cluster.configConnectionString(), "--port", String.valueOf(node.port()),
            "--bind_ip", "127.0.0.1");
    }

    @Override
    public Document parsedOptions() {
        return new Document("net", new Document("bindIp", "127.0.0.1").append("port", node.port()))
            .append("sharding", new Document("configDB", cluster.configConnectionString()));
    }
}
