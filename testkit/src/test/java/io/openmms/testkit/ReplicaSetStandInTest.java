package io.openmms.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Date;
import java.util.List;

import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Sorts;
import com.mongodb.connection.ServerDescription;
import com.mongodb.connection.ServerType;

class ReplicaSetStandInTest {

    private ReplicaSetStandIn set;

    @BeforeEach
    void start() {
        set = ReplicaSetStandIn.start("rs0", 3);
    }

    @AfterEach
    void stop() {
        set.close();
    }

    @Test
    void driverDiscoversTheSetAndWritesToThePrimary() {
        MongoCollection<Document> things = set.client().getDatabase("app").getCollection("things");
        things.insertOne(new Document("_id", 1).append("x", "a"));

        assertThat(things.find().first()).containsEntry("x", "a");
        List<ServerDescription> servers = set.client().getClusterDescription().getServerDescriptions();
        assertThat(servers).extracting(s -> s.getAddress().toString()).containsExactlyInAnyOrderElementsOf(set.hosts());
        assertThat(servers).filteredOn(s -> s.getType() == ServerType.REPLICA_SET_PRIMARY)
            .extracting(s -> s.getAddress().toString()).containsExactly(set.primary());
        assertThat(set.primary()).isEqualTo(set.hosts().get(0));
        assertThat(set.connectionString()).isEqualTo("mongodb://" + String.join(",", set.hosts()) + "/?replicaSet=rs0");
    }

    @Test
    void helloDescribesTheMemberInTheDocumentedShape() {
        Document primary = Direct.hello(set.hosts().get(0));
        Document secondary = Direct.hello(set.hosts().get(1));

        assertThat(primary).containsEntry("isWritablePrimary", true).containsEntry("secondary", false)
            .containsEntry("setName", "rs0").containsEntry("me", set.hosts().get(0))
            .containsEntry("primary", set.hosts().get(0)).containsEntry("hosts", set.hosts())
            .containsEntry("minWireVersion", 0).containsEntry("readOnly", false).containsEntry("ok", 1.0)
            .containsKeys("setVersion", "electionId", "topologyVersion", "maxBsonObjectSize", "maxMessageSizeBytes",
                "maxWriteBatchSize", "localTime", "logicalSessionTimeoutMinutes", "connectionId", "lastWrite");
        assertThat(primary.getInteger("maxWireVersion")).isBetween(17, 21);
        assertThat(primary.get("lastWrite", Document.class)).containsKeys("opTime", "lastWriteDate");
        assertThat(secondary).containsEntry("isWritablePrimary", false).containsEntry("secondary", true)
            .containsEntry("primary", set.hosts().get(0)).doesNotContainKey("electionId");

        try (Direct direct = new Direct(set.hosts().get(1))) {
            Document legacy = direct.client.getDatabase("admin").runCommand(new Document("isMaster", 1).append("helloOk", true));
            assertThat(legacy).containsEntry("ismaster", false).containsEntry("helloOk", true).doesNotContainKey("isWritablePrimary");
        }
    }

    @Test
    void afterStepDownWritesGoToTheNewPrimaryAndHelloShowsAHigherElectionId() {
        MongoCollection<Document> things = set.client().getDatabase("app").getCollection("things");
        things.insertOne(new Document("_id", 1));
        String oldPrimary = set.primary();
        ObjectId oldElection = Direct.hello(oldPrimary).getObjectId("electionId");

        set.stepDown();

        String newPrimary = set.primary();
        assertThat(newPrimary).isEqualTo(set.hosts().get(1));
        things.insertOne(new Document("_id", 2));
        assertThat(things.countDocuments()).isEqualTo(2);
        Document hello = Direct.hello(newPrimary);
        assertThat(hello).containsEntry("isWritablePrimary", true);
        assertThat(hello.getObjectId("electionId")).isGreaterThan(oldElection);
        assertThat(Direct.hello(oldPrimary)).containsEntry("secondary", true).containsEntry("primary", newPrimary);
        try (Direct direct = new Direct(newPrimary)) {
            assertThat(direct.admin("replSetGetStatus").getLong("term")).isEqualTo(2L);
        }
    }

    @Test
    void aSecondaryRejectsWritesWithNotWritablePrimary() {
        try (Direct secondary = new Direct(set.hosts().get(2))) {
            MongoException error = catchThrowableOfType(MongoException.class,
                () -> secondary.client.getDatabase("app").getCollection("things").insertOne(new Document("_id", 1)));

            assertThat(error.getCode()).isEqualTo(10107);
            assertThat(error).hasMessageContaining("NotWritablePrimary");
            assertThat(set.client().getDatabase("app").getCollection("things").countDocuments()).isZero();
        }
    }

    @Test
    void aSecondaryServesOnlyReadsThatAllowSecondariesAndSeesThePrimarysWrites() throws IOException {
        set.client().getDatabase("app").getCollection("things").insertOne(new Document("_id", 1));
        try (Direct secondary = new Direct(set.hosts().get(1))) {
            // a direct connection reads with primaryPreferred, which a secondary may serve
            assertThat(secondary.client.getDatabase("app").getCollection("things").countDocuments()).isEqualTo(1);
        }

        Document find = new Document("find", "things").append("$db", "app");
        Document refused = RawWire.command(set.hosts().get(1), find);
        Document allowed = RawWire.command(set.hosts().get(1),
            new Document(find).append("$readPreference", new Document("mode", "secondaryPreferred")));

        assertThat(refused).containsEntry("ok", 0.0).containsEntry("code", 13435).containsEntry("codeName", "NotPrimaryNoSecondaryOk");
        assertThat(allowed).containsEntry("ok", 1.0);
        assertThat(allowed.get("cursor", Document.class).getList("firstBatch", Document.class)).hasSize(1);
    }

    @Test
    void killRefusesConnectionsAndRestartBringsTheMemberBackAsANewProcess() throws Exception {
        ManualClock clock = new ManualClock(java.time.Instant.parse("2026-11-02T10:00:00Z"));
        set.close();
        set = ReplicaSetStandIn.start("rs0", 3, ClusterRole.NONE, clock);
        String host = set.hosts().get(2);
        int port = Integer.parseInt(host.substring(host.indexOf(':') + 1));
        Document before;
        Object processBefore;
        try (Direct direct = new Direct(host)) {
            processBefore = direct.hello().get("topologyVersion", Document.class).get("processId");
            direct.client.getDatabase("app").getCollection("things").find().first();
            clock.advance(Duration.ofMinutes(5));
            before = direct.serverStatus();
        }
        assertThat(Direct.path(before, "opcounters.query")).isEqualTo(1);
        assertThat(Direct.path(before, "uptimeMillis")).isEqualTo(300_000);

        set.kill(host);

        assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
        assertThat(set.hosts()).contains(host);
        try (Direct primary = new Direct(set.primary())) {
            Document status = primary.admin("replSetGetStatus");
            Document dead = status.getList("members", Document.class).get(2);
            assertThat(dead).containsEntry("name", host).containsEntry("health", 0.0).containsEntry("state", 8)
                .containsEntry("stateStr", "(not reachable/healthy)");
        }

        set.restart(host);

        connect(port);
        try (Direct direct = new Direct(host)) {
            Document after = direct.serverStatus();
            assertThat(Direct.path(after, "uptimeMillis")).isZero();
            assertThat(Direct.path(after, "opcounters.query")).isZero();
            assertThat(Direct.path(after, "network.numRequests")).isLessThan(Direct.path(before, "network.numRequests"));
            assertThat(direct.hello().get("topologyVersion", Document.class).get("processId")).isNotEqualTo(processBefore);
            assertThat(direct.hello()).containsEntry("secondary", true);
        }
    }

    @Test
    void killingThePrimaryElectsTheNextMemberAndTheDriverFollows() {
        MongoCollection<Document> things = set.client().getDatabase("app").getCollection("things");
        things.insertOne(new Document("_id", 1));

        set.kill(set.hosts().get(0));

        assertThat(set.primary()).isEqualTo(set.hosts().get(1));
        things.insertOne(new Document("_id", 2));
        assertThat(things.countDocuments()).isEqualTo(2);
    }

    @Test
    void anAddedMemberAppearsInEveryMembersHelloAndInTheConfig() {
        String added = set.addMember();

        assertThat(set.hosts()).hasSize(4).endsWith(added);
        for (String host : set.hosts()) {
            assertThat(Direct.hello(host).getList("hosts", String.class)).containsExactlyElementsOf(set.hosts());
        }
        try (Direct primary = new Direct(set.primary())) {
            Document config = primary.admin("replSetGetConfig").get("config", Document.class);
            assertThat(config.getInteger("version")).isEqualTo(2);
            assertThat(config.getList("members", Document.class)).extracting(m -> m.getString("host"))
                .containsExactlyElementsOf(set.hosts());
            assertThat(primary.admin("replSetGetStatus").getList("members", Document.class)).hasSize(4);
        }
        assertThat(Direct.hello(added)).containsEntry("secondary", true).containsEntry("setVersion", 2);
    }

    @Test
    void replSetGetStatusReportsMembersStatesAndLaggingOptimes() {
        set.client().getDatabase("app").getCollection("things").insertOne(new Document("_id", 1));
        set.setLag(set.hosts().get(2), Duration.ofSeconds(30));

        Document status;
        try (Direct primary = new Direct(set.primary())) {
            status = primary.admin("replSetGetStatus");
        }

        assertThat(status).containsEntry("set", "rs0").containsEntry("myState", 1).containsEntry("term", 1L).containsKey("date");
        List<Document> members = status.getList("members", Document.class);
        assertThat(members).extracting(m -> m.getInteger("_id")).containsExactly(0, 1, 2);
        assertThat(members).extracting(m -> m.getString("name")).containsExactlyElementsOf(set.hosts());
        assertThat(members).extracting(m -> m.getInteger("state")).containsExactly(1, 2, 2);
        assertThat(members).extracting(m -> m.getString("stateStr")).containsExactly("PRIMARY", "SECONDARY", "SECONDARY");
        assertThat(members).extracting(m -> m.get("self")).containsExactly(true, null, null);
        assertThat(members.get(1)).containsKeys("lastHeartbeat", "lastHeartbeatRecv", "pingMs", "uptime", "health");
        Date primaryDate = members.get(0).getDate("optimeDate");
        assertThat(members.get(1).getDate("optimeDate")).isEqualTo(primaryDate);
        assertThat(primaryDate.getTime() - members.get(2).getDate("optimeDate").getTime()).isEqualTo(30_000);
        BsonTimestamp primaryTs = members.get(0).get("optime", Document.class).get("ts", BsonTimestamp.class);
        BsonTimestamp laggingTs = members.get(2).get("optime", Document.class).get("ts", BsonTimestamp.class);
        assertThat(primaryTs.getTime() - laggingTs.getTime()).isBetween(29, 31);
        assertThat(members.get(0).get("optime", Document.class)).containsEntry("t", 1L);
    }

    @Test
    void theOplogsFirstAndLastEntriesAreReadableOnEveryMember() {
        set.client().getDatabase("app").getCollection("things").insertOne(new Document("_id", 7));
        for (String host : set.hosts()) {
            try (Direct direct = new Direct(host)) {
                MongoCollection<Document> oplog = direct.client.getDatabase("local").getCollection("oplog.rs");
                Document first = oplog.find().sort(Sorts.ascending("$natural")).limit(1).first();
                Document last = oplog.find().sort(Sorts.descending("$natural")).limit(1).first();

                assertThat(first).containsEntry("op", "n").containsKeys("ts", "t", "wall");
                assertThat(last).containsEntry("op", "i").containsEntry("ns", "app.things").containsEntry("t", 1L);
                assertThat(last.get("o", Document.class)).containsEntry("_id", 7);
                assertThat(last.get("ts", BsonTimestamp.class)).isGreaterThan(first.get("ts", BsonTimestamp.class));
            }
        }
    }

    private static void connect(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        }
    }
}
