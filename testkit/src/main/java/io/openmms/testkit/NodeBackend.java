package io.openmms.testkit;

import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.exception.MongoServerException;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import io.netty.channel.Channel;

/**
 * The command dispatcher of one {@link Node}, given to mongo-java-server's wire handler in place of a
 * backend. Every request is counted on the process that received it ({@link NodeStats}), checked
 * against the node's role (a secondary refuses writes), then answered by the role, by the commands
 * every mongod/mongos answers the same way here ({@code hello}, {@code serverStatus}, {@code buildInfo},
 * {@code hostInfo}, {@code getCmdLineOpts}, {@code dbStats}), or by the shared data backend.
 */
final class NodeBackend implements MongoBackend {

    private static final int NOT_WRITABLE_PRIMARY = 10107;

    private final Node node;
    private final Role role;
    private final Clock clock;

    NodeBackend(Node node, Role role, Clock clock) {
        this.node = node;
        this.role = role;
        this.clock = clock;
    }

    static boolean isHello(String command) {
        return command.equals("hello") || command.equalsIgnoreCase("isMaster");
    }

    @Override
    public Document handleMessage(MongoMessage message) {
        Document query = message.getDocument();
        String command = query.keySet().iterator().next();
        return dispatch(message.getChannel(), message.getDatabaseName(), command, query,
            message.getHeader().getTotalLength());
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
        return dispatch(channel, database, command, query, 0);
    }

    private Document dispatch(Channel channel, String database, String command, Document query, int requestBytes) {
        Node.Process process = processOf(channel);
        NodeStats stats = process.stats;
        CommandKind kind = CommandKind.of(command, query);
        stats.received(kind, kind.operations(query));
        stats.begin(kind);
        long start = System.nanoTime();
        try {
            try {
                role.check(database, command, kind, query);
            } catch (MongoServerError refused) {
                stats.userAssert();
                return refusal(refused, kind, query, process);
            }
            Document reply = answer(channel, process, database, command, query);
            stats.served(kind, command, query, reply);
            if (kind.isWrite()) {
                stats.wrote(requestBytes);
            }
            return reply;
        } catch (MongoServerException e) {
            stats.userAssert();
            throw e;
        } finally {
            stats.end(kind, (System.nanoTime() - start) / 1000);
        }
    }

    /**
     * The error reply of a refused command. For a retryable write (one with a {@code txnNumber})
     * refused by a former primary, MongoDB 4.4+ adds the {@code RetryableWriteError} label, which is
     * what makes the driver retry it on the new primary
     * (https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md).
     * Like MongoDB 4.4+, state-change errors carry the process's {@code topologyVersion}, by which
     * the driver tells a stale error from news
     * (https://github.com/mongodb/specifications/blob/master/source/server-discovery-and-monitoring/server-discovery-and-monitoring.md).
     */
    private static Document refusal(MongoServerError error, CommandKind kind, Document query, Node.Process process) {
        Document reply = new Document("ok", 0.0).append("errmsg", error.getMessageWithoutErrorCode())
            .append("code", error.getCode()).append("codeName", error.getCodeName())
            .append("topologyVersion", process.topologyVersion());
        if (kind.isWrite() && query.containsKey("txnNumber") && error.getCode() == NOT_WRITABLE_PRIMARY) {
            reply.append("errorLabels", List.of("RetryableWriteError"));
        }
        return reply;
    }

    private Document answer(Channel channel, Node.Process process, String database, String command, Document query) {
        if (isHello(command)) {
            Long connectionId = channel.attr(Wire.CONNECTION_ID).get();
            return Replies.hello(node, process, role, command, query, connectionId == null ? 0 : connectionId);
        }
        Document own = role.command(channel, database, command, query);
        if (own != null) {
            return own;
        }
        DataBackend data = role.dataFor(database);
        return switch (command.toLowerCase(Locale.ROOT)) {
            case "serverstatus" -> ServerStatusReply.build(node, process, role, data);
            case "buildinfo" -> Replies.buildInfo();
            case "hostinfo" -> Replies.hostInfo(node, clock);
            case "getcmdlineopts" -> Replies.cmdLineOpts(role);
            case "dbstats" -> Replies.dbStats(data, database, query);
            default -> data.handleCommand(channel, database, command, query);
        };
    }

    private Node.Process processOf(Channel channel) {
        Node.Process process = channel == null ? null : channel.attr(Wire.PROCESS).get();
        return process != null ? process : node.process();
    }

    @Override
    public Document getServerStatus() {
        Node.Process process = node.process();
        process.stats.received(CommandKind.COMMAND, 1);
        return ServerStatusReply.build(node, process, role, role.dataFor("admin"));
    }

    @Override
    public QueryResult handleQuery(MongoQuery query) {
        processOf(query.getChannel()).stats.received(CommandKind.FIND, 1);
        return role.dataFor(query.getDatabaseName()).handleQuery(query);
    }

    @Override
    public void handleClose(Channel channel) {
        DataBackend own = role.dataFor("admin");
        own.handleClose(channel);
        DataBackend config = role.dataFor("config");
        if (config != own) {
            config.handleClose(channel);
        }
    }

    @Override
    public void dropDatabase(String database) {
        role.dataFor(database).dropDatabase(database);
    }

    @Override
    public Collection<Document> getCurrentOperations(MongoQuery query) {
        return List.of();
    }

    @Override
    public void close() {
        // the data backend belongs to the stand-in, which closes it
    }

    @Override
    public void closeCursors(List<Long> cursorIds) {
        role.dataFor("admin").closeCursors(cursorIds);
    }

    @Override
    public Clock getClock() {
        return clock;
    }

    @Override
    public void enableOplog() {
        role.dataFor("local").enableOplog();
    }

    @Override
    public void disableOplog() {
        role.dataFor("local").disableOplog();
    }

    @Override
    public MongoDatabase resolveDatabase(String database) {
        return role.dataFor(database).resolveDatabase(database);
    }

    @Override
    public MongoBackend version(MongoVersion version) {
        return this;
    }
}
