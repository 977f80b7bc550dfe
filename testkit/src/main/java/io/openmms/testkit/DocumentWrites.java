package io.openmms.testkit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * The write commands on documents ({@code insert}, {@code update}, {@code delete},
 * {@code findAndModify}), run by mongo-java-server and logged to the {@link TermOplog} in the
 * shapes of MongoDB 5.0+, from the documents read before and after each statement under the data
 * set's write lock (so the entries are exact and in the order of the writes):
 * <ul>
 *   <li>insert: {@code {op: "i", o: <document>, o2: {_id}}}, one per inserted document; an upsert
 *       that inserts is logged the same way;</li>
 *   <li>update with operators: {@code {op: "u", o: {$v: 2, diff}, o2: {_id}}} ({@link UpdateDiff});
 *       a replacement: {@code {op: "u", o: <new document>, o2: {_id}}}; one entry per changed document,
 *       none for a document the update left as it was;</li>
 *   <li>delete: {@code {op: "d", o: {_id}}}, one per deleted document.</li>
 * </ul>
 * A write that creates its collection logs the collection's {@code create} first ({@link CatalogWrites}).
 * Entry sources: https://github.com/mongodb/mongo/blob/master/src/mongo/db/op_observer/op_observer_impl.cpp
 * (onInserts, onUpdate, onDelete) and https://www.mongodb.com/docs/manual/core/replica-set-oplog/.
 *
 * <p>Statements of a multi-statement update or delete run one at a time, so each statement's
 * pre-images are read just before it; the replies are merged back into one.
 */
final class DocumentWrites {

    private final DataBackend data;
    private final CatalogWrites catalog;

    DocumentWrites(DataBackend data, CatalogWrites catalog) {
        this.data = data;
        this.catalog = catalog;
    }

    Document insert(Channel channel, String db, Document query) {
        String name = query.get("insert").toString();
        boolean existed = data.collection(db, name) != null;
        Document reply = data.engine(channel, db, "insert", query);
        @SuppressWarnings("unchecked")
        List<Document> documents = (List<Document>) query.get("documents");
        Set<Integer> failed = new HashSet<>();
        int end = documents.size();
        if (reply.get("writeErrors") instanceof List<?> errors) {
            for (Object error : errors) {
                int index = ((Number) ((Document) error).get("index")).intValue();
                failed.add(index);
                if (Utils.isTrue(query.get("ordered"))) {
                    end = Math.min(end, index);
                }
            }
        }
        List<Document> inserted = new ArrayList<>();
        for (int i = 0; i < end; i++) {
            if (!failed.contains(i)) {
                inserted.add(documents.get(i));
            }
        }
        logCreated(db, name, existed, !inserted.isEmpty());
        inserted.forEach(document -> logInsert(db, name, document));
        return reply;
    }

    Document update(Channel channel, String db, Document query) {
        String name = query.get("update").toString();
        boolean existed = data.collection(db, name) != null;
        @SuppressWarnings("unchecked")
        List<Document> statements = (List<Document>) query.get("updates");
        Merged merged = new Merged();
        boolean inserted = false;
        for (int i = 0; i < statements.size() && !merged.stopped(query); i++) {
            Document statement = statements.get(i);
            boolean multi = Utils.isTrue(statement.get("multi"));
            List<Document> before = matching(db, name, (Document) statement.get("q"), null, multi ? 0 : 1);
            Document reply = data.engine(channel, db, "update", single(query, "updates", statement));
            merged.add(reply, i);
            if (reply.get("upserted") instanceof List<?> upserted && !upserted.isEmpty()) {
                logCreated(db, name, existed, true);
                existed = true;
                inserted = true;
                logInsert(db, name, byId(db, name, ((Document) upserted.get(0)).get("_id")));
            }
            logUpdates(db, name, before, statement.get("u"));
        }
        logCreated(db, name, existed, inserted);
        return merged.reply(true);
    }

    Document delete(Channel channel, String db, Document query) {
        String name = query.get("delete").toString();
        @SuppressWarnings("unchecked")
        List<Document> statements = (List<Document>) query.get("deletes");
        Merged merged = new Merged();
        for (int i = 0; i < statements.size() && !merged.stopped(query); i++) {
            Document statement = statements.get(i);
            int limit = ((Number) statement.getOrDefault("limit", 0)).intValue();
            List<Document> before = matching(db, name, (Document) statement.get("q"), null, limit);
            merged.add(data.engine(channel, db, "delete", single(query, "deletes", statement)), i);
            for (Document document : before) {
                if (byId(db, name, document.get("_id")) == null) {
                    data.termOplog().append("d", db + "." + name, catalog.uuid(db, name), new Document("_id", document.get("_id")), null);
                }
            }
        }
        return merged.reply(false);
    }

    Document findAndModify(Channel channel, String db, String command, Document query) {
        String name = query.get(command).toString();
        boolean existed = data.collection(db, name) != null;
        Document filter = query.get("query") instanceof Document q ? q : new Document();
        List<Document> before = matching(db, name, filter, (Document) query.get("sort"), 1);
        boolean mayUpsert = before.isEmpty() && Utils.isTrue(query.get("upsert"));
        Set<Object> idsBefore = mayUpsert ? ids(db, name) : Set.of();
        Document reply = data.engine(channel, db, command, query);
        if (!before.isEmpty()) {
            if (Utils.isTrue(query.get("remove"))) {
                Object id = before.get(0).get("_id");
                if (byId(db, name, id) == null) {
                    data.termOplog().append("d", db + "." + name, catalog.uuid(db, name), new Document("_id", id), null);
                }
            } else {
                logUpdates(db, name, before, query.get("update"));
            }
            return reply;
        }
        Document upserted = null;
        if (mayUpsert) {
            for (Object id : ids(db, name)) {
                if (!idsBefore.contains(id)) {
                    upserted = byId(db, name, id);
                }
            }
        }
        logCreated(db, name, existed, upserted != null);
        if (upserted != null) {
            logInsert(db, name, upserted);
        }
        return reply;
    }

    // ---- helpers

    /**
     * mongo-java-server creates the collection of any update or findAndModify; MongoDB only when a
     * document is inserted. Logs the implicit create, or quietly drops a collection MongoDB would not have made.
     */
    private void logCreated(String db, String name, boolean existed, boolean inserted) {
        if (existed || data.collection(db, name) == null) {
            return;
        }
        if (inserted) {
            catalog.logImplicitCreate(db, name);
        } else {
            data.dropQuietly(db, name);
        }
    }

    private void logInsert(String db, String name, Document document) {
        Document copy = document.cloneDeeply();
        data.termOplog().append("i", db + "." + name, catalog.uuid(db, name), copy, new Document("_id", copy.get("_id")));
    }

    private void logUpdates(String db, String name, List<Document> before, Object update) {
        boolean replacement = update instanceof Document u && !u.isEmpty() && !u.keySet().iterator().next().startsWith("$");
        for (Document old : before) {
            Object id = old.get("_id");
            Document now = byId(db, name, id);
            if (now == null || UpdateDiff.same(old, now)) {
                continue;
            }
            Document o = replacement ? now.cloneDeeply() : UpdateDiff.entry(old, now.cloneDeeply());
            data.termOplog().append("u", db + "." + name, catalog.uuid(db, name), o, new Document("_id", id));
        }
    }

    /** Copies of the documents a statement would touch, in the order mongo-java-server visits them. */
    private List<Document> matching(String db, String name, Document filter, Document sort, int limit) {
        MongoCollection<?> collection = data.collection(db, name);
        List<Document> found = new ArrayList<>();
        if (collection == null) {
            return found;
        }
        Document selector = new Document("$query", filter == null ? new Document() : filter);
        if (sort != null) {
            selector.append("$orderby", sort);
        }
        for (Document document : collection.handleQuery(selector, 0, limit)) {
            found.add(document.cloneDeeply());
        }
        return found;
    }

    private Document byId(String db, String name, Object id) {
        MongoCollection<?> collection = data.collection(db, name);
        if (collection == null) {
            return null;
        }
        for (Document document : collection.handleQuery(new Document("_id", id), 0, 1)) {
            return document.cloneDeeply();
        }
        return null;
    }

    private Set<Object> ids(String db, String name) {
        MongoCollection<?> collection = data.collection(db, name);
        Set<Object> ids = new HashSet<>();
        if (collection != null) {
            collection.queryAll().forEach(document -> ids.add(document.get("_id")));
        }
        return ids;
    }

    private static Document single(Document query, String field, Document statement) {
        Document copy = new Document();
        query.forEach((key, value) -> copy.append(key, key.equals(field) ? List.of(statement) : value));
        return copy;
    }

    /** The replies of one-statement commands, merged into the reply of the whole command. */
    private static final class Merged {
        private int n;
        private int modified;
        private final List<Document> upserted = new ArrayList<>();
        private final List<Document> errors = new ArrayList<>();

        void add(Document reply, int index) {
            n += ((Number) reply.getOrDefault("n", 0)).intValue();
            modified += ((Number) reply.getOrDefault("nModified", 0)).intValue();
            if (reply.get("upserted") instanceof List<?> list) {
                list.forEach(u -> upserted.add(new Document((Document) u).append("index", index)));
            }
            if (reply.get("writeErrors") instanceof List<?> list) {
                list.forEach(e -> errors.add(new Document((Document) e).append("index", index)));
            }
        }

        boolean stopped(Document query) {
            return !errors.isEmpty() && !Boolean.FALSE.equals(query.get("ordered"));
        }

        Document reply(boolean update) {
            Document reply = new Document("n", n);
            if (update) {
                reply.append("nModified", modified);
                if (!upserted.isEmpty()) {
                    reply.append("upserted", upserted);
                }
            }
            if (!errors.isEmpty()) {
                reply.append("writeErrors", errors);
            }
            return reply.append("ok", 1.0);
        }
    }
}
