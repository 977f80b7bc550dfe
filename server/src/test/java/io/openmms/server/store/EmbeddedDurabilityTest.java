package io.openmms.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded application database must keep every write it acknowledged when its process is
 * killed with SIGKILL (mongo-java-server's H2 backend alone commits only about once a second).
 */
class EmbeddedDurabilityTest {
  @TempDir Path dir;

  @Test
  void killNineLosesNoAcknowledgedWrite() throws Exception {
    for (int round = 0; round < 3; round++) {
      int lastAcked = writeUntilKilled(150 + round * 37);
      try (EmbeddedMongo db = EmbeddedMongo.start(dir, 0);
          var client = MongoClients.create(db.connectionString())) {
        var coll = client.getDatabase("openmms").getCollection("acked");
        assertThat(coll.countDocuments(Filters.lte("_id", lastAcked)))
            .as("round %d: every acknowledged insert up to %d survives kill -9", round, lastAcked)
            .isEqualTo(lastAcked + 1L);
        coll.deleteMany(new org.bson.Document());
      }
    }
  }

  /** Runs the writer in a child JVM, SIGKILLs it after {@code n} acks, returns the last ack seen. */
  private int writeUntilKilled(int n) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        EmbeddedWriter.class.getName(), dir.toString())).redirectErrorStream(true).start();
    int last = -1;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("acked ")) {
          last = Integer.parseInt(line.substring(6).trim());
          if (last >= n) {
            p.destroyForcibly();
            break;
          }
        }
      }
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(last).as("the writer made progress").isGreaterThanOrEqualTo(n);
    return last;
  }
}
