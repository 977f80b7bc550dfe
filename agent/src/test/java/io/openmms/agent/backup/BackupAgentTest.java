package io.openmms.agent.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import io.openmms.agent.AgentSettings;
import io.openmms.common.config.Config;
import io.openmms.testkit.ReplicaSetStandIn;
import io.openmms.testkit.Workload;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup agent against a three-member replica-set stand-in and an in-test backup service:
 * what the service receives, replayed, must equal the source's documents.
 */
class BackupAgentTest {
  private static final String ID = "backup-1";

  @TempDir java.nio.file.Path dataDir;
  private ReplicaSetStandIn rs;
  private BackupReceiver receiver;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    rs = ReplicaSetStandIn.start("rs0", 3);
    receiver = BackupReceiver.start();
    receiver.add(ID, "rs0", rs.hosts());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    receiver.close();
    rs.close();
  }

  private BackupAgent startAgent(Map<String, String> more) {
    Map<String, String> m = new HashMap<>(Map.of(
        "agent.backup.enabled", "true",
        "agent.backup.server.url", receiver.url(),
        "agent.group.id", BackupReceiver.GROUP,
        "agent.api.key", BackupReceiver.KEY,
        "agent.data.dir", dataDir.toString(),
        "agent.backup.assignments.interval", "200ms",
        "agent.backup.oplog.await", "200ms",
        "agent.backup.oplog.poll.interval", "100ms",
        "agent.backup.retry.initial", "20ms",
        "agent.backup.retry.max", "200ms"));
    m.put("agent.backup.batch.max.documents", "500");
    m.putAll(more);
    BackupAgent agent = new BackupAgent(Config.of("agent", AgentSettings.ALL, m),
        Clock.systemUTC());
    closing.add(agent);
    agent.start();
    return agent;
  }

  private MongoClient client() {
    return rs.client();
  }

  private void preload() {
    MongoCollection<Document> users = client().getDatabase("app").getCollection("users");
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      docs.add(new Document("_id", i).append("name", "user-" + i).append("age", i % 90)
          .append("tags", List.of("a", "b" + i)).append("nested", new Document("x", i * 1.5)));
    }
    users.insertMany(docs);
    users.createIndex(Indexes.ascending("name"));
    MongoCollection<Document> items = client().getDatabase("shop").getCollection("items");
    for (int i = 0; i < 50; i++) {
      items.insertOne(new Document("sku", "sku-" + i).append("price", i * 0.25));
    }
  }

  /** Inserts, replaces, $sets and deletes: writes whose oplog entries replay idempotently. */
  private AutoCloseable idempotentWriter() {
    AtomicBoolean running = new AtomicBoolean(true);
    MongoCollection<Document> live = client().getDatabase("app").getCollection("live");
    Thread t = new Thread(() -> {
      int n = 0;
      while (running.get()) {
        live.insertOne(new Document("_id", n).append("v", 0));
        if (n >= 5) {
          live.replaceOne(Filters.eq("_id", n - 5), new Document("v", "replaced-" + n));
        }
        if (n >= 3) {
          live.updateOne(Filters.eq("_id", n - 3), Updates.set("s", n));
        }
        if (n >= 10 && n % 2 == 0) {
          live.deleteOne(Filters.eq("_id", n - 10));
        }
        n++;
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    t.start();
    return () -> {
      running.set(false);
      t.join();
    };
  }

  private BsonTimestamp newestSourceTs() {
    return OplogReader.newest(client().getDatabase("local")
        .getCollection("oplog.rs", RawBsonDocument.class));
  }

  private void awaitCaughtUp() {
    BsonTimestamp newest = newestSourceTs();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
      BackupReceiver.Backup b = receiver.backup(ID);
      synchronized (receiver) {
        return b.state.equals("TAILING") && b.lastTs != null && b.lastTs.compareTo(newest) >= 0;
      }
    });
  }

  private void awaitTailing() {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
      synchronized (receiver) {
        return receiver.backup(ID).state.equals("TAILING");
      }
    });
  }

  private void assertReplayEqualsSource() {
    assertThat(receiver.errors()).isEmpty();
    Replay.assertSame(Replay.of(receiver.stored(ID)), Replay.source(client()));
  }

  private List<BsonTimestamp> storedOplogTs() {
    List<BsonTimestamp> ts = new ArrayList<>();
    for (BackupReceiver.Stored s : receiver.stored(ID)) {
      if (s.kind().equals(Batch.OPLOG)) {
        s.documents().forEach(e -> ts.add(e.getTimestamp("ts")));
      }
    }
    return ts;
  }

  @Test
  void initialSyncWhileWritingThenTailingReplaysToTheSourceDocuments() throws Exception {
    preload();
    try (AutoCloseable writer = idempotentWriter();
        Workload w = Workload.start(client(), "work", 200)) {
      startAgent(Map.of());
      awaitTailing();
      Thread.sleep(1500);
    }
    awaitCaughtUp();
    assertReplayEqualsSource();

    List<BackupReceiver.Stored> stored = receiver.stored(ID);
    BackupReceiver.Backup b = receiver.backup(ID);
    assertThat(stored.get(0).kind()).isEqualTo(Batch.SYNC_START);
    assertThat(stored).filteredOn(s -> s.kind().equals(Batch.SYNC_END)).hasSize(1);
    assertThat(storedOplogTs().get(0)).isEqualTo(b.startTs);
    assertThat(stored).allSatisfy(s -> assertThat(s.documents()).hasSizeLessThanOrEqualTo(500));
    assertThat(stored).filteredOn(s -> s.kind().equals(Batch.COLLECTION))
        .extracting(s -> s.header().getString("ns").getValue())
        .contains("app.users", "shop.items", "app.live");
    BackupReceiver.Stored users = stored.stream().filter(s -> s.kind().equals(Batch.COLLECTION)
        && s.header().getString("ns").getValue().equals("app.users")).findFirst().orElseThrow();
    assertThat(users.header().getArray("indexes")).hasSize(2);
    // the copy's oplog came after syncEnd: one sequence, in order
    int end = stored.indexOf(stored.stream().filter(s -> s.kind().equals(Batch.SYNC_END))
        .findFirst().orElseThrow());
    assertThat(stored.subList(0, end)).noneMatch(s -> s.kind().equals(Batch.OPLOG));
  }

  @Test
  void anAgentClosedAndStartedAgainResumesWithoutLossOrDuplication() throws Exception {
    preload();
    BackupAgent first = startAgent(Map.of());
    awaitTailing();
    try (Workload w = Workload.start(client(), "work", 200)) {
      Thread.sleep(800);
      first.close();
      Thread.sleep(800);
    }
    long seqBefore = receiver.backup(ID).lastSeq;
    startAgent(Map.of());
    awaitCaughtUp();
    assertReplayEqualsSource();
    assertThat(receiver.backup(ID).lastSeq).isGreaterThan(seqBefore);
    assertThat(receiver.backup(ID).resyncReasons).isEmpty();
    List<BsonTimestamp> ts = storedOplogTs();
    assertThat(ts).doesNotHaveDuplicates().isSortedAccordingTo(BsonTimestamp::compareTo);
  }

  @Test
  void anOutageLostAcknowledgementsAndAServiceThatForgotBatchesLoseNothing() throws Exception {
    preload();
    startAgent(Map.of("agent.backup.batch.max.documents", "20"));
    awaitTailing();
    try (Workload w = Workload.start(client(), "work", 200)) {
      receiver.stop();
      Thread.sleep(1000);
      receiver.resume();
      receiver.loseResponses(2);
      receiver.unavailable(2);
      Thread.sleep(500);
      awaitCaughtUp();
      receiver.rewind(ID, 3);
      Thread.sleep(500);
    }
    awaitCaughtUp();
    assertReplayEqualsSource();
    assertThat(receiver.duplicates()).isGreaterThanOrEqualTo(2);
    assertThat(receiver.outOfOrder()).isGreaterThanOrEqualTo(1);
    assertThat(storedOplogTs()).doesNotHaveDuplicates();
  }

  @Test
  void aPositionNoLongerInTheSourceOplogLeadsToAResyncAndANewInitialSync() throws Exception {
    preload();
    synchronized (receiver) {
      BackupReceiver.Backup b = receiver.backup(ID);
      b.state = "TAILING";
      b.lastSeq = 7;
      b.lastTs = new BsonTimestamp(1_000_000, 1);
    }
    startAgent(Map.of());
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      synchronized (receiver) {
        return !receiver.backup(ID).resyncReasons.isEmpty();
      }
    });
    assertThat(receiver.backup(ID).resyncReasons.get(0)).contains("{t: 1000000, i: 1}")
        .contains("initial sync");
    awaitTailing();
    awaitCaughtUp();
    assertThat(receiver.backup(ID).syncId).isEqualTo(ID + "-sync-2");
    assertReplayEqualsSource();
  }

  @Test
  void aReaderThatFellOffACappedOplogDuringAnOutageLeadsToAResync() throws Exception {
    preload();
    startAgent(Map.of("agent.backup.spool.max.bytes", "64KB",
        "agent.backup.batch.max.bytes", "4KB"));
    awaitTailing();
    rs.setOplogMaxEntries(200);
    receiver.stop();
    MongoCollection<Document> filler = client().getDatabase("app").getCollection("filler");
    for (int i = 0; i < 1500; i++) { // ~150 KB of oplog: more than the spool holds
      filler.insertOne(new Document("_id", i).append("pad", "x".repeat(60)));
    }
    receiver.resume();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      synchronized (receiver) {
        return !receiver.backup(ID).resyncReasons.isEmpty();
      }
    });
    assertThat(receiver.backup(ID).resyncReasons.get(0)).contains("no longer in the source oplog");
    awaitTailing();
    awaitCaughtUp();
    assertReplayEqualsSource();
  }

  @Test
  void documentsNearSixteenMegabytesAndUnusualIdsAreCopiedExactly() throws Exception {
    MongoCollection<Document> odd = client().getDatabase("odd").getCollection("ids");
    java.util.Random random = new java.util.Random(42);
    for (Object id : List.of("big-1", new Document("k", 2).append("s", "two"))) {
      odd.insertOne(new Document("_id", id).append("payload", bigPayload(random)));
    }
    List<Object> ids = List.of(new org.bson.types.ObjectId(), 7, 8L, 9.5,
        new org.bson.types.Decimal128(new java.math.BigDecimal("10.25")), "ключ-🔑",
        new org.bson.types.Binary((byte) 0, new byte[] {1, 2, 3}), new java.util.Date(5),
        true, new org.bson.types.MinKey(), new org.bson.types.MaxKey());
    for (Object id : ids) {
      odd.insertOne(new Document("_id", id).append("t", id.getClass().getSimpleName()));
    }
    startAgent(Map.of());
    awaitTailing();
    odd.insertOne(new Document("_id", new Document("k", 3)).append("payload", bigPayload(random)));
    awaitCaughtUp();
    assertReplayEqualsSource();
    // within agent.backup.batch.max.bytes (16 MiB), so the two big documents travel apart
    List<Long> batchBytes = receiver.stored(ID).stream()
        .filter(s -> s.kind().equals(Batch.DOCUMENTS) || s.kind().equals(Batch.OPLOG))
        .map(s -> s.documents().stream().mapToLong(BsonStream::size).sum()).toList();
    assertThat(batchBytes).allSatisfy(b -> assertThat(b).isLessThanOrEqualTo(16L << 20));
    assertThat(batchBytes).filteredOn(b -> b > 15L << 20).hasSize(3); // 2 copied, 1 in the oplog
  }

  private static byte[] bigPayload(java.util.Random random) {
    byte[] payload = new byte[16 * 1024 * 1024 - 4096];
    random.nextBytes(payload);
    return payload;
  }
}
