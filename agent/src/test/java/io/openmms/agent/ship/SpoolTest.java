package io.openmms.agent.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  @TempDir
  Path dir;

  static byte[] batch(long seq, int samples, int padding) {
    List<HostSample> list = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      list.add(new HostSample("h", 1, seq * 1000 + i, false, null, "PRIMARY", null, null, false,
          null, null, null, Map.of(), Map.of("CONNECTIONS", (double) i), null));
    }
    return BatchCodec.encode(new MonitoringBatch("agent", seq, "dev", list));
  }

  private static long seqOf(Spool s, Spool.Entry e) throws Exception {
    return BatchCodec.decode(s.read(e)).seq();
  }

  @Test
  void batchesComeOutOldestFirstWithIncreasingSequenceNumbers() throws Exception {
    Spool spool = Spool.open(dir, 1 << 20, BatchCodec::countSamples);
    for (int i = 0; i < 3; i++) {
      spool.append(seq -> batch(seq, 1, 0));
    }
    List<Long> order = new ArrayList<>();
    Spool.Entry e;
    while ((e = spool.awaitOldest(0, TimeUnit.MILLISECONDS)) != null) {
      order.add(seqOf(spool, e));
      spool.acknowledge(e);
    }
    assertThat(order).containsExactly(1L, 2L, 3L);
    assertThat(spool.size()).isZero();
    assertThat(spool.bytes()).isZero();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("last-seq", "rejected");
    }
  }

  @Test
  void unsentBatchesAndTheSequenceSurviveAReopen() throws Exception {
    Spool first = Spool.open(dir, 1 << 20, BatchCodec::countSamples);
    first.append(seq -> batch(seq, 1, 0));
    first.append(seq -> batch(seq, 1, 0));
    first.acknowledge(first.awaitOldest(0, TimeUnit.MILLISECONDS));
    Files.write(dir.resolve("00000000000000000009.tmp"), new byte[] {1, 2}); // crash leftover

    Spool second = Spool.open(dir, 1 << 20, BatchCodec::countSamples);
    assertThat(second.size()).isEqualTo(1);
    assertThat(seqOf(second, second.awaitOldest(0, TimeUnit.MILLISECONDS))).isEqualTo(2L);
    assertThat(second.append(seq -> batch(seq, 1, 0))).isEqualTo(3L);
    assertThat(Files.exists(dir.resolve("00000000000000000009.tmp"))).isFalse();
  }

  @Test
  void sequenceKeepsGrowingAfterEverythingWasSentAndTheAgentRestarted() throws Exception {
    Spool first = Spool.open(dir, 1 << 20, BatchCodec::countSamples);
    first.append(seq -> batch(seq, 1, 0));
    first.acknowledge(first.awaitOldest(0, TimeUnit.MILLISECONDS));
    assertThat(Spool.open(dir, 1 << 20, BatchCodec::countSamples)
        .append(seq -> batch(seq, 1, 0))).isEqualTo(2L);
  }

  @Test
  void whenFullTheOldestBatchesAreDroppedAndTheirSamplesCounted() throws Exception {
    long one = batch(1, 5, 0).length;
    Spool spool = Spool.open(dir, one * 3 + one / 2, BatchCodec::countSamples);
    for (int i = 0; i < 5; i++) {
      spool.append(seq -> batch(seq, 5, 0));
    }
    assertThat(spool.size()).isEqualTo(3);
    assertThat(spool.bytes()).isLessThanOrEqualTo(one * 3 + one / 2);
    assertThat(spool.droppedBatches()).isEqualTo(2);
    assertThat(spool.droppedSamples()).isEqualTo(10);
    List<Long> left = new ArrayList<>();
    spool.snapshot().keySet().forEach(left::add);
    Collections.sort(left);
    assertThat(left).containsExactly(3L, 4L, 5L);
  }

  @Test
  void aRejectedBatchIsKeptAsideAndLeavesTheQueue() throws Exception {
    Spool spool = Spool.open(dir, 1 << 20, BatchCodec::countSamples);
    spool.append(seq -> batch(seq, 1, 0));
    spool.append(seq -> batch(seq, 1, 0));
    spool.reject(spool.awaitOldest(0, TimeUnit.MILLISECONDS));
    assertThat(Files.exists(dir.resolve("rejected").resolve("00000000000000000001"))).isTrue();
    assertThat(seqOf(spool, spool.awaitOldest(0, TimeUnit.MILLISECONDS))).isEqualTo(2L);
    // a rejected batch's number is never reused, even if last-seq were lost
    Files.delete(dir.resolve("last-seq"));
    assertThat(Spool.open(dir, 1 << 20, BatchCodec::countSamples)
        .append(seq -> batch(seq, 1, 0))).isEqualTo(3L);
  }

  @Test
  void awaitOldestWakesUpWhenABatchIsAppended() throws Exception {
    Spool spool = Spool.open(dir, 1 << 20, BatchCodec::countSamples);
    Thread appender = new Thread(() -> {
      try {
        Thread.sleep(100);
        spool.append(seq -> batch(seq, 1, 0));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    appender.start();
    assertThat(spool.awaitOldest(10, TimeUnit.SECONDS)).isNotNull();
    appender.join();
  }
}
