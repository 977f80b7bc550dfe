package io.openmms.testkit;

import java.util.ArrayList;
import java.util.List;

import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DefaultQueryMatcher;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;

/**
 * A cursor over the {@link TermOplog}, registered in mongo-java-server's cursor registry so
 * {@code getMore} and {@code killCursors} reach it. It scans the entries by sequence number,
 * forward or backward, and returns those matching the filter, projected.
 *
 * <p>A tailable cursor (https://www.mongodb.com/docs/manual/core/tailable-cursors/) scans forward
 * up to the newest entry at each call and stays open at the end: a later {@code getMore} returns
 * the entries written since. If the entry it last examined was truncated by capping, the next
 * {@code getMore} fails with {@code CappedPositionLost} (136), as on a real server, and the cursor
 * is gone. A non-tailable cursor ends at the newest entry that existed when it was opened.
 *
 * <p>A batch holds at most 16 MB of entries, as on a real server. Synchronized: the parking of an
 * awaitData {@code getMore} ({@link TailParking}) and the {@code getMore} itself may run on
 * different threads.
 */
final class OplogCursor implements Cursor {

    private static final long MAX_BATCH_BYTES = 16L * 1024 * 1024;

    private final long id;
    private final TermOplog oplog;
    private final CursorRegistry registry;
    private final Document filter;
    private final Document projection;
    private final boolean forward;
    private final boolean tailable;
    private final boolean awaitData;
    private final long end;
    private final DefaultQueryMatcher matcher = new DefaultQueryMatcher();
    private long nextSeq;
    private long lastSeen;
    private int toSkip;
    private long remaining;
    private Document ahead;
    private int aheadSize;

    OplogCursor(long id, TermOplog oplog, CursorRegistry registry, Query query, long start) {
        this.id = id;
        this.oplog = oplog;
        this.registry = registry;
        this.filter = query.filter();
        this.projection = query.projection();
        this.forward = query.forward();
        this.tailable = query.tailable();
        this.awaitData = query.awaitData();
        this.end = oplog.endSeq();
        this.nextSeq = start;
        this.lastSeen = start > oplog.firstSeq() ? start - 1 : -1;
        this.toSkip = query.skip();
        this.remaining = query.limit() > 0 ? query.limit() : Long.MAX_VALUE;
    }

    /** What a find asked for. */
    record Query(Document filter, Document projection, boolean forward, boolean tailable, boolean awaitData,
                 int skip, long limit) {
    }

    @Override
    public long getId() {
        return id;
    }

    boolean awaitData() {
        return tailable && awaitData;
    }

    /** True when the cursor has nothing more to return, now or (for a tailable cursor) later. */
    @Override
    public synchronized boolean isEmpty() {
        if (remaining <= 0) {
            return true;
        }
        return !tailable && !hasNext();
    }

    /** True when an entry is ready for the next batch. */
    synchronized boolean hasNext() {
        if (ahead == null && remaining > 0 && !lost()) {
            ahead = scan();
        }
        return ahead != null;
    }

    /** Up to {@code count} entries (0: as many as fit in a batch). */
    @Override
    public synchronized List<Document> takeDocuments(int count) {
        if (lost()) {
            registry.remove(id);
            throw new MongoServerError(136, "CappedPositionLost",
                "CollectionScan died due to position in capped collection being deleted. Last seen record id: RecordId(" + lastSeen + ")");
        }
        List<Document> batch = new ArrayList<>();
        long bytes = 0;
        int max = count > 0 ? count : Integer.MAX_VALUE;
        while (batch.size() < max && remaining > 0 && bytes < MAX_BATCH_BYTES && hasNext()) {
            batch.add(Projection.apply(ahead, projection));
            bytes += aheadSize;
            ahead = null;
            remaining--;
        }
        return batch;
    }

    private boolean lost() {
        return tailable && lastSeen >= 0 && lastSeen < oplog.firstSeq();
    }

    private Document scan() {
        while (true) {
            long seq = nextSeq;
            if (forward ? seq >= (tailable ? oplog.endSeq() : end) : seq < oplog.firstSeq()) {
                return null;
            }
            TermOplog.Stored stored = oplog.stored(seq);
            if (stored == null) { // truncated under a non-tailable cursor: go on from the oldest entry
                nextSeq = oplog.firstSeq();
                continue;
            }
            Document entry = stored.entry();
            nextSeq = forward ? seq + 1 : seq - 1;
            lastSeen = seq;
            if (matcher.matches(entry, filter)) {
                if (toSkip > 0) {
                    toSkip--;
                    continue;
                }
                aheadSize = stored.size();
                return entry;
            }
        }
    }
}
