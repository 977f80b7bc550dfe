package io.openmms.server.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openmms.server.store.AppDatabase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Download files kept per attempt: a late write by an attempt that lost its job never touches
 * the file the link serves, and ranges read across part boundaries.
 */
class RestoreFilesTest {
  @TempDir Path dir;

  @Test
  void eachAttemptHasItsOwnFileAndAJobsFilesGoTogether() throws IOException {
    try (AppDatabase db = AppDatabase.open(null, "openmms", dir, 0)) {
      RestoreFiles files = new RestoreFiles(db);
      byte[] second = bytes(RestoreFiles.PART + 1234, 2);
      byte[] stale = bytes(RestoreFiles.PART / 2, 1);
      files.write("job1.2", new ByteArrayInputStream(second), n -> { });
      // the paused first attempt wakes up and stores what it had
      files.write("job1.1", new ByteArrayInputStream(stale), n -> { });
      files.write("job10.1", new ByteArrayInputStream(stale), n -> { });

      assertThat(read(files, "job1.2", 0, second.length)).isEqualTo(second);
      long from = RestoreFiles.PART - 10;
      assertThat(read(files, "job1.2", from, 100))
          .isEqualTo(Arrays.copyOfRange(second, (int) from, (int) from + 100));

      assertThat(files.delete("job1.1")).as("the stale attempt's own parts").isEqualTo(1);
      assertThat(read(files, "job1.2", 0, second.length)).isEqualTo(second);
      assertThat(files.delete("job1")).as("every attempt of job1, not job10").isEqualTo(2);
      assertThatThrownBy(() -> read(files, "job1.2", 0, 10)).isInstanceOf(IOException.class)
          .hasMessageContaining("part 0 of restore file job1.2 is missing");
      assertThat(read(files, "job10.1", 0, stale.length)).isEqualTo(stale);
    }
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] read(RestoreFiles files, String fileId, long from, int length)
      throws IOException {
    try (InputStream in = files.open(fileId, from, length)) {
      return in.readAllBytes();
    }
  }
}
