package io.openmms.server;

import static org.assertj.core.api.Assertions.assertThat;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Given a mongodb:// connection string the server uses that database, not an embedded one. */
class ExternalAppDbTest {
  @TempDir Path dir;

  @Test
  void aConnectionStringIsUsedInsteadOfTheEmbeddedDatabase() throws Exception {
    MongoServer external = new MongoServer(new MemoryBackend());
    String uri = external.bindAndGetConnectionString();
    try (TestServer ts = TestServer.start(dir, java.time.Clock.systemUTC(),
        Map.of(ServerSettings.APPDB_URI.key(), uri))) {
      var api = new ApiClient(ts.url());
      var r = api.postSamples(ts.credentials.groupId(), ts.credentials.agentKey(),
          Samples.batch("a", 1, List.of(Samples.member("db1", 27017,
              System.currentTimeMillis(), "PRIMARY", 1, 1))), true);
      assertThat(r.status()).isEqualTo(200);
      assertThat(Files.exists(dir.resolve("appdb"))).as("no embedded database").isFalse();
      try (var client = com.mongodb.client.MongoClients.create(uri)) {
        assertThat(client.getDatabase("openmms").getCollection("hosts").countDocuments())
            .isEqualTo(1);
      }
    } finally {
      external.shutdownNow();
    }
  }
}
