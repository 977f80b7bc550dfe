package io.openmms.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import io.netty.channel.Channel;

/**
 * One member of a {@link ReplicaSetStandIn}: its state (primary, secondary, down), its simulated
 * replication lag, and the replica-set personality of its {@link Node}: the replica-set fields of
 * {@code hello}, {@code replSetGetStatus}, {@code replSetGetConfig}, {@code replSetStepDown}, and the
 * rules by which a secondary refuses writes and primary-only reads.
 */
final class Member implements Role {

    /** Member states, https://www.mongodb.com/docs/manual/reference/replica-states/ */
    enum State {
        PRIMARY(1, "PRIMARY"), SECONDARY(2, "SECONDARY"), DOWN(8, "(not reachable/healthy)");

        final int code;
        final String label;

        State(int code, String label) {
            this.code = code;
            this.label = label;
        }
    }

    final int id;
    final Node node;
    private final ReplicaSetStandIn set;
    private volatile State state = State.SECONDARY;
    private volatile Duration lag = Duration.ZERO;
    private volatile Instant lastSeen;

    Member(ReplicaSetStandIn set, int id, Clock clock) {
        this.set = set;
        this.id = id;
        this.node = new Node(this, clock);
    }

    String host() {
        return node.host();
    }

    State state() {
        return state;
    }

    void state(State state) {
        if (state == State.DOWN) {
            lastSeen = node.clock().instant();
        }
        this.state = state;
    }

    Instant lastSeen() {
        return lastSeen;
    }

    Duration lag() {
        return lag;
    }

    void lag(Duration lag) {
        this.lag = lag;
    }

    @Override
    public String processName() {
        return "mongod";
    }

    // https://www.mongodb.com/docs/manual/reference/command/hello/#replica-sets
    @Override
    public void describe(Document hello) {
        Member primary = set.primaryMember();
        hello.append("hosts", set.hosts()).append("setName", set.name()).append("setVersion", set.configVersion())
            .append("isWritablePrimary", state == State.PRIMARY).append("secondary", state == State.SECONDARY);
        if (primary != null) {
            hello.append("primary", primary.host());
        }
        hello.append("me", host());
        if (state == State.PRIMARY) {
            hello.append("electionId", set.electionId());
        }
        OpTime mine = set.optime(this);
        OpTime majority = set.committedOpTime();
        hello.append("lastWrite", new Document("opTime", mine.toDocument()).append("lastWriteDate", mine.wall())
            .append("majorityOpTime", majority.toDocument()).append("majorityWriteDate", majority.wall()));
        if (set.clusterRole() == ClusterRole.CONFIG_SERVER) {
            hello.append("configsvr", 2);
        }
    }

    // https://www.mongodb.com/docs/manual/reference/error-codes/ (10107 NotWritablePrimary, 13435 NotPrimaryNoSecondaryOk)
    @Override
    public void check(String database, String command, CommandKind kind, Document query) {
        if (state == State.PRIMARY || "local".equals(database)) {
            return;
        }
        switch (kind.access()) {
            case WRITE -> throw new MongoServerError(10107, "NotWritablePrimary", "not primary");
            case READ -> {
                if (!secondaryOk(query)) {
                    throw new MongoServerError(13435, "NotPrimaryNoSecondaryOk", "not primary and secondaryOk=false");
                }
            }
            case ALWAYS -> { }
        }
    }

    private static boolean secondaryOk(Document query) {
        return query.get("$readPreference") instanceof Document readPreference
            && !"primary".equals(readPreference.get("mode"));
    }

    @Override
    public Document command(Channel channel, String database, String command, Document query) {
        return switch (command) {
            case "replSetGetStatus" -> ReplSetReplies.status(set, this);
            case "replSetGetConfig" -> ReplSetReplies.config(set);
            case "replSetStepDown" -> stepDown();
            default -> null;
        };
    }

    // https://www.mongodb.com/docs/manual/reference/command/replSetStepDown/
    private Document stepDown() {
        if (state != State.PRIMARY) {
            throw new MongoServerError(10107, "NotWritablePrimary", "not primary so can't step down");
        }
        set.stepDown();
        return new Document("ok", 1.0);
    }

    @Override
    public DataBackend dataFor(String database) {
        return set.data();
    }

    // https://www.mongodb.com/docs/manual/reference/command/serverStatus/#repl
    @Override
    public void describeStatus(Document serverStatus) {
        Document repl = new Document("topologyVersion", node.process().topologyVersion());
        describe(repl);
        serverStatus.append("repl", repl.append("rbid", 1));
    }

    @Override
    public List<String> argv() {
        List<String> argv = new ArrayList<>(List.of("mongod", "--replSet", set.name(), "--port", String.valueOf(node.port()),
            "--bind_ip", "127.0.0.1", "--dbpath", dbPath()));
        if (set.clusterRole().flag() != null) {
            argv.add(set.clusterRole().flag());
        }
        return argv;
    }

    // https://www.mongodb.com/docs/manual/reference/configuration-options/
    @Override
    public Document parsedOptions() {
        Document parsed = new Document("net", new Document("bindIp", "127.0.0.1").append("port", node.port()))
            .append("replication", new Document("replSetName", set.name()));
        if (set.clusterRole().option() != null) {
            parsed.append("sharding", new Document("clusterRole", set.clusterRole().option()));
        }
        return parsed.append("storage", new Document("dbPath", dbPath()));
    }

    private String dbPath() {
        return "/var/lib/mongodb/" + set.name() + "-" + id;
    }
}
