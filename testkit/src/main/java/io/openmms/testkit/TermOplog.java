package io.openmms.testkit;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.CollectionBackedOplog;
import de.bwaldvogel.mongo.oplog.Oplog;

/**
 * The stand-ins' {@code local.oplog.rs}: like mongo-java-server's own oplog, but every entry carries
 * the replica set's current term, timestamps are strictly increasing ({@code inc} restarts at 1
 * each second, as in MongoDB), and the {@code $natural} order equals the timestamp order because
 * an entry is stamped and appended under one lock. Change-stream cursors are served by
 * mongo-java-server's {@link CollectionBackedOplog} over the same collection.
 *
 * <p>Entry shape: https://www.mongodb.com/docs/manual/core/replica-set-oplog/ (fields op, ns, ui,
 * o, o2, ts, t, v, wall). Updates keep the client's update operators, as mongo-java-server does.
 */
final class TermOplog implements Oplog {

    /** Told about every replicated write, for the secondaries' {@code opcountersRepl}. */
    interface Listener {
        void replicated(String op, int count);
    }

    private final MongoCollection<Document> collection;
    private final Oplog changeStreams;
    private final Clock clock;
    private final LongSupplier term;
    private final Map<String, UUID> collectionUuids = new ConcurrentHashMap<>();
    private volatile Listener listener = (op, count) -> { };
    private long lastSecond;
    private int lastInc;
    private volatile OpTime last;

    TermOplog(MongoBackend backend, MongoCollection<Document> collection, CursorRegistry cursors, Clock clock,
              LongSupplier term) {
        this.collection = collection;
        this.changeStreams = new CollectionBackedOplog(backend, collection, cursors);
        this.clock = clock;
        this.term = term;
        this.last = new OpTime(new BsonTimestamp(0), term.getAsLong(), Instant.EPOCH);
    }

    void listener(Listener listener) {
        this.listener = listener;
    }

    /** The newest entry's position (the primary's applied optime). */
    OpTime last() {
        return last;
    }

    /** Appends a no-op entry, as a primary does at initiation and every 10 s when idle. */
    synchronized void noop(String message) {
        collection.addDocument(entry("n", "", new Document("msg", message), null));
    }

    @Override
    public void handleInsert(String namespace, List<Document> documents) {
        if (isOplog(namespace) || documents.isEmpty()) {
            return;
        }
        synchronized (this) {
            for (Document document : documents) {
                collection.addDocument(entry("i", namespace, document.cloneDeeply(), null));
            }
        }
        listener.replicated("i", documents.size());
    }

    @Override
    public void handleUpdate(String namespace, Document selector, Document update, List<Object> modifiedIds) {
        if (isOplog(namespace) || modifiedIds.isEmpty()) {
            return;
        }
        synchronized (this) {
            for (Object id : modifiedIds) {
                collection.addDocument(entry("u", namespace, update, new Document("_id", id)));
            }
        }
        listener.replicated("u", modifiedIds.size());
    }

    @Override
    public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
        if (isOplog(namespace) || deletedIds.isEmpty()) {
            return;
        }
        synchronized (this) {
            for (Object id : deletedIds) {
                collection.addDocument(entry("d", namespace, new Document("_id", id), null));
            }
        }
        listener.replicated("d", deletedIds.size());
    }

    @Override
    public void handleDropCollection(String namespace) {
        if (isOplog(namespace)) {
            return;
        }
        int dot = namespace.indexOf('.');
        synchronized (this) {
            collection.addDocument(entry("c", namespace.substring(0, dot) + ".$cmd",
                new Document("drop", namespace.substring(dot + 1)), null));
        }
        collectionUuids.remove(namespace);
        listener.replicated("c", 1);
    }

    @Override
    public Cursor createCursor(Document changeStreamDocument, String namespace, Aggregation aggregation) {
        return changeStreams.createCursor(changeStreamDocument, namespace, aggregation);
    }

    private Document entry(String op, String namespace, Document o, Document o2) {
        Instant now = clock.instant();
        long second = now.getEpochSecond();
        if (second > lastSecond) {
            lastSecond = second;
            lastInc = 0;
        }
        BsonTimestamp ts = new BsonTimestamp((lastSecond << 32) | (++lastInc & 0xffffffffL));
        long t = term.getAsLong();
        last = new OpTime(ts, t, now);
        Document entry = new Document("op", op).append("ns", namespace);
        if (!namespace.isEmpty() && !namespace.endsWith(".$cmd")) {
            entry.append("ui", collectionUuids.computeIfAbsent(namespace, ns -> UUID.randomUUID()));
        }
        entry.append("o", o);
        if (o2 != null) {
            entry.append("o2", o2);
        }
        return entry.append("ts", ts).append("t", t).append("v", 2L).append("wall", now);
    }

    private boolean isOplog(String namespace) {
        return collection.getFullName().equals(namespace);
    }
}
