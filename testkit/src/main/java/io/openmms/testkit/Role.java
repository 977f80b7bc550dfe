package io.openmms.testkit;

import java.util.List;

import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * What makes a {@link Node} a replica-set member or a mongos: the role-specific parts of its replies
 * and the commands only it answers. Implementations are called from many connections at once.
 */
interface Role {

    /** "mongod" or "mongos", as in {@code serverStatus.process}. */
    String processName();

    /** Adds the role's fields (setName, hosts, msg: "isdbgrid", ...) to a {@code hello} reply. */
    void describe(Document hello);

    /** Throws a {@code MongoServerError} when this node may not serve the command now (a secondary asked to write). */
    void check(String database, String command, CommandKind kind, Document query);

    /** The role's own reply to a command, or null when the command is not role-specific. */
    Document command(Channel channel, String database, String command, Document query);

    /** Where a database's data lives (a mongos keeps {@code config} on the config servers). */
    DataBackend dataFor(String database);

    /** Adds the role's sections ({@code repl} or {@code sharding}) to {@code serverStatus}. */
    void describeStatus(Document serverStatus);

    /** The command line this process would have been started with, for {@code getCmdLineOpts}. */
    List<String> argv();

    /** The parsed configuration file options, for {@code getCmdLineOpts}. */
    Document parsedOptions();
}
