package io.openmms.testkit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.CursorNotFoundException;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.NoopOplog;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The data of one deployment (a replica set, or a mongos's own databases), shared by all of its
 * members: a write on the primary is visible on every member at once. Adds to
 * {@link MemoryBackend} the set's election term, size totals for the gauges of {@code serverStatus}
 * and {@code dbStats}, and, when the oplog is on, an oplog in the shapes of MongoDB 5.0+:
 * <ul>
 *   <li>write commands run under one write lock and are logged from the documents before and after
 *       ({@link DocumentWrites}, {@link CatalogWrites});</li>
 *   <li>{@code local.oplog.rs} is the {@link TermOplog}, read through {@link OplogReads} and
 *       {@link OplogCursor}s (tailable and awaitData included, see {@link TailParking}).</li>
 * </ul>
 * Writes to the {@code local} database are not logged, as in MongoDB.
 *
 * <p>Thread-safe as far as mongo-java-server's memory backend is (it serves many connections at once);
 * logged writes are serialized.
 */
final class DataBackend extends MemoryBackend {

    /** The oplog size {@code collStats} and {@code listCollections} report (capping is by entries, see {@link TermOplog#maxEntries}). */
    static final long OPLOG_SIZE_BYTES = 990L * 1024 * 1024;

    private final Clock clock;
    /** The election term; 0 until the first election, which makes it 1. */
    private final AtomicLong term = new AtomicLong();
    /** Stands in for a client connection when the stand-in runs a command on its own behalf. */
    private final Channel internal = new EmbeddedChannel();
    private final ReentrantLock writes = new ReentrantLock();
    private final CatalogWrites catalog = new CatalogWrites(this);
    private final DocumentWrites documents = new DocumentWrites(this, catalog);
    private volatile OplogReads reads;

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
        if (oplog instanceof TermOplog existing) {
            return existing;
        }
        MongoDatabase local = resolveDatabase("local");
        if (local.resolveCollection(OplogReads.NAME, false) == null) {
            local.createCollectionOrThrowIfExists(OplogReads.NAME);
        }
        catalog.options("local", OplogReads.NAME, new Document("capped", true).append("size", OPLOG_SIZE_BYTES)
            .append("autoIndexId", false));
        TermOplog created = new TermOplog(clock, term::get);
        reads = new OplogReads(this, created, getCursorRegistry());
        return created;
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
        if (!hasOplog()) {
            return super.handleCommand(channel, database, command, query);
        }
        if ("local".equals(database)) {
            return OplogReads.serves(command, query) ? reads.handle(command, query)
                : super.handleCommand(channel, database, command, query);
        }
        return switch (command.toLowerCase(Locale.ROOT)) {
            case "insert" -> locked(() -> documents.insert(channel, database, query));
            case "update" -> locked(() -> documents.update(channel, database, query));
            case "delete" -> locked(() -> documents.delete(channel, database, query));
            case "findandmodify" -> locked(() -> documents.findAndModify(channel, database, command, query));
            case "create" -> locked(() -> catalog.create(channel, database, query));
            case "drop" -> locked(() -> catalog.drop(channel, database, query));
            case "dropdatabase" -> locked(() -> catalog.dropDatabase(channel, database, query));
            case "renamecollection" -> {
                if (!"admin".equals(database)) {
                    throw new MongoServerError(13, "Unauthorized", "renameCollection may only be run against the admin database.");
                }
                yield locked(() -> catalog.rename(channel, query));
            }
            case "createindexes" -> locked(() -> catalog.createIndexes(channel, database, query));
            case "dropindexes", "deleteindexes" -> locked(() -> catalog.dropIndexes(channel, database, query));
            case "collmod" -> locked(() -> catalog.collMod(database, query));
            case "listcollections" -> catalog.listCollections(channel, database, query);
            default -> super.handleCommand(channel, database, command, query);
        };
    }

    private Document locked(Supplier<Document> write) {
        writes.lock();
        try {
            return write.get();
        } finally {
            writes.unlock();
        }
    }

    /** Runs a command on mongo-java-server itself, bypassing the oplog logic. */
    Document engine(Channel channel, String database, String command, Document query) {
        return super.handleCommand(channel, database, command, query);
    }

    /** The collection, or null when it (or its database) does not exist; never creates either. */
    MongoCollection<?> collection(String database, String name) {
        if (!listDatabaseNames().contains(database)) {
            return null;
        }
        return resolveDatabase(database).resolveCollection(name, false);
    }

    /** The names of a database's collections, system collections excepted. */
    List<String> collectionNames(String database) {
        if (!listDatabaseNames().contains(database)) {
            return List.of();
        }
        Document reply = super.handleCommand(internal, database, "listCollections",
            new Document("listCollections", 1).append("$db", database));
        List<String> names = new ArrayList<>();
        for (Object item : (List<?>) ((Document) reply.get("cursor")).get("firstBatch")) {
            String name = ((Document) item).get("name").toString();
            if (!name.startsWith("system.")) {
                names.add(name);
            }
        }
        return names;
    }

    /** Drops a collection without logging it (one mongo-java-server made where MongoDB would not have). */
    void dropQuietly(String database, String name) {
        resolveDatabase(database).dropCollection(name, NoopOplog.get());
    }

    /** The tailable awaitData oplog cursor with this id, or null. */
    OplogCursor awaitDataCursor(long cursorId) {
        try {
            return getCursorRegistry().getCursor(cursorId) instanceof OplogCursor cursor && cursor.awaitData() ? cursor : null;
        } catch (CursorNotFoundException e) {
            return null;
        }
    }

    /** Logs index builds on non-empty collections as MongoDB 4.4+ does: startIndexBuild and commitIndexBuild. */
    void twoPhaseIndexBuilds(boolean on) {
        catalog.twoPhaseIndexBuilds(on);
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
