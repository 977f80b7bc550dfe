package io.openmms.daemon.head;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: measuring the head's size while RocksDB deleted a log file threw
 * NoSuchFileException out of the directory walk, which killed the head's worker for a lease.
 */
class SizeOnDiskTest {
  @TempDir Path dir;

  @Test
  void filesVanishingDuringTheMeasurementAreNoError() throws Exception {
    try (RocksHead head = RocksHead.open(dir)) {
      AtomicBoolean stop = new AtomicBoolean();
      Thread churn = new Thread(() -> {
        int i = 0;
        while (!stop.get()) {
          Path f = dir.resolve("LOG.old." + (i++ % 50));
          try {
            Files.write(f, new byte[128]);
            Files.deleteIfExists(f);
          } catch (java.io.IOException e) {
            // the churn itself does not matter
          }
        }
      });
      churn.start();
      try {
        for (int i = 0; i < 2000; i++) {
          assertThat(head.sizeOnDisk()).isPositive();
        }
      } finally {
        stop.set(true);
        churn.join();
      }
    }
  }
}
