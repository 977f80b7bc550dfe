package io.openmms.testkit;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongPredicate;

import de.bwaldvogel.mongo.bson.Document;

/**
 * What one process of a stand-in has really served since it started: the counters behind
 * {@code serverStatus}. A restarted member gets a fresh instance, so its counters start over.
 * Fed by the wire layer (connections, bytes, requests) and by the command dispatcher (operations,
 * documents, cursors, errors). Thread-safe: updated from every connection's event loop.
 */
final class NodeStats {

    // opcounters and opcountersRepl: insert, query, update, delete, getmore, command
    private final LongAdder[] opcounters = adders(6);
    private final LongAdder[] opcountersRepl = adders(6);
    // connections
    private final AtomicInteger currentConnections = new AtomicInteger();
    private final LongAdder totalConnections = new LongAdder();
    private final AtomicInteger awaitingTopologyChanges = new AtomicInteger();
    // network
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder requests = new LongAdder();
    // asserts: user errors returned to clients
    private final LongAdder userAsserts = new LongAdder();
    // metrics.document
    private final LongAdder returned = new LongAdder();
    private final LongAdder inserted = new LongAdder();
    private final LongAdder updated = new LongAdder();
    private final LongAdder deleted = new LongAdder();
    // cursors opened on this process and not yet exhausted or killed
    private final Set<Long> openCursors = ConcurrentHashMap.newKeySet();
    // operations in progress, by kind
    private final AtomicInteger activeReaders = new AtomicInteger();
    private final AtomicInteger activeWriters = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    // bytes of write requests (wiredTiger "bytes written from cache")
    private final LongAdder bytesWritten = new LongAdder();
    private long checkpoints;
    private long checkpointedBytes;
    // opLatencies: reads, writes, commands (micros, ops)
    private final LongAdder[] latencyMicros = adders(3);
    private final LongAdder[] latencyOps = adders(3);

    private static LongAdder[] adders(int n) {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    // ---- wire layer

    long connectionOpened() {
        currentConnections.incrementAndGet();
        totalConnections.increment();
        return totalConnections.sum();
    }

    void connectionClosed() {
        currentConnections.decrementAndGet();
    }

    void bytesIn(long n) {
        bytesIn.add(n);
    }

    void bytesOut(long n) {
        bytesOut.add(n);
    }

    void request() {
        requests.increment();
    }

    void awaiting(int delta) {
        awaitingTopologyChanges.addAndGet(delta);
    }

    // ---- dispatcher

    void received(CommandKind kind, int operations) {
        opcounters[slot(kind)].add(operations);
    }

    void replicated(String op, int count) {
        int slot = switch (op) {
            case "i" -> 0;
            case "u" -> 2;
            case "d" -> 3;
            default -> 5;
        };
        opcountersRepl[slot].add(count);
    }

    void begin(CommandKind kind) {
        inFlight.incrementAndGet();
        AtomicInteger active = active(kind);
        if (active != null) {
            active.incrementAndGet();
        }
    }

    void end(CommandKind kind, long micros) {
        inFlight.decrementAndGet();
        AtomicInteger active = active(kind);
        if (active != null) {
            active.decrementAndGet();
        }
        int slot = kind.isWrite() ? 1 : kind == CommandKind.FIND || kind == CommandKind.GET_MORE ? 0 : 2;
        latencyMicros[slot].add(micros);
        latencyOps[slot].increment();
    }

    /** Readers and writers hold a storage ticket; other commands (hello, serverStatus) do not. */
    private AtomicInteger active(CommandKind kind) {
        return switch (kind.access()) {
            case WRITE -> activeWriters;
            case READ -> activeReaders;
            case ALWAYS -> kind == CommandKind.GET_MORE ? activeReaders : null;
        };
    }

    void userAssert() {
        userAsserts.increment();
    }

    void wrote(long requestBytes) {
        bytesWritten.add(requestBytes);
    }

    /** Accounts the documents and cursors of a successful reply. */
    void served(CommandKind kind, String command, Document query, Document reply) {
        switch (kind) {
            case INSERT -> inserted.add(number(reply.get("n")));
            case UPDATE -> updated.add(number(reply.get("nModified")));
            case DELETE -> deleted.add(number(reply.get("n")));
            default -> { }
        }
        if (command.equalsIgnoreCase("killCursors") && query.get("cursors") instanceof List<?> ids) {
            ids.forEach(openCursors::remove);
        }
        if (!(reply.get("cursor") instanceof Document cursor)) {
            return;
        }
        long id = number(cursor.get("id"));
        Object batch = cursor.containsKey("firstBatch") ? cursor.get("firstBatch") : cursor.get("nextBatch");
        if (batch instanceof List<?> documents && (kind == CommandKind.FIND || kind == CommandKind.GET_MORE
            || command.equalsIgnoreCase("aggregate"))) {
            returned.add(documents.size());
        }
        if (kind == CommandKind.GET_MORE) {
            if (id == 0) {
                openCursors.remove(number(query.get(command)));
            }
        } else if (id != 0) {
            openCursors.add(id);
        }
    }

    /** Forgets cursors the backend no longer has (exhausted, killed or closed with their connection). */
    Set<Long> openCursors(LongPredicate stillOpen) {
        openCursors.removeIf(id -> !stillOpen.test(id));
        return Set.copyOf(openCursors);
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static int slot(CommandKind kind) {
        return switch (kind) {
            case INSERT -> 0;
            case FIND -> 1;
            case UPDATE -> 2;
            case DELETE -> 3;
            case GET_MORE -> 4;
            default -> 5;
        };
    }

    // ---- serverStatus sections

    Document opcounters() {
        return counters(opcounters);
    }

    Document opcountersRepl() {
        return counters(opcountersRepl);
    }

    private static Document counters(LongAdder[] c) {
        return new Document("insert", c[0].sum()).append("query", c[1].sum()).append("update", c[2].sum())
            .append("delete", c[3].sum()).append("getmore", c[4].sum()).append("command", c[5].sum());
    }

    Document connections() {
        int current = currentConnections.get();
        return new Document("current", current)
            .append("available", 838_860 - current)
            .append("totalCreated", totalConnections.sum())
            .append("rejected", 0L)
            .append("active", inFlight.get())
            .append("threaded", current)
            .append("exhaustIsMaster", 0L)
            .append("exhaustHello", 0L)
            .append("awaitingTopologyChanges", (long) awaitingTopologyChanges.get());
    }

    Document network() {
        return new Document("bytesIn", bytesIn.sum())
            .append("bytesOut", bytesOut.sum())
            .append("physicalBytesIn", bytesIn.sum())
            .append("physicalBytesOut", bytesOut.sum())
            .append("numSlowDNSOperations", 0L)
            .append("numSlowSSLOperations", 0L)
            .append("numRequests", requests.sum());
    }

    Document asserts() {
        return new Document("regular", 0).append("warning", 0).append("msg", 0)
            .append("user", (int) userAsserts.sum()).append("tripwire", 0).append("rollovers", 0);
    }

    Document documentMetrics() {
        return new Document("deleted", deleted.sum()).append("inserted", inserted.sum())
            .append("returned", returned.sum()).append("updated", updated.sum());
    }

    Document activeClients() {
        int readers = activeReaders.get();
        int writers = activeWriters.get();
        return new Document("total", readers + writers).append("readers", readers).append("writers", writers);
    }

    int activeReaders() {
        return activeReaders.get();
    }

    int activeWriters() {
        return activeWriters.get();
    }

    long bytesWritten() {
        return bytesWritten.sum();
    }

    /** Bytes written since the last checkpoint; like WiredTiger, a checkpoint runs every 60 s of uptime. */
    synchronized long dirtyBytes(long uptimeSeconds) {
        long due = uptimeSeconds / 60;
        if (due > checkpoints) {
            checkpoints = due;
            checkpointedBytes = bytesWritten.sum();
        }
        return bytesWritten.sum() - checkpointedBytes;
    }

    Document opLatencies() {
        String[] names = {"reads", "writes", "commands"};
        Document latencies = new Document();
        for (int i = 0; i < names.length; i++) {
            latencies.append(names[i], new Document("latency", latencyMicros[i].sum()).append("ops", latencyOps[i].sum()));
        }
        return latencies;
    }
}
