package io.openmms.testkit;

import static io.openmms.testkit.Direct.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;

/** serverStatus and the other per-process commands, driven by what each member really served. */
class ServerStatusTest {

    private static ReplicaSetStandIn set;
    private static Direct primary;
    private static Direct secondary;

    @BeforeAll
    static void start() {
        set = ReplicaSetStandIn.start("status", 3);
        primary = new Direct(set.hosts().get(0));
        secondary = new Direct(set.hosts().get(1));
    }

    @AfterAll
    static void stop() {
        primary.close();
        secondary.close();
        set.close();
    }

    @Test
    void opcountersCountTheDocumentsAndStatementsThePrimaryReceived() {
        MongoCollection<Document> things = set.client().getDatabase("ops").getCollection("things");
        Document before = primary.serverStatus();
        Document secondaryBefore = secondary.serverStatus();

        things.insertMany(IntStream.range(0, 7).mapToObj(i -> new Document("_id", i)).toList());
        things.updateMany(Filters.lt("_id", 3), Updates.set("x", 1));
        things.deleteOne(Filters.eq("_id", 6));
        things.find(Filters.gte("_id", 0)).into(new ArrayList<>());

        Document after = primary.serverStatus();
        Document secondaryAfter = secondary.serverStatus();
        assertThat(delta(before, after, "opcounters.insert")).isEqualTo(7);
        assertThat(delta(before, after, "opcounters.update")).isEqualTo(1);
        assertThat(delta(before, after, "opcounters.delete")).isEqualTo(1);
        assertThat(delta(before, after, "opcounters.query")).isEqualTo(1);
        assertThat(delta(before, after, "metrics.document.inserted")).isEqualTo(7);
        assertThat(delta(before, after, "metrics.document.updated")).isEqualTo(3);
        assertThat(delta(before, after, "metrics.document.deleted")).isEqualTo(1);
        assertThat(delta(before, after, "metrics.document.returned")).isEqualTo(6);
        assertThat(delta(secondaryBefore, secondaryAfter, "opcounters.insert")).isZero();
        assertThat(delta(secondaryBefore, secondaryAfter, "opcountersRepl.insert")).isEqualTo(7);
        assertThat(delta(secondaryBefore, secondaryAfter, "opcountersRepl.update")).isEqualTo(3);
        assertThat(delta(secondaryBefore, secondaryAfter, "opcountersRepl.delete")).isEqualTo(1);
        assertThat(path(after, "opcountersRepl.insert")).isZero();
    }

    @Test
    void anIdleDriverWaitsOnAwaitableHelloInsteadOfPolling() throws InterruptedException {
        set.client().getDatabase("admin").runCommand(new Document("ping", 1));
        Thread.sleep(300); // let the driver's monitors settle into streaming
        long before = path(secondary.serverStatus(), "opcounters.command");
        long awaiting = path(secondary.serverStatus(), "connections.awaitingTopologyChanges");

        Thread.sleep(1000);

        // the streaming monitors of the two clients wait 10 s per hello; only our own serverStatus calls count
        assertThat(path(secondary.serverStatus(), "opcounters.command") - before).isLessThanOrEqualTo(4);
        assertThat(awaiting).isGreaterThanOrEqualTo(2);
    }

    @Test
    void connectionsFollowClientsOpeningAndClosing() {
        long baseline = path(primary.serverStatus(), "connections.current");
        long createdBefore = path(primary.serverStatus(), "connections.totalCreated");
        List<Direct> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Direct client = new Direct(set.hosts().get(0));
            client.admin("ping");
            clients.add(client);
        }

        assertThat(path(primary.serverStatus(), "connections.current")).isGreaterThanOrEqualTo(baseline + 3);
        assertThat(path(primary.serverStatus(), "connections.totalCreated")).isGreaterThanOrEqualTo(createdBefore + 3);

        clients.forEach(Direct::close);
        await().atMost(Duration.ofSeconds(5))
            .untilAsserted(() -> assertThat(path(primary.serverStatus(), "connections.current")).isEqualTo(baseline));
    }

    @Test
    void networkCountsTheRealRequestAndReplyBytes() {
        Document before = primary.serverStatus();
        String payload = "x".repeat(200_000);

        set.client().getDatabase("net").getCollection("big").insertOne(new Document("payload", payload));
        set.client().getDatabase("net").getCollection("big").find().first();

        Document after = primary.serverStatus();
        assertThat(delta(before, after, "network.bytesIn")).isBetween(200_000L, 210_000L);
        assertThat(delta(before, after, "network.bytesOut")).isBetween(200_000L, 210_000L);
        assertThat(delta(before, after, "network.numRequests")).isGreaterThanOrEqualTo(3);
    }

    @Test
    void openCursorsAreCountedUntilExhaustedOrClosed() {
        MongoCollection<Document> items = set.client().getDatabase("cur").getCollection("items");
        items.insertMany(IntStream.range(0, 10).mapToObj(i -> new Document("_id", i)).toList());

        try (MongoCursor<Document> cursor = items.find().batchSize(2).iterator()) {
            cursor.next();
            assertThat(path(primary.serverStatus(), "metrics.cursor.open.total")).isEqualTo(1);
        }

        assertThat(path(primary.serverStatus(), "metrics.cursor.open.total")).isZero();
    }

    @Test
    void serverStatusHasTheDocumentedSections() {
        Document status = primary.serverStatus();

        assertThat(status).containsEntry("host", set.hosts().get(0)).containsEntry("process", "mongod")
            .containsEntry("version", "7.0.14").containsEntry("ok", 1.0)
            .containsKeys("pid", "uptime", "uptimeMillis", "localTime", "asserts", "connections", "network", "mem",
                "globalLock", "extra_info", "metrics", "opcounters", "opcountersRepl", "wiredTiger", "repl");
        assertThat(status.get("asserts", Document.class)).containsKeys("regular", "warning", "msg", "user", "rollovers");
        assertThat(status.get("connections", Document.class)).containsKeys("current", "available", "totalCreated", "active");
        assertThat(status.get("mem", Document.class)).containsEntry("bits", 64).containsKeys("resident", "virtual");
        assertThat(status.get("globalLock", Document.class)).containsKeys("totalTime", "currentQueue", "activeClients");
        assertThat(status.get("extra_info", Document.class)).containsKeys("note", "page_faults");
        Document wiredTiger = status.get("wiredTiger", Document.class);
        assertThat(wiredTiger.get("cache", Document.class)).containsKeys("bytes currently in the cache",
            "tracked dirty bytes in the cache", "maximum bytes configured", "bytes read into cache", "bytes written from cache");
        assertThat(wiredTiger.get("concurrentTransactions", Document.class).get("read", Document.class))
            .containsEntry("totalTickets", 128).containsKeys("out", "available");
        assertThat(status.get("repl", Document.class)).containsEntry("setName", "status")
            .containsEntry("isWritablePrimary", true).containsEntry("me", set.hosts().get(0));
        assertThat(status.get("metrics", Document.class).get("cursor", Document.class)).containsKeys("open", "timedOut");
    }

    @Test
    void aRefusedWriteCountsAsAUserAssert() {
        long before = path(secondary.serverStatus(), "asserts.user");

        try {
            secondary.client.getDatabase("ops").getCollection("refused").insertOne(new Document());
        } catch (RuntimeException expected) {
            // NotWritablePrimary
        }

        assertThat(path(secondary.serverStatus(), "asserts.user")).isGreaterThan(before);
    }

    @Test
    void buildInfoHostInfoAndCmdLineOptsDescribeTheProcess() {
        Document buildInfo = secondary.admin("buildInfo");
        Document hostInfo = secondary.admin("hostInfo");
        Document options = secondary.admin("getCmdLineOpts");

        assertThat(buildInfo).containsEntry("version", "7.0.14").containsEntry("versionArray", List.of(7, 0, 14, 0))
            .containsKeys("gitVersion", "bits", "maxBsonObjectSize");
        Document system = hostInfo.get("system", Document.class);
        assertThat(system.getInteger("numCores")).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(system.get("memSizeMB", Number.class).longValue()).isPositive();
        assertThat(system).containsKeys("hostname", "cpuArch");
        assertThat(hostInfo).containsKeys("os", "extra");
        Document parsed = options.get("parsed", Document.class);
        int port = Integer.parseInt(set.hosts().get(1).split(":")[1]);
        assertThat(parsed.get("net", Document.class)).containsEntry("port", port).containsEntry("bindIp", "127.0.0.1");
        assertThat(parsed.get("replication", Document.class)).containsEntry("replSetName", "status");
        assertThat(parsed).doesNotContainKey("sharding");
        assertThat(options.getList("argv", String.class)).startsWith("mongod");
    }

    @Test
    void dbStatsCountsTheRealDocumentsAndCollections() {
        var db = set.client().getDatabase("stats");
        db.getCollection("a").insertMany(IntStream.range(0, 5).mapToObj(i -> new Document("_id", i).append("v", "value")).toList());
        db.getCollection("b").insertOne(new Document("_id", 1));

        Document stats = db.runCommand(new Document("dbStats", 1));

        assertThat(stats).containsEntry("db", "stats").containsEntry("ok", 1.0);
        assertThat(stats.get("collections", Number.class).longValue()).isEqualTo(2);
        assertThat(stats.get("objects", Number.class).longValue()).isEqualTo(6);
        assertThat(stats.get("dataSize", Number.class).longValue()).isPositive();
        assertThat(stats.get("indexes", Number.class).longValue()).isEqualTo(2);
        assertThat(stats).containsKeys("storageSize", "indexSize", "totalSize", "avgObjSize", "fsTotalSize");
    }

    private static long delta(Document before, Document after, String path) {
        return path(after, path) - path(before, path);
    }
}
