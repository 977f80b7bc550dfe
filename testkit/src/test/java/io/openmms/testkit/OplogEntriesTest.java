package io.openmms.testkit;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gt;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;

import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoNamespace;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.CreateCollectionOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;

/**
 * The oplog entries the stand-in writes, read back through the driver as the backup agent reads
 * them, checked against the shapes MongoDB 5.0+ writes.
 */
class OplogEntriesTest {

    private static ReplicaSetStandIn set;
    private MongoDatabase app;
    private MongoCollection<Document> things;

    @BeforeAll
    static void start() {
        set = ReplicaSetStandIn.start("oplog", 1);
    }

    @AfterAll
    static void stop() {
        set.close();
    }

    @BeforeEach
    void freshDatabase() {
        app = set.client().getDatabase("app");
        app.drop();
        things = app.getCollection("things");
    }

    @Test
    void aFirstInsertLogsTheImplicitCreateThenOneInsertPerDocument() {
        BsonTimestamp t0 = set.oplogLastTs();

        things.insertMany(List.of(new Document("_id", 1).append("a", "x"), new Document("_id", 2).append("a", "y")));

        List<Document> entries = entriesAfter(t0);
        assertThat(entries).extracting(e -> e.getString("op")).containsExactly("c", "i", "i");
        Document create = entries.get(0);
        assertThat(create).containsEntry("ns", "app.$cmd");
        assertThat(create.get("o", Document.class).toJson()).isEqualTo(
            new Document("create", "things").append("idIndex", new Document("v", 2).append("key", new Document("_id", 1))
                .append("name", "_id_")).toJson());
        assertThat(entries.get(1)).containsEntry("ns", "app.things").containsEntry("o", new Document("_id", 1).append("a", "x"))
            .containsEntry("o2", new Document("_id", 1));
        assertThat(entries.get(2).get("o2", Document.class)).containsEntry("_id", 2);
        for (Document entry : entries) {
            assertThat(entry.keySet()).doesNotContain("_id").contains("ts", "t", "v", "wall", "op", "ns", "o", "ui");
            assertThat(entry).containsEntry("t", 1L).containsEntry("v", 2L);
            assertThat(entry.get("wall")).isInstanceOf(Date.class);
            assertThat(entry.get("ui")).isEqualTo(create.get("ui")).isNotNull();
        }
        assertStrictlyIncreasing(entries);
        assertThat(set.oplogLastTs()).isEqualTo(entries.get(2).get("ts"));
    }

    @Test
    void operatorUpdatesAreLoggedAsV2DiffsThatTurnThePreImageIntoThePostImage() {
        things.insertOne(new Document("_id", 1).append("n", 1).append("tags", List.of("a"))
            .append("sub", new Document("x", 1).append("y", 2)).append("gone", true).append("old", "v"));

        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.inc("n", 5)));
        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.push("tags", "b")));
        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.set("sub.x", 5)));
        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.unset("gone")));
        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.rename("old", "renamed")));
        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.combine(Updates.set("n", 2L), Updates.set("added", new Document("k", 1)))));
        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.popLast("tags")));
        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.set("tags", List.of("p", "q", "r"))));
        checkDiff(c -> c.updateOne(eq("_id", 1), Updates.set("sub", new Document("y", 2).append("x", 5))));
    }

    @Test
    void aMultiUpdateLogsOneEntryPerChangedDocumentAndANoOpUpdateLogsNothing() {
        things.insertMany(List.of(new Document("_id", 1).append("g", 1), new Document("_id", 2).append("g", 1),
            new Document("_id", 3).append("g", 2)));
        BsonTimestamp t0 = set.oplogLastTs();

        things.updateMany(eq("g", 1), Updates.set("seen", true));
        things.updateOne(eq("_id", 3), Updates.set("g", 2));
        things.updateMany(eq("g", 1), Updates.set("seen", true));

        List<Document> entries = entriesAfter(t0);
        assertThat(entries).extracting(e -> e.getString("op")).containsExactly("u", "u");
        assertThat(entries).extracting(e -> e.get("o2", Document.class).get("_id")).containsExactly(1, 2);
        assertThat(entries.get(0).get("o", Document.class).toJson())
            .isEqualTo(new Document("$v", 2).append("diff", new Document("i", new Document("seen", true))).toJson());
    }

    @Test
    void aReplacementIsLoggedAsTheWholeNewDocument() {
        things.insertOne(new Document("_id", 1).append("a", 1));
        BsonTimestamp t0 = set.oplogLastTs();

        things.replaceOne(eq("_id", 1), new Document("b", 2));

        Document entry = single(entriesAfter(t0));
        assertThat(entry).containsEntry("op", "u").containsEntry("o2", new Document("_id", 1));
        assertThat(entry.get("o", Document.class).toJson()).isEqualTo(new Document("_id", 1).append("b", 2).toJson());
    }

    @Test
    void anUpsertThatInsertsIsLoggedAsAnInsert() {
        things.insertOne(new Document("_id", 0));
        BsonTimestamp t0 = set.oplogLastTs();

        things.updateOne(eq("_id", 7), Updates.set("a", 1), new UpdateOptions().upsert(true));
        things.replaceOne(eq("_id", 8), new Document("b", 1), new ReplaceOptions().upsert(true));

        List<Document> entries = entriesAfter(t0);
        assertThat(entries).extracting(e -> e.getString("op")).containsExactly("i", "i");
        assertThat(entries.get(0).get("o", Document.class)).containsEntry("_id", 7).containsEntry("a", 1);
        assertThat(entries.get(1).get("o", Document.class)).containsEntry("_id", 8).containsEntry("b", 1);
    }

    @Test
    void deletesLogOneEntryPerDocumentWithItsId() {
        things.insertMany(List.of(new Document("_id", 1).append("g", 1), new Document("_id", 2).append("g", 1),
            new Document("_id", 3).append("g", 2)));
        BsonTimestamp t0 = set.oplogLastTs();

        things.deleteMany(eq("g", 1));
        things.deleteOne(eq("_id", 99));

        List<Document> entries = entriesAfter(t0);
        assertThat(entries).extracting(e -> e.getString("op")).containsExactly("d", "d");
        assertThat(entries).extracting(e -> e.get("o")).containsExactly(new Document("_id", 1), new Document("_id", 2));
        assertThat(entries.get(0)).doesNotContainKey("o2").containsEntry("ns", "app.things");
    }

    @Test
    void findAndModifyLogsTheUpdateOrTheDelete() {
        things.insertMany(List.of(new Document("_id", 1).append("n", 1), new Document("_id", 2)));
        BsonTimestamp t0 = set.oplogLastTs();

        things.findOneAndUpdate(eq("_id", 1), Updates.inc("n", 1));
        things.findOneAndDelete(eq("_id", 2));

        List<Document> entries = entriesAfter(t0);
        assertThat(entries).extracting(e -> e.getString("op")).containsExactly("u", "d");
        assertThat(entries.get(0).get("o", Document.class).toJson())
            .isEqualTo(new Document("$v", 2).append("diff", new Document("u", new Document("n", 2))).toJson());
    }

    @Test
    void anUpdateThatMatchesNothingCreatesNoCollectionAndLogsNothing() {
        BsonTimestamp t0 = set.oplogLastTs();

        app.getCollection("nothing").updateOne(eq("_id", 1), Updates.set("a", 1));

        assertThat(entriesAfter(t0)).isEmpty();
        assertThat(app.listCollectionNames()).doesNotContain("nothing");
    }

    @Test
    void createLogsItsOptionsAndTheIdIndexAndListCollectionsShowsThem() {
        BsonTimestamp t0 = set.oplogLastTs();

        app.createCollection("capped", new CreateCollectionOptions().capped(true).sizeInBytes(4096).maxDocuments(10));
        app.runCommand(new Document("create", "clustered")
            .append("clusteredIndex", new Document("key", new Document("_id", 1)).append("unique", true)));

        List<Document> entries = entriesAfter(t0);
        assertThat(entries).extracting(e -> e.getString("op")).containsExactly("c", "c");
        assertThat(entries.get(0).get("o", Document.class).toJson()).isEqualTo(new Document("create", "capped")
            .append("capped", true).append("size", 4096L).append("max", 10L)
            .append("idIndex", new Document("v", 2).append("key", new Document("_id", 1)).append("name", "_id_")).toJson());
        assertThat(entries.get(1).get("o", Document.class)).containsKey("clusteredIndex").doesNotContainKey("idIndex");
        Document listed = app.listCollections().filter(eq("name", "capped")).first();
        assertThat(listed.get("options", Document.class)).containsEntry("capped", true).containsEntry("size", 4096L);
        assertThat(listed.get("info", Document.class).get("uuid")).isEqualTo(entries.get(0).get("ui"));
    }

    @Test
    void indexCommandsLogOneEntryPerIndex() {
        things.insertOne(new Document("_id", 1).append("a", 1));
        BsonTimestamp t0 = set.oplogLastTs();

        things.createIndex(Indexes.ascending("a"), new IndexOptions().unique(true));
        things.createIndex(Indexes.descending("b"));
        things.createIndex(Indexes.ascending("a"), new IndexOptions().unique(true));
        things.dropIndex("a_1");
        things.dropIndexes();

        List<Document> entries = entriesAfter(t0);
        assertThat(entries).extracting(e -> e.get("o", Document.class).toJson()).containsExactly(
            new Document("createIndexes", "things").append("v", 2).append("key", new Document("a", 1)).append("name", "a_1")
                .append("unique", true).toJson(),
            new Document("createIndexes", "things").append("v", 2).append("key", new Document("b", -1)).append("name", "b_-1").toJson(),
            new Document("dropIndexes", "things").append("index", "a_1").toJson(),
            new Document("dropIndexes", "things").append("index", "b_-1").toJson());
        assertThat(entries.get(2).get("o2", Document.class)).containsEntry("name", "a_1").containsEntry("key", new Document("a", 1));
        assertThat(entries).allSatisfy(e -> assertThat(e).containsEntry("ns", "app.$cmd").containsEntry("op", "c").containsKey("ui"));
    }

    @Test
    void twoPhaseIndexBuildsOnANonEmptyCollectionLogStartAndCommit() {
        things.insertOne(new Document("_id", 1));
        set.setTwoPhaseIndexBuilds(true);
        try {
            BsonTimestamp t0 = set.oplogLastTs();

            things.createIndex(Indexes.ascending("a"));

            List<Document> entries = entriesAfter(t0);
            assertThat(entries).extracting(e -> e.get("o", Document.class).keySet().iterator().next())
                .containsExactly("startIndexBuild", "commitIndexBuild");
            Document commit = entries.get(1).get("o", Document.class);
            assertThat(commit.get("indexBuildUUID")).isEqualTo(entries.get(0).get("o", Document.class).get("indexBuildUUID"));
            assertThat(commit.getList("indexes", Document.class)).singleElement()
                .satisfies(spec -> assertThat(spec).containsEntry("name", "a_1").containsEntry("v", 2));
        } finally {
            set.setTwoPhaseIndexBuilds(false);
        }
    }

    @Test
    void collModRenameDropAndDropDatabaseAreLoggedAsCommands() {
        BsonTimestamp start = set.oplogLastTs();
        things.insertMany(List.of(new Document("_id", 1), new Document("_id", 2)));
        app.getCollection("target").insertOne(new Document("_id", 9));
        BsonTimestamp t0 = set.oplogLastTs();
        Object thingsUuid = entriesAfter(start).get(0).get("ui");

        Document validator = new Document("$jsonSchema", new Document("required", List.of("_id")));
        app.runCommand(new Document("collMod", "things").append("validator", validator));
        things.renameCollection(new MongoNamespace("app", "renamed"));
        app.getCollection("renamed").renameCollection(new MongoNamespace("app", "target"),
            new com.mongodb.client.model.RenameCollectionOptions().dropTarget(true));
        app.getCollection("target").drop();
        app.getCollection("other").insertOne(new Document("_id", 1));
        app.drop();

        List<Document> entries = entriesAfter(t0);
        assertThat(entries).extracting(e -> e.getString("op") + " " + e.get("o", Document.class).keySet().iterator().next())
            .containsExactly("c collMod", "c renameCollection", "c renameCollection", "c drop", "c create", "i _id",
                "c drop", "c dropDatabase");
        assertThat(entries.get(0).get("o", Document.class)).containsEntry("validator", validator);
        assertThat(entries.get(0).get("o2", Document.class)).containsKey("collectionOptions_old");
        assertThat(entries.get(1).get("o", Document.class).toJson()).isEqualTo(new Document("renameCollection", "app.things")
            .append("to", "app.renamed").append("stayTemp", false).toJson());
        assertThat(entries.get(1)).containsEntry("ui", thingsUuid);
        assertThat(entries.get(2).get("o", Document.class)).containsKey("dropTarget");
        assertThat(entries.get(2).get("o2", Document.class)).containsEntry("numRecords", 1L);
        assertThat(entries.get(3).get("o", Document.class)).containsEntry("drop", "target");
        assertThat(entries.get(3)).containsEntry("ui", thingsUuid).containsEntry("o2", new Document("numRecords", 2L));
        assertThat(entries.get(6).get("o", Document.class)).containsEntry("drop", "other");
        assertThat(entries.get(7)).containsEntry("ns", "app.$cmd").containsEntry("o", new Document("dropDatabase", 1))
            .doesNotContainKey("ui");
    }

    @Test
    void theOplogIsReadableWithNaturalSortsProjectionLimitAndBatches() {
        BsonTimestamp t0 = set.oplogLastTs();
        for (int i = 0; i < 10; i++) {
            things.insertOne(new Document("_id", i));
        }
        MongoCollection<Document> oplog = set.client().getDatabase("local").getCollection("oplog.rs");

        Document last = oplog.find().sort(Sorts.descending("$natural")).limit(1).first();
        Document first = oplog.find().sort(Sorts.ascending("$natural")).projection(new Document("ts", 1).append("_id", 0)).first();
        List<Document> batched = oplog.find(gt("ts", t0)).batchSize(3).into(new ArrayList<>());

        assertThat(last.get("o", Document.class)).containsEntry("_id", 9);
        assertThat(first.keySet()).containsExactly("ts");
        assertThat(first.get("ts")).isEqualTo(set.oplogFirstTs());
        assertThat(batched).hasSize(11);
        assertStrictlyIncreasing(batched);
        assertThat(oplog.countDocuments(gt("ts", t0))).isEqualTo(11);
        assertThat(oplog.estimatedDocumentCount()).isGreaterThanOrEqualTo(11);
    }

    // ---- helpers

    private void checkDiff(Consumer<MongoCollection<Document>> update) {
        Document before = things.find(eq("_id", 1)).first();
        BsonTimestamp t0 = set.oplogLastTs();
        update.accept(things);
        Document after = things.find(eq("_id", 1)).first();
        Document entry = single(entriesAfter(t0));
        Document o = entry.get("o", Document.class);

        assertThat(entry).containsEntry("op", "u").containsEntry("o2", new Document("_id", 1));
        assertThat(o.keySet()).containsExactly("$v", "diff");
        assertThat(o).containsEntry("$v", 2);
        assertThat(DiffApplier.apply(before, o.get("diff", Document.class)).toJson()).as(o.toJson()).isEqualTo(after.toJson());
    }

    private static List<Document> entriesAfter(BsonTimestamp t0) {
        return set.client().getDatabase("local").getCollection("oplog.rs")
            .find(gt("ts", t0)).sort(Sorts.ascending("$natural")).into(new ArrayList<>())
            .stream().filter(e -> !"n".equals(e.getString("op"))).toList();
    }

    private static Document single(List<Document> entries) {
        assertThat(entries).hasSize(1);
        return entries.get(0);
    }

    private static void assertStrictlyIncreasing(List<Document> entries) {
        for (int i = 1; i < entries.size(); i++) {
            assertThat(entries.get(i).get("ts", BsonTimestamp.class)).isGreaterThan(entries.get(i - 1).get("ts", BsonTimestamp.class));
        }
    }
}
