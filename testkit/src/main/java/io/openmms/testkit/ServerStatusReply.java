package io.openmms.testkit;

import java.time.Duration;
import java.time.Instant;

import de.bwaldvogel.mongo.bson.Document;

/**
 * Builds {@code serverStatus} for one process, in the shape of
 * https://www.mongodb.com/docs/manual/reference/command/serverStatus/ .
 *
 * <p>Counters come from what the process really served ({@link NodeStats}): opcounters,
 * opcountersRepl, connections, network, asserts.user, metrics.document, metrics.cursor.open,
 * opLatencies, globalLock.activeClients and the ticket usage. Gauges without a real counterpart are
 * derived from the data size: resident and virtual memory, the WiredTiger cache fill ("bytes
 * currently in the cache" = data + indexes up to the configured maximum, "bytes read into cache" =
 * what was there before this process started, "bytes written from cache" = bytes of write requests,
 * "tracked dirty bytes" = writes since the last 60-second checkpoint) and page faults.
 */
final class ServerStatusReply {

    private static final long MB = 1024 * 1024;
    private static final int TICKETS = 128;

    private ServerStatusReply() {
    }

    // https://www.mongodb.com/docs/manual/reference/command/serverStatus/
    static Document build(Node node, Node.Process process, Role role, DataBackend data) {
        NodeStats stats = process.stats;
        Instant now = node.clock().instant();
        Duration uptime = Duration.between(process.started, now);
        boolean mongod = role.processName().equals("mongod");
        DataBackend.Sizes sizes = data.sizes();
        long cacheMax = Math.max(256 * MB, (Replies.memSizeMB() - 1024) * MB / 2);
        long inCache = Math.min(cacheMax, sizes.totalBytes());
        long readIntoCache = Math.max(0, inCache - stats.bytesWritten());
        long residentMB = 80 + (mongod ? inCache : 0) / MB;

        Document status = new Document("host", node.host())
            .append("version", Replies.VERSION)
            .append("process", role.processName())
            .append("pid", ProcessHandle.current().pid())
            .append("uptime", (double) uptime.toSeconds())
            .append("uptimeMillis", uptime.toMillis())
            .append("uptimeEstimate", uptime.toSeconds())
            .append("localTime", now)
            .append("asserts", stats.asserts())
            .append("connections", stats.connections())
            .append("extra_info", new Document("note", "fields vary by platform")
                .append("page_faults", readIntoCache / 4096));
        if (mongod) {
            status.append("globalLock", new Document("totalTime", uptime.toNanos() / 1000)
                .append("currentQueue", new Document("total", 0).append("readers", 0).append("writers", 0))
                .append("activeClients", stats.activeClients()));
        }
        status.append("mem", new Document("bits", 64).append("resident", (int) residentMB)
                .append("virtual", (int) (residentMB + 1500)).append("supported", true))
            .append("metrics", new Document("cursor", cursorMetrics(stats, data))
                .append("document", stats.documentMetrics()))
            .append("network", stats.network())
            .append("opLatencies", stats.opLatencies())
            .append("opcounters", stats.opcounters())
            .append("opcountersRepl", stats.opcountersRepl());
        if (mongod) {
            status.append("storageEngine", new Document("name", "wiredTiger").append("supportsCommittedReads", true)
                    .append("persistent", true))
                .append("wiredTiger", new Document("cache", new Document()
                        .append("bytes currently in the cache", inCache)
                        .append("tracked dirty bytes in the cache", Math.min(inCache, stats.dirtyBytes(uptime.toSeconds())))
                        .append("maximum bytes configured", cacheMax)
                        .append("bytes read into cache", readIntoCache)
                        .append("bytes written from cache", stats.bytesWritten()))
                    .append("concurrentTransactions", new Document("write", tickets(stats.activeWriters()))
                        .append("read", tickets(stats.activeReaders()))));
        }
        role.describeStatus(status);
        return status.append("ok", 1.0);
    }

    private static Document cursorMetrics(NodeStats stats, DataBackend data) {
        int open = stats.openCursors(data::cursorExists).size();
        return new Document("timedOut", 0L)
            .append("open", new Document("noTimeout", 0L).append("pinned", 0L).append("total", (long) open));
    }

    private static Document tickets(int out) {
        return new Document("out", out).append("available", TICKETS - out).append("totalTickets", TICKETS);
    }
}
