package io.openmms.agent.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.common.wire.MonitoringBatch;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchSenderTest {
  @TempDir
  Path dir;
  private Receiver receiver;
  private Spool spool;
  private MonitoringClient client;
  private BatchSender sender;
  private Thread thread;

  @BeforeEach
  void start() throws Exception {
    receiver = new Receiver();
    spool = Spool.open(dir, 1 << 20, BatchCodec::countSamples);
  }

  private void startSender(String key) {
    client = new MonitoringClient(URI.create(receiver.url()), Receiver.GROUP, key, null,
        Duration.ofSeconds(5));
    sender = new BatchSender(spool, client, Duration.ofMillis(20), Duration.ofMillis(100),
        Clock.systemUTC());
    thread = new Thread(sender);
    thread.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (thread != null) {
      thread.interrupt();
      thread.join(5000);
      assertThat(thread.isAlive()).as("sender stops on interrupt").isFalse();
      client.close();
    }
    receiver.close();
  }

  private void append(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      spool.append(seq -> SpoolTest.batch(seq, 2, 0));
    }
  }

  @Test
  void batchesArriveInOrderAuthenticatedAndCompressedAndLeaveTheSpool() throws Exception {
    append(3);
    startSender(Receiver.KEY);
    await().atMost(Duration.ofSeconds(10)).until(() -> spool.size() == 0);
    assertThat(receiver.acknowledged()).extracting(MonitoringBatch::seq)
        .containsExactly(1L, 2L, 3L);
    assertThat(sender.sentBatches()).isEqualTo(3);
  }

  @Test
  void duringAnOutageBatchesWaitAndAreSentExactlyOnceInOrderAfterwards() throws Exception {
    receiver.stop();
    startSender(Receiver.KEY);
    append(4);
    Thread.sleep(300); // several failed attempts
    assertThat(spool.size()).isEqualTo(4);
    receiver.restart();
    append(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> spool.size() == 0);
    assertThat(receiver.acknowledged()).extracting(MonitoringBatch::seq)
        .containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void serverErrorsAreRetriedWithoutLosingTheBatch() throws Exception {
    receiver.answer(b -> receiver.requests() <= 3 ? 503 : 200);
    append(2);
    startSender(Receiver.KEY);
    await().atMost(Duration.ofSeconds(10)).until(() -> spool.size() == 0);
    assertThat(receiver.acknowledged()).extracting(MonitoringBatch::seq).containsExactly(1L, 2L);
  }

  @Test
  void aWrongKeyKeepsTheDataAndKeepsRetrying() throws Exception {
    append(2);
    startSender("wrong-key");
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests() >= 3);
    assertThat(spool.size()).isEqualTo(2);
    assertThat(receiver.acknowledged()).isEmpty();
    assertThat(Files.list(spool.rejectedDir()).count()).isZero();
  }

  @Test
  void aBatchTheServiceRejectsIsMovedAsideAndLaterBatchesStillFlow() throws Exception {
    receiver.answer(b -> b.seq() == 2 ? 400 : 200);
    append(4);
    startSender(Receiver.KEY);
    await().atMost(Duration.ofSeconds(10)).until(() -> spool.size() == 0);
    assertThat(receiver.acknowledged()).extracting(MonitoringBatch::seq)
        .containsExactly(1L, 3L, 4L);
    assertThat(sender.rejectedBatches()).isEqualTo(1);
    assertThat(spool.rejectedDir().resolve("00000000000000000002")).exists();
  }
}
