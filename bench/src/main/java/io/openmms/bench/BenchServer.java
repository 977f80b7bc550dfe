package io.openmms.bench;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.openmms.common.config.Config;
import io.openmms.server.InitialSetup;
import io.openmms.server.OpenmmsServer;
import io.openmms.server.ServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * One openmms server on a free loopback port, set up as at first start (a group, its agent key
 * and a programmatic API key), over one of the two application databases the benchmark
 * compares: the embedded one (durable H2 store in a temporary data directory) or a stand-in
 * MongoDB (an in-process mongo-java-server with the memory backend, reached through the driver
 * like a production replica set). {@link #close()} stops the server, the stand-in and deletes the
 * data directory.
 */
final class BenchServer implements AutoCloseable {
  /** The application databases compared side by side. */
  enum AppDb {
    EMBEDDED("embedded (H2)"),
    STAND_IN("stand-in MongoDB");

    final String label;

    AppDb(String label) {
      this.label = label;
    }
  }

  final AppDb appDb;
  final OpenmmsServer server;
  final InitialSetup.Credentials credentials;
  final String baseUrl;
  private final MongoServer standIn;
  private final Path dataDir;

  private BenchServer(AppDb appDb, OpenmmsServer server, InitialSetup.Credentials credentials,
      MongoServer standIn, Path dataDir) {
    this.appDb = appDb;
    this.server = server;
    this.credentials = credentials;
    this.baseUrl = "http://127.0.0.1:" + server.httpPort();
    this.standIn = standIn;
    this.dataDir = dataDir;
  }

  static BenchServer start(AppDb appDb) throws IOException {
    Path dataDir = Files.createTempDirectory("openmms-bench-");
    Map<String, String> overrides = new HashMap<>(Map.of(
        ServerSettings.DATA_DIR.key(), dataDir.toString(),
        ServerSettings.HTTP_HOST.key(), "127.0.0.1",
        ServerSettings.HTTP_PORT.key(), "0",
        ServerSettings.ADMIN_PORT.key(), "0",
        ServerSettings.BACKUP_HTTP_PORT.key(), "0"));
    MongoServer standIn = null;
    if (appDb == AppDb.STAND_IN) {
      standIn = new MongoServer(new MemoryBackend());
      overrides.put(ServerSettings.APPDB_URI.key(), standIn.bindAndGetConnectionString());
    }
    OpenmmsServer server = OpenmmsServer.start(Config.of("server", ServerSettings.ALL, overrides),
        Clock.systemUTC(), new SecureRandom());
    var credentials = InitialSetup.ensure(server, "admin", "Bench", "bench-password");
    return new BenchServer(appDb, server, credentials, standIn, dataDir);
  }

  @Override
  public void close() throws Exception {
    try {
      server.close();
    } finally {
      if (standIn != null) {
        standIn.shutdownNow();
      }
      TempDirs.delete(dataDir);
    }
  }
}
