package io.openmms.daemon.oplog;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.daemon.head.RocksHead;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a process applying oplog batches never leaves the head's data and position out of
 * step: after reopening, the position is at least the last one the process reported committed,
 * and the content equals exactly what applying the oplog up to that position gives.
 */
class CrashSafetyTest {
  @TempDir Path dir;

  @Test
  void killNineLeavesPositionAndDataInStep() throws Exception {
    Path headDir = dir.resolve("head");
    int batchesStored = 0;
    for (int round = 0; round < 3; round++) {
      int reported = runUntilKilled(headDir, batchesStored + 40 + round * 17);
      int stored;
      Object actual;
      try (RocksHead head = RocksHead.open(headDir)) {
        stored = head.position().orElseThrow().ts().getTime();
        actual = Heads.content(head);
      }
      assertThat(stored).as("round %d: position survives kill -9", round).isGreaterThanOrEqualTo(reported);
      assertThat(actual).as("round %d: data is exactly the oplog up to %d", round, stored)
          .isEqualTo(expectedContent(stored, round));
      batchesStored = stored - CrashWorkload.FIRST_TS + 1;
    }
  }

  private Object expectedContent(int upToSeconds, int round) {
    try (RocksHead fresh = RocksHead.open(dir.resolve("expected-" + round))) {
      fresh.beginInitialSync();
      fresh.finishInitialSync(new BsonTimestamp(CrashWorkload.FIRST_TS - 1, 0));
      OplogApplier applier = new OplogApplier(fresh);
      for (int n = 0; n <= upToSeconds - CrashWorkload.FIRST_TS; n++) {
        applier.apply(CrashWorkload.batch(n));
      }
      return Heads.content(fresh);
    }
  }

  /**
   * Runs the writer in a child JVM and SIGKILLs it once it reported {@code target} batches in all;
   * returns the timestamp seconds of the last position it reported.
   */
  private static int runUntilKilled(Path headDir, int target) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        CrashWorkload.class.getName(), headDir.toString())).redirectErrorStream(true).start();
    int last = -1;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("applied ")) {
          last = Integer.parseInt(line.substring(8).trim()) - CrashWorkload.FIRST_TS + 1;
          if (last >= target) {
            p.destroyForcibly();
            break;
          }
        }
      }
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(last).as("the writer made progress").isGreaterThanOrEqualTo(target);
    return last + CrashWorkload.FIRST_TS - 1;
  }
}
