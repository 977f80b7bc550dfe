package io.openmms.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DefaultQueryMatcher;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;

/**
 * Serves the reads of {@code local.oplog.rs} from the {@link TermOplog}: {@code find} (filter,
 * projection, sort {@code $natural} or {@code ts} either way, skip, limit, batchSize, singleBatch,
 * tailable and awaitData), {@code count}, {@code collStats}, and {@code aggregate} (run by
 * mongo-java-server's pipeline over the entries; {@code $collStats} as the first stage answered here).
 * {@code getMore} and {@code killCursors} reach the {@link OplogCursor}s through the cursor registry.
 *
 * <p>A filter on {@code ts} with {@code $gt} or {@code $gte} starts the scan at that timestamp, as
 * MongoDB does for the oplog, so tailing from a recent position is cheap however long the oplog is.
 * https://www.mongodb.com/docs/manual/reference/command/find/
 */
final class OplogReads {

    static final String NAME = "oplog.rs";
    /** The first batch of a find without batchSize, as on a real server. */
    private static final int DEFAULT_FIRST_BATCH = 101;

    private final TermOplog oplog;
    private final CursorRegistry registry;
    private final DataBackend data;

    OplogReads(DataBackend data, TermOplog oplog, CursorRegistry registry) {
        this.data = data;
        this.oplog = oplog;
        this.registry = registry;
    }

    /** True for a command on {@code local.oplog.rs} that this class answers. */
    static boolean serves(String command, Document query) {
        return switch (command.toLowerCase(Locale.ROOT)) {
            case "find", "count", "collstats", "aggregate" -> NAME.equals(query.get(command));
            default -> false;
        };
    }

    Document handle(String command, Document query) {
        return switch (command.toLowerCase(Locale.ROOT)) {
            case "find" -> find(query);
            case "count" -> count(query);
            case "collstats" -> stats().append("ok", 1.0);
            default -> aggregate(query);
        };
    }

    private Document find(Document query) {
        Document filter = query.get("filter") instanceof Document f ? f : new Document();
        boolean tailable = Utils.isTrue(query.get("tailable"));
        boolean forward = forward(query, tailable);
        OplogCursor.Query q = new OplogCursor.Query(filter, (Document) query.get("projection"), forward, tailable,
            Utils.isTrue(query.get("awaitData")), number(query, "skip", 0), Math.abs(number(query, "limit", 0)));
        OplogCursor cursor = new OplogCursor(registry.generateCursorId(), oplog, registry, q, start(filter, forward));
        int first = number(query, "batchSize", DEFAULT_FIRST_BATCH);
        List<Document> batch = first == 0 ? new ArrayList<>() : cursor.takeDocuments(first);
        long id = 0;
        if (!Utils.isTrue(query.get("singleBatch")) && number(query, "limit", 0) >= 0 && !cursor.isEmpty()) {
            registry.add(cursor);
            id = cursor.getId();
        }
        return new Document("cursor", new Document("firstBatch", batch).append("id", id).append("ns", "local." + NAME))
            .append("ok", 1.0);
    }

    /** The scan direction; a tailable cursor only goes forward. */
    private static boolean forward(Document query, boolean tailable) {
        Document sort = query.get("sort") instanceof Document s && !s.isEmpty() ? s
            : query.get("hint") instanceof Document h && h.containsKey("$natural") ? h : null;
        if (sort == null) {
            return true;
        }
        if (sort.size() != 1 || !(sort.containsKey("$natural") || sort.containsKey("ts"))) {
            throw new MongoServerError(2, "BadValue", "the stand-in sorts local.oplog.rs by $natural or ts only, not " + sort);
        }
        boolean forward = ((Number) sort.values().iterator().next()).intValue() > 0;
        if (tailable && !forward) {
            throw new MongoServerError(2, "BadValue", "cannot use tailable option with a sort other than {$natural: 1}");
        }
        return forward;
    }

    private long start(Document filter, boolean forward) {
        if (!forward) {
            return oplog.endSeq() - 1;
        }
        if (filter.get("ts") instanceof Document range) {
            if (range.get("$gt") instanceof BsonTimestamp after) {
                return oplog.seqAfter(after, false);
            }
            if (range.get("$gte") instanceof BsonTimestamp from) {
                return oplog.seqAfter(from, true);
            }
        }
        return oplog.firstSeq();
    }

    private Document count(Document query) {
        Document filter = query.get("query") instanceof Document f ? f : new Document();
        DefaultQueryMatcher matcher = new DefaultQueryMatcher();
        long n = snapshot().stream().filter(entry -> matcher.matches(entry, filter)).count();
        return new Document("n", (int) n).append("ok", 1.0);
    }

    // https://www.mongodb.com/docs/manual/reference/command/collStats/
    private Document stats() {
        long count = oplog.count();
        long bytes = oplog.bytes();
        Document stats = new Document("ns", "local." + NAME).append("size", bytes).append("count", count)
            .append("avgObjSize", count == 0 ? 0 : bytes / count).append("storageSize", bytes)
            .append("capped", true);
        if (oplog.maxEntries() != Long.MAX_VALUE) {
            stats.append("max", oplog.maxEntries());
        }
        return stats.append("maxSize", DataBackend.OPLOG_SIZE_BYTES).append("nindexes", 0)
            .append("totalIndexSize", 0).append("indexSizes", new Document());
    }

    private Document aggregate(Document query) {
        List<Document> pipeline = Aggregation.parse(query.get("pipeline"));
        List<Document> result;
        if (!pipeline.isEmpty() && pipeline.get(0).containsKey("$collStats")) {
            // https://www.mongodb.com/docs/manual/reference/operator/aggregation/collStats/
            Document stage = (Document) pipeline.get(0).get("$collStats");
            Document out = new Document("ns", "local." + NAME).append("localTime", data.getClock().instant());
            if (stage.containsKey("storageStats")) {
                out.append("storageStats", stats());
            }
            if (stage.containsKey("count")) {
                out.append("count", oplog.count());
            }
            result = Aggregation.fromPipeline(pipeline.subList(1, pipeline.size()), data::resolveDatabase,
                data.resolveDatabase("local"), null, oplog).runStages(List.of(out).stream());
        } else {
            result = Aggregation.fromPipeline(pipeline, data::resolveDatabase, data.resolveDatabase("local"), null, oplog)
                .runStages(snapshot().stream());
        }
        return new Document("cursor", new Document("firstBatch", result).append("id", 0L).append("ns", "local." + NAME))
            .append("ok", 1.0);
    }

    private List<Document> snapshot() {
        List<Document> entries = new ArrayList<>();
        for (long seq = oplog.firstSeq(); seq < oplog.endSeq(); seq++) {
            Document entry = oplog.get(seq);
            if (entry != null) {
                entries.add(entry.cloneDeeply());
            }
        }
        return entries;
    }

    private static int number(Document query, String field, int otherwise) {
        return query.get(field) instanceof Number n ? n.intValue() : otherwise;
    }
}
