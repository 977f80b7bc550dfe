package io.openmms.agent.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.openmms.testkit.ReplicaSetStandIn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OplogReaderTest {
  @TempDir Path dir;

  private static final OplogReader.Options OPTIONS = new OplogReader.Options(1 << 20, 100, 7,
      Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(200));

  /** mongo-java-server itself accepts the tailable flags and ignores them (SPEC §8). */
  @Test
  void aSourceThatIgnoresTailableCursorsIsPolledAndNothingIsMissedOrRepeated() throws Exception {
    MongoServer server = new MongoServer(backendWithOplog());
    try (MongoClient client = MongoClients.create(uri(server));
        OplogQueue queue = OplogQueue.open(dir.resolve("q"), 1 << 20)) {
      MongoCollection<Document> c = client.getDatabase("app").getCollection("c");
      c.insertOne(new Document("_id", 0));
      MongoCollection<RawBsonDocument> oplog = client.getDatabase("local")
          .getCollection("oplog.rs", RawBsonDocument.class);
      BsonTimestamp start = OplogReader.newest(oplog);
      OplogReader.TailMode mode = new OplogReader.TailMode();
      OplogReader reader = new OplogReader(oplog, start, true, queue, OPTIONS, "test", mode);
      Thread t = new Thread(reader);
      t.start();
      for (int i = 1; i < 40; i++) {
        c.insertOne(new Document("_id", i));
        if (i % 10 == 0) {
          Thread.sleep(120);
        }
      }
      List<Integer> ids = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 10_000;
      while (ids.size() < 40 && System.currentTimeMillis() < deadline) {
        for (RawBsonDocument e : queue.take(1 << 20, 1000, 200)) {
          ids.add(e.getDocument("o").getInt32("_id").getValue());
        }
      }
      reader.stop();
      t.interrupt();
      t.join();
      assertThat(mode.polling()).isTrue();
      assertThat(ids).hasSize(40).doesNotHaveDuplicates().isSorted();
    } finally {
      server.shutdownNow();
    }
  }

  /**
   * Regression: the reader queued what it had read only when a getMore came back empty, so
   * under a steady workload (an entry every few ms, every awaitData getMore answered at once)
   * nothing reached the queue until a request's limit filled, minutes later, and the head fell
   * behind. Each server batch must be queued as it arrives.
   */
  @Test
  void entriesReadUnderASteadyWorkloadReachTheQueueWithoutWaitingForTheOplogToGoQuiet()
      throws Exception {
    try (ReplicaSetStandIn rs = ReplicaSetStandIn.start("rs0", 1);
        OplogQueue queue = OplogQueue.open(dir.resolve("q"), 1 << 20)) {
      MongoCollection<Document> c = rs.client().getDatabase("app").getCollection("c");
      c.insertOne(new Document("_id", -1));
      MongoCollection<RawBsonDocument> oplog = rs.client().getDatabase("local")
          .getCollection("oplog.rs", RawBsonDocument.class);
      OplogReader.TailMode mode = new OplogReader.TailMode();
      OplogReader reader = new OplogReader(oplog, OplogReader.newest(oplog), false, queue,
          new OplogReader.Options(1 << 20, 10_000, 1000, Duration.ofSeconds(1),
              Duration.ofMillis(50), Duration.ofMillis(200)), "rs0", mode);
      AtomicBoolean writing = new AtomicBoolean(true);
      Thread writer = new Thread(() -> {
        for (int i = 0; writing.get(); i++) {
          c.insertOne(new Document("_id", i));
          LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
      });
      Thread t = new Thread(reader);
      writer.start();
      t.start();
      try {
        List<RawBsonDocument> first = queue.take(1 << 20, 10_000, 3000);
        assertThat(writer.isAlive()).isTrue();
        assertThat(first).as("entries queued within 3 s while the writes go on").isNotEmpty();
        assertThat(mode.polling()).isFalse();
      } finally {
        writing.set(false);
        writer.join();
        reader.stop();
        t.interrupt();
        t.join();
      }
    }
  }

  @Test
  void aPositionThatIsNotInTheOplogEndsTheQueueWithAGap() throws Exception {
    MongoServer server = new MongoServer(backendWithOplog());
    try (MongoClient client = MongoClients.create(uri(server));
        OplogQueue queue = OplogQueue.open(dir.resolve("q"), 1 << 20)) {
      client.getDatabase("app").getCollection("c").insertOne(new Document("_id", 1));
      MongoCollection<RawBsonDocument> oplog = client.getDatabase("local")
          .getCollection("oplog.rs", RawBsonDocument.class);
      OplogReader reader = new OplogReader(oplog, new BsonTimestamp(5, 1), false, queue,
          OPTIONS, "rs9", new OplogReader.TailMode());
      reader.run();
      assertThatThrownBy(() -> queue.take(1 << 20, 100, 1000))
          .isInstanceOf(BackupStop.Gap.class).hasMessageContaining("rs9")
          .hasMessageContaining("{t: 5, i: 1}");
    } finally {
      server.shutdownNow();
    }
  }

  private static MemoryBackend backendWithOplog() {
    MemoryBackend backend = new MemoryBackend();
    backend.enableOplog();
    return backend;
  }

  private static String uri(MongoServer server) {
    server.bind("127.0.0.1", 0);
    java.net.InetSocketAddress a = server.getLocalAddress();
    return "mongodb://127.0.0.1:" + a.getPort();
  }
}
