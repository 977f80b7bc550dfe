package io.openmms.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class DaemonCommandTest {
  private static String run(int expectedCode, String... args) {
    var err = new ByteArrayOutputStream();
    var old = System.err;
    System.setErr(new PrintStream(err, true));
    try {
      assertThat(Main.run(args)).isEqualTo(expectedCode);
    } finally {
      System.setErr(old);
    }
    return err.toString();
  }

  @Test
  void withoutTheApplicationDatabaseItRefusesToStartNamingTheSetting() throws Exception {
    String dir = Files.createTempDirectory("daemon").toString();
    assertThat(run(2, "daemon", "-D", "daemon.data.dir=" + dir)).contains("daemon.appdb.uri");
    assertThat(run(2, "daemon", "--appdb-uri", "mongodb://127.0.0.1:1", "-D",
        "daemon.lease.duration=10ms", "-D", "daemon.data.dir=" + dir))
        .contains("daemon.lease.duration").contains("at least");
  }
}
