package io.openmms.daemon.restore.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Progress of an upload: throttled to ten reports a second, the final count always. */
class SftpProgressTest {
  long nanos;

  @Test
  void reportsAtOnceThenAtMostEveryTenthOfASecondAndAlwaysTheEnd() {
    List<Long> reports = new ArrayList<>();
    SftpProgress progress = new SftpProgress(reports::add, () -> nanos);

    progress.sent(1);
    at(50);
    progress.sent(2);
    at(100);
    progress.sent(3);
    at(199);
    progress.sent(4);
    at(200);
    progress.sent(5);
    progress.done(6);

    assertThat(reports).containsExactly(1L, 3L, 5L, 6L);
  }

  private void at(long millis) {
    nanos = TimeUnit.MILLISECONDS.toNanos(millis);
  }
}
