package io.openmms.testkit;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.CursorNotFoundException;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The data of one deployment (a replica set, or a mongos's own databases), shared by all of its
 * members: a write on the primary is visible on every member at once. Adds to
 * {@link MemoryBackend} a term-stamped oplog ({@link TermOplog}), the set's election term, and size
 * totals for the gauges of {@code serverStatus} and {@code dbStats}.
 *
 * <p>Thread-safe as far as mongo-java-server's memory backend is (it serves many connections at once).
 */
final class DataBackend extends MemoryBackend {

    private final Clock clock;
    /** The election term; 0 until the first election, which makes it 1. */
    private final AtomicLong term = new AtomicLong();
    /** Stands in for a client connection when the stand-in runs a command on its own behalf. */
    private final Channel internal = new EmbeddedChannel();

    DataBackend(Clock clock) {
        super(clock);
        this.clock = clock;
    }

    /** Turns on {@code local.oplog.rs} with an initial no-op entry, as {@code replSetInitiate} writes. */
    DataBackend withOplog() {
        enableOplog();
        termOplog().noop("initiating set");
        return this;
    }

    @Override
    protected Oplog createOplog() {
        MongoDatabase local = resolveDatabase("local");
        @SuppressWarnings("unchecked")
        MongoCollection<Document> collection = (MongoCollection<Document>) local.resolveCollection(OPLOG_COLLECTION_NAME, false);
        if (collection == null) {
            @SuppressWarnings("unchecked")
            MongoCollection<Document> created = (MongoCollection<Document>) local.createCollectionOrThrowIfExists(OPLOG_COLLECTION_NAME);
            collection = created;
        }
        return new TermOplog(this, collection, getCursorRegistry(), clock, term::get);
    }

    TermOplog termOplog() {
        if (!(oplog instanceof TermOplog termOplog)) {
            throw new IllegalStateException("the oplog of this backend is off");
        }
        return termOplog;
    }

    boolean hasOplog() {
        return oplog instanceof TermOplog;
    }

    long term() {
        return term.get();
    }

    long nextTerm() {
        return term.incrementAndGet();
    }

    /** The newest oplog position; writes a periodic no-op first when the set was idle longer than {@code idle}. */
    OpTime lastOpTime(Duration idle) {
        TermOplog log = termOplog();
        if (log.last().wall().plus(idle).isBefore(clock.instant())) {
            log.noop("periodic noop");
        }
        return log.last();
    }

    /** Runs a command on this backend as the stand-in itself (not counted on any member). */
    Document internalCommand(String database, String command, Document query) {
        query.putIfAbsent("$db", database);
        return handleCommand(internal, database, command, query);
    }

    /** {@code dbStats} of one database, computed by mongo-java-server; works for {@code admin} too. */
    Document databaseStats(String database) {
        return resolveDatabase(database).handleCommand(internal, "dbStats",
            new Document("dbStats", 1).append("$db", database), this::resolveDatabase, oplog);
    }

    Collection<String> databaseNames() {
        return List.copyOf(listDatabaseNames());
    }

    /** Totals over all databases, for cache and memory gauges. */
    Sizes sizes() {
        long data = 0;
        long index = 0;
        long objects = 0;
        for (String name : databaseNames()) {
            Document stats = databaseStats(name);
            data += ((Number) stats.get("dataSize")).longValue();
            index += ((Number) stats.get("indexSize")).longValue();
            objects += ((Number) stats.get("objects")).longValue();
        }
        return new Sizes(data, index, objects);
    }

    @Override
    public void close() {
        super.close();
        internal.close();
    }

    boolean cursorExists(long cursorId) {
        try {
            getCursorRegistry().getCursor(cursorId);
            return true;
        } catch (CursorNotFoundException e) {
            return false;
        }
    }

    record Sizes(long dataBytes, long indexBytes, long objects) {
        long totalBytes() {
            return dataBytes + indexBytes;
        }
    }
}
