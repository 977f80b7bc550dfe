package io.openmms.testkit;

import static com.mongodb.client.model.Filters.gt;
import static com.mongodb.client.model.Filters.gte;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.CursorType;
import com.mongodb.MongoException;
import com.mongodb.ServerCursor;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Sorts;

/**
 * Tailing {@code local.oplog.rs} with a tailable awaitData cursor through the driver, as the backup
 * agent does, and losing the position to oplog capping.
 */
class OplogTailingTest {

    private ReplicaSetStandIn set;
    private MongoCollection<Document> oplog;
    private MongoCollection<Document> things;

    @BeforeEach
    void start() {
        set = ReplicaSetStandIn.start("tail", 1);
        oplog = set.client().getDatabase("local").getCollection("oplog.rs");
        things = set.client().getDatabase("app").getCollection("things");
        things.insertOne(new Document("_id", 0));
    }

    @AfterEach
    void stop() {
        set.close();
    }

    @Test
    void anIdleTailableCursorWaitsMaxAwaitTimeThenReturnsNothingAndStaysOpen() {
        try (MongoCursor<Document> cursor = tail(set.oplogLastTs(), Duration.ofMillis(400))) {
            ServerCursor id = cursor.getServerCursor();
            assertThat(id).isNotNull();

            long started = System.nanoTime();
            Document next = cursor.tryNext();
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(next).isNull();
            assertThat(waitedMs).isBetween(350L, 3000L);
            assertThat(cursor.getServerCursor()).isEqualTo(id);
            things.insertOne(new Document("_id", 1));
            assertThat(cursor.tryNext().get("o", Document.class)).containsEntry("_id", 1);
            assertThat(cursor.getServerCursor()).isEqualTo(id);
        }
    }

    @Test
    void aTailableCursorReturnsNewEntriesInTheOrderTheyWereWritten() {
        BsonTimestamp t0 = set.oplogLastTs();
        try (MongoCursor<Document> cursor = tail(t0, Duration.ofMillis(200))) {
            for (int i = 1; i <= 5; i++) {
                things.insertOne(new Document("_id", i));
            }
            things.deleteOne(new Document("_id", 1));

            List<Document> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seen.size() < 6 && System.nanoTime() < deadline) {
                Document next = cursor.tryNext();
                if (next != null) {
                    seen.add(next);
                }
            }

            assertThat(seen).extracting(e -> e.getString("op")).containsExactly("i", "i", "i", "i", "i", "d");
            assertThat(seen.subList(0, 5)).extracting(e -> e.get("o", Document.class).get("_id")).containsExactly(1, 2, 3, 4, 5);
            for (int i = 1; i < seen.size(); i++) {
                assertThat(seen.get(i).get("ts", BsonTimestamp.class)).isGreaterThan(seen.get(i - 1).get("ts", BsonTimestamp.class));
            }
        }
    }

    @Test
    void aWaitingGetMoreReturnsAsSoonAsAnEntryIsWritten() throws Exception {
        try (MongoCursor<Document> cursor = tail(set.oplogLastTs(), Duration.ofSeconds(20))) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                sleep(300);
                things.insertOne(new Document("_id", 42));
            });

            long started = System.nanoTime();
            Document next = cursor.tryNext();
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            writer.get(5, TimeUnit.SECONDS);
            assertThat(next).isNotNull();
            assertThat(next.get("o", Document.class)).containsEntry("_id", 42);
            assertThat(waitedMs).isBetween(250L, 5000L);
        }
    }

    @Test
    void cappingTruncatesTheOldestEntriesSoAResumeFindsAGap() {
        BsonTimestamp old = set.oplogFirstTs();
        BsonTimestamp beforeWrites = set.oplogLastTs();

        set.setOplogMaxEntries(10);
        for (int i = 1; i <= 30; i++) {
            things.insertOne(new Document("_id", i));
        }

        assertThat(oplog.estimatedDocumentCount()).isEqualTo(10);
        assertThat(set.oplogFirstTs()).isGreaterThan(beforeWrites);
        Document first = oplog.find().sort(Sorts.ascending("$natural")).first();
        assertThat(first.get("ts")).isEqualTo(set.oplogFirstTs());
        assertThat(first.get("o", Document.class)).containsEntry("_id", 21);
        Document resumed = oplog.find(gte("ts", old)).first();
        assertThat(resumed.get("ts", BsonTimestamp.class)).isGreaterThan(beforeWrites); // the gap the agent must detect
        assertThat(oplog.find().sort(Sorts.descending("$natural")).first().get("ts")).isEqualTo(set.oplogLastTs());
    }

    @Test
    void aTailingCursorWhosePositionIsTruncatedFailsWithCappedPositionLost() {
        try (MongoCursor<Document> cursor = tail(set.oplogLastTs(), Duration.ofMillis(100))) {
            things.insertOne(new Document("_id", 1));
            assertThat(cursor.tryNext()).isNotNull();

            set.setOplogMaxEntries(3);
            for (int i = 2; i <= 10; i++) {
                things.insertOne(new Document("_id", i));
            }

            MongoException lost = catchThrowableOfType(MongoException.class, cursor::tryNext);
            assertThat(lost.getCode()).isEqualTo(136);
            assertThat(lost).hasMessageContaining("CappedPositionLost");
        }
    }

    @Test
    void aTailReadsEveryEntryOfABusyWorkloadOnceAndInOrder() {
        BsonTimestamp t0 = set.oplogLastTs();
        List<Document> seen = new ArrayList<>();
        try (MongoCursor<Document> cursor = tail(t0, Duration.ofMillis(100));
             Workload workload = Workload.start(set.client(), "shop", 1000)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < deadline) {
                Document next = cursor.tryNext();
                if (next != null) {
                    seen.add(next);
                }
            }
            workload.close();
            BsonTimestamp end = set.oplogLastTs();
            while (seen.isEmpty() || seen.get(seen.size() - 1).get("ts", BsonTimestamp.class).compareTo(end) < 0) {
                Document next = cursor.tryNext();
                if (next != null) {
                    seen.add(next);
                }
            }
        }

        List<Document> all = oplog.find(gt("ts", t0)).batchSize(50).into(new ArrayList<>());
        assertThat(seen).hasSizeGreaterThan(20);
        assertThat(seen).extracting(e -> e.get("ts")).containsExactlyElementsOf(all.stream().map(e -> e.get("ts")).toList());
        assertThat(seen).extracting(e -> e.getString("op")).contains("c", "i", "u");
    }

    @Test
    void aNonTailableFindEndsAtTheNewestEntry() {
        BsonTimestamp t0 = set.oplogLastTs();
        things.insertOne(new Document("_id", 1));

        try (MongoCursor<Document> cursor = oplog.find(gt("ts", t0)).batchSize(1).iterator()) {
            assertThat(cursor.next().get("o", Document.class)).containsEntry("_id", 1);
            things.insertOne(new Document("_id", 2));
            assertThat(cursor.hasNext()).isFalse();
        }
    }

    private MongoCursor<Document> tail(BsonTimestamp after, Duration await) {
        return oplog.find(gt("ts", after)).cursorType(CursorType.TailableAwait)
            .maxAwaitTime(await.toMillis(), TimeUnit.MILLISECONDS).iterator();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
