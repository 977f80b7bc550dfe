package io.openmms.testkit;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.LongSupplier;

import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The stand-ins' {@code local.oplog.rs}, kept apart from mongo-java-server's collections: an
 * append-only list of entries, each stamped with a strictly increasing timestamp ({@code inc}
 * restarts at 1 each second, as in MongoDB), the replica set's current term and the wall time, and
 * optionally capped to a number of entries (the oldest are truncated, as a real capped oplog
 * does). Keeping it here rather than in a mongo-java-server collection is what allows truncating
 * from the front without disturbing the {@code $natural} order, and waking tailable cursors.
 *
 * <p>The entries are written by {@link DocumentWrites} and {@link CatalogWrites}, which see the
 * documents before and after each write; mongo-java-server's own oplog hooks ({@link Oplog}) are
 * no-ops here. Entries are read by {@link OplogReads}. Change streams are not served.
 *
 * <p>Entry shape (https://www.mongodb.com/docs/manual/core/replica-set-oplog/ and
 * https://github.com/mongodb/mongo/blob/master/src/mongo/db/repl/oplog_entry.idl):
 * {@code {op, ns, ui, o, o2, ts, t, v: 2L, wall}}; {@code ui} only on collection operations.
 *
 * <p>Each entry has a sequence number: the first entry ever written is 0, and truncation never
 * renumbers. Thread-safe: appends and reads synchronize on this object; waiters are told about
 * appends outside the lock.
 */
final class TermOplog implements Oplog {

    /** Told about every replicated write, for the secondaries' {@code opcountersRepl}. */
    interface Listener {
        void replicated(String op, int count);
    }

    private final Clock clock;
    private final LongSupplier term;
    private final Set<Runnable> waiters = new CopyOnWriteArraySet<>();
    private volatile Listener listener = (op, count) -> { };
    /** Entries from sequence number {@code firstSeq}; slots before {@code head} are truncated. */
    private final List<Document> entries = new ArrayList<>();
    private final List<Integer> sizes = new ArrayList<>();
    private int head;
    private long firstSeq;
    private long bytes;
    private long maxEntries = Long.MAX_VALUE;
    private long lastSecond;
    private int lastInc;
    private volatile OpTime last;

    TermOplog(Clock clock, LongSupplier term) {
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
    void noop(String message) {
        append("n", "", null, new Document("msg", message), null);
    }

    /** Stamps and appends one entry; returns its timestamp. Not counted as a replicated write. */
    BsonTimestamp append(String op, String namespace, UUID ui, Document o, Document o2) {
        BsonTimestamp ts;
        synchronized (this) {
            Document entry = stamp(op, namespace, ui, o, o2);
            ts = (BsonTimestamp) entry.get("ts");
            entries.add(entry);
            int size = bsonSize(entry);
            sizes.add(size);
            bytes += size;
            truncate();
        }
        if (!op.equals("n")) {
            listener.replicated(op, 1);
        }
        waiters.forEach(Runnable::run);
        return ts;
    }

    /** Keeps at most {@code max} entries from now on, dropping the oldest at once if there are more. */
    void maxEntries(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("the oplog must keep at least one entry, got " + max);
        }
        synchronized (this) {
            maxEntries = max;
            truncate();
        }
    }

    /** Runs {@code waiter} after every append, on the appending thread, until removed. */
    void addWaiter(Runnable waiter) {
        waiters.add(waiter);
    }

    void removeWaiter(Runnable waiter) {
        waiters.remove(waiter);
    }

    synchronized long firstSeq() {
        return firstSeq;
    }

    /** One past the newest entry's sequence number. */
    synchronized long endSeq() {
        return firstSeq + entries.size() - head;
    }

    /** The entry with sequence number {@code seq}, or null when it was truncated or not written yet. */
    synchronized Document get(long seq) {
        if (seq < firstSeq || seq >= endSeq()) {
            return null;
        }
        return entries.get(head + (int) (seq - firstSeq));
    }

    /** The entry with sequence number {@code seq} and its BSON size, or null when truncated or not written yet. */
    synchronized Stored stored(long seq) {
        if (seq < firstSeq || seq >= endSeq()) {
            return null;
        }
        int index = head + (int) (seq - firstSeq);
        return new Stored(entries.get(index), sizes.get(index));
    }

    record Stored(Document entry, int size) {
    }

    /** The sequence number of the first entry whose ts is after {@code ts} (or equal, if inclusive). */
    synchronized long seqAfter(BsonTimestamp ts, boolean inclusive) {
        int low = head;
        int high = entries.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            int cmp = ((BsonTimestamp) entries.get(mid).get("ts")).compareTo(ts);
            if (cmp < 0 || (cmp == 0 && !inclusive)) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return firstSeq + (low - head);
    }

    synchronized BsonTimestamp firstTs() {
        return (BsonTimestamp) entries.get(head).get("ts");
    }

    synchronized long count() {
        return entries.size() - head;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized long maxEntries() {
        return maxEntries;
    }

    private Document stamp(String op, String namespace, UUID ui, Document o, Document o2) {
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
        if (ui != null) {
            entry.append("ui", ui);
        }
        entry.append("o", o);
        if (o2 != null) {
            entry.append("o2", o2);
        }
        return entry.append("ts", ts).append("t", t).append("v", 2L).append("wall", now);
    }

    private void truncate() {
        while (entries.size() - head > maxEntries) {
            entries.set(head, null);
            bytes -= sizes.get(head);
            head++;
            firstSeq++;
        }
        if (head > 1024 && head > entries.size() / 2) {
            entries.subList(0, head).clear();
            sizes.subList(0, head).clear();
            head = 0;
        }
    }

    private static int bsonSize(Document entry) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            BsonEncoder.encodeDocument(entry, buffer);
            return buffer.readableBytes();
        } finally {
            buffer.release();
        }
    }

    // ---- mongo-java-server's hooks: the stand-in writes its entries itself

    @Override
    public void handleInsert(String namespace, List<Document> documents) {
    }

    @Override
    public void handleUpdate(String namespace, Document selector, Document update, List<Object> modifiedIds) {
    }

    @Override
    public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
    }

    @Override
    public void handleDropCollection(String namespace) {
    }

    @Override
    public Cursor createCursor(Document changeStreamDocument, String namespace, Aggregation aggregation) {
        throw new MongoServerError(40573, "IllegalOperation", "change streams are not supported by the openmms stand-ins");
    }
}
