package io.openmms.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.DefaultQueryMatcher;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import io.netty.channel.Channel;

/**
 * The catalog commands ({@code create}, {@code drop}, {@code renameCollection}, {@code dropDatabase},
 * {@code createIndexes}, {@code dropIndexes}, {@code collMod}), run by mongo-java-server where it can
 * and logged as {@code op: "c"} entries on {@code <db>.$cmd}, in the shapes MongoDB 5.0+ writes
 * (https://github.com/mongodb/mongo/blob/master/src/mongo/db/op_observer/op_observer_impl.cpp,
 * https://www.mongodb.com/docs/manual/core/replica-set-oplog/):
 * <ul>
 *   <li>{@code {create: c, <options as given>, idIndex: {v: 2, key: {_id: 1}, name: "_id_"}}}, no
 *       idIndex for clustered, time-series or view collections; also before the first write that
 *       creates a collection;</li>
 *   <li>{@code {drop: c}} with {@code o2: {numRecords}}; {@code dropDatabase} logs each collection's
 *       drop, then {@code {dropDatabase: 1}};</li>
 *   <li>{@code {renameCollection: "db.a", to: "db.b", stayTemp: false[, dropTarget: <uuid>]}}, with
 *       {@code o2: {numRecords}} of the dropped target;</li>
 *   <li>{@code {createIndexes: c, v: 2, key, name, ...}} per new index (or, with two-phase index
 *       builds on a non-empty collection, {@code startIndexBuild} and {@code commitIndexBuild});</li>
 *   <li>{@code {dropIndexes: c, index: name}} per index, with the index spec as {@code o2};</li>
 *   <li>{@code {collMod: c, <options>}} with {@code o2: {collectionOptions_old}}.</li>
 * </ul>
 * Every collection entry carries the collection's UUID ({@code ui}). mongo-java-server keeps no
 * collection options (and refuses capped ones), so the options given to create/collMod are kept
 * here and shown by {@code listCollections}; capped sizes are not enforced.
 */
final class CatalogWrites {

    /** Command fields that are not collection options (https://www.mongodb.com/docs/manual/reference/command/create/). */
    private static final Set<String> GENERIC = Set.of("$db", "lsid", "txnNumber", "$clusterTime", "writeConcern",
        "readConcern", "$readPreference", "comment", "maxTimeMS", "apiVersion", "apiStrict", "apiDeprecationErrors",
        "autocommit", "startTransaction", "$audit", "mayBypassWriteBlocking", "$client");
    private static final Document ID_INDEX = new Document("v", 2).append("key", new Document("_id", 1)).append("name", "_id_");

    private final DataBackend data;
    private final Map<String, Document> options = new ConcurrentHashMap<>();
    private volatile boolean twoPhaseIndexBuilds;

    CatalogWrites(DataBackend data) {
        this.data = data;
    }

    void twoPhaseIndexBuilds(boolean on) {
        this.twoPhaseIndexBuilds = on;
    }

    UUID uuid(String db, String name) {
        MongoCollection<?> collection = data.collection(db, name);
        return collection == null ? null : collection.getUuid();
    }

    /** Logs the {@code create} of a collection a write made on the fly. */
    void logImplicitCreate(String db, String name) {
        log(db, name, new Document("create", name).append("idIndex", ID_INDEX.cloneDeeply()), null);
    }

    Document create(Channel channel, String db, Document query) {
        String name = query.get("create").toString();
        Document given = optionsOf(query, "create");
        Document reply = data.engine(channel, db, "create", new Document("create", name).append("$db", db));
        options.put(db + "." + name, given);
        Document o = new Document("create", name).appendAll(given.cloneDeeply());
        if (!given.containsKey("clusteredIndex") && !given.containsKey("timeseries") && !given.containsKey("viewOn")) {
            o.append("idIndex", ID_INDEX.cloneDeeply());
        }
        log(db, name, o, null);
        return reply;
    }

    Document drop(Channel channel, String db, Document query) {
        String name = query.get("drop").toString();
        MongoCollection<?> collection = data.collection(db, name);
        long records = collection == null ? 0 : collection.count();
        UUID uuid = collection == null ? null : collection.getUuid();
        Document reply = data.engine(channel, db, "drop", query);
        options.remove(db + "." + name);
        data.termOplog().append("c", db + ".$cmd", uuid, new Document("drop", name), new Document("numRecords", records));
        return reply;
    }

    Document dropDatabase(Channel channel, String db, Document query) {
        List<String> dropped = new ArrayList<>();
        List<UUID> uuids = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        for (String name : data.collectionNames(db)) {
            MongoCollection<?> collection = data.collection(db, name);
            dropped.add(name);
            uuids.add(collection.getUuid());
            counts.add((long) collection.count());
        }
        Document reply = data.engine(channel, db, "dropDatabase", query);
        for (int i = 0; i < dropped.size(); i++) {
            options.remove(db + "." + dropped.get(i));
            data.termOplog().append("c", db + ".$cmd", uuids.get(i), new Document("drop", dropped.get(i)),
                new Document("numRecords", counts.get(i)));
        }
        if (!dropped.isEmpty()) {
            data.termOplog().append("c", db + ".$cmd", null, new Document("dropDatabase", 1), null);
        }
        return reply;
    }

    Document rename(Channel channel, Document query) {
        String from = query.get("renameCollection").toString();
        String to = query.get("to").toString();
        String fromDb = from.substring(0, from.indexOf('.'));
        MongoCollection<?> source = data.collection(fromDb, from.substring(from.indexOf('.') + 1));
        MongoCollection<?> target = data.collection(to.substring(0, to.indexOf('.')), to.substring(to.indexOf('.') + 1));
        Document reply = data.engine(channel, "admin", "renameCollection", query);
        if (source == null || from.equals(to)) {
            return reply;
        }
        Document o = new Document("renameCollection", from).append("to", to).append("stayTemp", false);
        Document o2 = null;
        if (target != null) {
            o.append("dropTarget", target.getUuid());
            o2 = new Document("numRecords", (long) target.count());
        }
        Document moved = options.remove(from);
        if (moved != null) {
            options.put(to, moved);
        }
        data.termOplog().append("c", fromDb + ".$cmd", source.getUuid(), o, o2);
        return reply;
    }

    Document createIndexes(Channel channel, String db, Document query) {
        String name = query.get("createIndexes").toString();
        boolean existed = data.collection(db, name) != null;
        Set<String> before = indexNames(channel, db, name);
        Document reply = data.engine(channel, db, "createIndexes", query);
        if (!existed && data.collection(db, name) != null) {
            logImplicitCreate(db, name);
        }
        List<Document> added = new ArrayList<>();
        for (Object index : (List<?>) query.get("indexes")) {
            Document spec = (Document) index;
            if (before.add(String.valueOf(spec.get("name")))) {
                Document entry = new Document("v", 2);
                spec.forEach((key, value) -> {
                    if (!key.equals("ns") && !key.equals("v")) {
                        entry.append(key, value);
                    }
                });
                added.add(entry);
            }
        }
        MongoCollection<?> collection = data.collection(db, name);
        if (twoPhaseIndexBuilds && existed && collection != null && collection.count() > 0 && !added.isEmpty()) {
            UUID build = UUID.randomUUID();
            log(db, name, new Document("startIndexBuild", name).append("indexBuildUUID", build).append("indexes", added), null);
            log(db, name, new Document("commitIndexBuild", name).append("indexBuildUUID", build).append("indexes", added), null);
        } else {
            added.forEach(spec -> log(db, name, new Document("createIndexes", name).appendAll(spec), null));
        }
        return reply.append("createdCollectionAutomatically", !existed);
    }

    Document dropIndexes(Channel channel, String db, Document query) {
        String name = query.get("dropIndexes").toString();
        if (data.collection(db, name) == null) {
            throw new MongoServerError(26, "NamespaceNotFound", "ns not found " + db + "." + name);
        }
        List<Document> specs = indexSpecs(channel, db, name);
        List<Document> dropping = new ArrayList<>();
        Object index = query.get("index");
        if ("*".equals(index)) {
            specs.stream().filter(spec -> !"_id_".equals(spec.get("name"))).forEach(dropping::add);
        } else {
            List<?> wanted = index instanceof List<?> list ? list : List.of(index);
            for (Object one : wanted) {
                dropping.add(spec(specs, one));
            }
        }
        for (Document spec : dropping) {
            Document single = new Document("dropIndexes", name).append("index", spec.get("name")).append("$db", db);
            data.engine(channel, db, "dropIndexes", single);
            log(db, name, new Document("dropIndexes", name).append("index", spec.get("name")), spec);
        }
        return new Document("nIndexesWas", specs.size()).append("ok", 1.0);
    }

    // https://www.mongodb.com/docs/manual/reference/command/collMod/
    Document collMod(String db, Document query) {
        String name = query.get("collMod").toString();
        if (data.collection(db, name) == null) {
            throw new MongoServerError(26, "NamespaceNotFound", "ns does not exist: " + db + "." + name);
        }
        Document changes = optionsOf(query, "collMod");
        Document old = options.getOrDefault(db + "." + name, new Document());
        Document now = old.cloneDeeply();
        changes.forEach((key, value) -> {
            if (!key.equals("index")) {
                now.put(key, value);
            }
        });
        options.put(db + "." + name, now);
        log(db, name, new Document("collMod", name).appendAll(changes), new Document("collectionOptions_old", old));
        return new Document("ok", 1.0);
    }

    /** Adds the options given at create/collMod and each collection's UUID to a listCollections reply, and applies its filter. */
    Document listCollections(Channel channel, String db, Document query) {
        Document reply = data.engine(channel, db, "listCollections", query);
        Document cursor = (Document) reply.get("cursor");
        Document filter = query.get("filter") instanceof Document f ? f : new Document();
        DefaultQueryMatcher matcher = new DefaultQueryMatcher();
        List<Document> batch = new ArrayList<>();
        for (Object item : (List<?>) cursor.get("firstBatch")) {
            Document collection = (Document) item;
            String name = collection.get("name").toString();
            collection.put("options", options.getOrDefault(db + "." + name, new Document()).cloneDeeply());
            UUID uuid = uuid(db, name);
            if (uuid != null && collection.get("info") instanceof Document info) {
                info.put("uuid", uuid);
            }
            if (matcher.matches(collection, filter)) {
                batch.add(Boolean.TRUE.equals(query.get("nameOnly"))
                    ? new Document("name", name).append("type", collection.get("type")) : collection);
            }
        }
        cursor.put("firstBatch", batch);
        return reply;
    }

    /** Records options for a collection the stand-in made itself (the oplog). */
    void options(String db, String name, Document given) {
        options.put(db + "." + name, given);
    }

    // ---- helpers

    private void log(String db, String name, Document o, Document o2) {
        data.termOplog().append("c", db + ".$cmd", uuid(db, name), o, o2);
    }

    private static Document optionsOf(Document query, String command) {
        Document given = new Document();
        query.forEach((key, value) -> {
            if (!key.equals(command) && !GENERIC.contains(key)) {
                given.append(key, value);
            }
        });
        return given;
    }

    private Set<String> indexNames(Channel channel, String db, String name) {
        Set<String> names = new java.util.HashSet<>();
        indexSpecs(channel, db, name).forEach(spec -> names.add(String.valueOf(spec.get("name"))));
        return names;
    }

    private List<Document> indexSpecs(Channel channel, String db, String name) {
        if (data.collection(db, name) == null) {
            return List.of();
        }
        Document reply = data.engine(channel, db, "listIndexes", new Document("listIndexes", name).append("$db", db));
        List<Document> specs = new ArrayList<>();
        for (Object spec : (List<?>) ((Document) reply.get("cursor")).get("firstBatch")) {
            specs.add((Document) spec);
        }
        return specs;
    }

    private static Document spec(List<Document> specs, Object wanted) {
        for (Document spec : specs) {
            if (wanted.equals(spec.get("name")) || wanted.equals(spec.get("key"))) {
                if ("_id_".equals(spec.get("name"))) {
                    throw new MongoServerError(72, "InvalidOptions", "cannot drop _id index");
                }
                return spec;
            }
        }
        throw new MongoServerError(27, "IndexNotFound", "index not found with name [" + wanted + "]");
    }
}
