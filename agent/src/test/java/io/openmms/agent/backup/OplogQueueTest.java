package io.openmms.agent.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OplogQueueTest {
  @TempDir Path dir;

  private static RawBsonDocument entry(int i, int pad) {
    return new RawBsonDocument(new BsonDocument("ts", new BsonTimestamp(100, i))
        .append("op", new BsonString("n")).append("i", new BsonInt32(i))
        .append("pad", new BsonString("p".repeat(pad))), new BsonDocumentCodec());
  }

  @Test
  void aFullQueueMakesTheReaderWaitInsteadOfGrowing() throws Exception {
    try (OplogQueue q = OplogQueue.open(dir.resolve("q"), 2000)) {
      q.put(List.of(entry(1, 900)));
      q.put(List.of(entry(2, 900)));
      CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
        try {
          q.put(List.of(entry(3, 900)));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(200);
      assertThat(third).isNotDone();
      assertThat(q.bytes()).isLessThanOrEqualTo(2000);
      assertThat(q.take(1000, 100, 0)).extracting(d -> d.getInt32("i").getValue())
          .containsExactly(1);
      third.get(5, TimeUnit.SECONDS);
      assertThat(q.take(10_000, 100, 0)).extracting(d -> d.getInt32("i").getValue())
          .containsExactly(2, 3);
    }
    assertThat(Files.exists(dir.resolve("q"))).isFalse();
  }

  @Test
  void theReadersFailureArrivesAfterTheEntriesQueuedBeforeIt() throws Exception {
    try (OplogQueue q = OplogQueue.open(dir.resolve("q"), 1 << 20)) {
      q.put(List.of(entry(1, 10), entry(2, 10)));
      q.fail(new BackupStop.Gap("gone"));
      assertThat(q.take(1 << 20, 100, 0)).hasSize(2);
      assertThatThrownBy(() -> q.take(1 << 20, 100, 0)).isInstanceOf(BackupStop.Gap.class);
    }
  }

  @Test
  void takeMergesWholeChunksWithinTheLimits() throws Exception {
    try (OplogQueue q = OplogQueue.open(dir.resolve("q"), 1 << 20)) {
      for (int i = 1; i <= 5; i++) {
        q.put(List.of(entry(i * 2 - 1, 10), entry(i * 2, 10)));
      }
      assertThat(q.take(1 << 20, 5, 0)).hasSize(4);
      assertThat(q.take(1 << 20, 100, 0)).hasSize(6);
      assertThat(q.take(1 << 20, 100, 50)).isEmpty();
    }
  }
}
