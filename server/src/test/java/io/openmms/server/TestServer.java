package io.openmms.server;

import io.openmms.common.config.Config;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** Starts a real server (embedded application database, free ports) in a directory, for tests. */
public final class TestServer implements AutoCloseable {
  public final OpenmmsServer server;
  public final InitialSetup.Credentials credentials;
  public final Path dataDir;

  private TestServer(OpenmmsServer server, InitialSetup.Credentials credentials, Path dataDir) {
    this.server = server;
    this.credentials = credentials;
    this.dataDir = dataDir;
  }

  public static TestServer start(Path dataDir, Clock clock, Map<String, String> extra) {
    TestServer t = startEmpty(dataDir, clock, extra);
    InitialSetup.Credentials c = InitialSetup.ensure(t.server, "admin", "Test Group",
        "s3cret-Passw0rd");
    return new TestServer(t.server, c, dataDir);
  }

  /** A server without any user, as after installation (for sign-up tests). */
  public static TestServer startEmpty(Path dataDir, Clock clock, Map<String, String> extra) {
    Map<String, String> o = new HashMap<>();
    o.put(ServerSettings.DATA_DIR.key(), dataDir.toString());
    o.put(ServerSettings.HTTP_PORT.key(), "0");
    o.put(ServerSettings.HTTP_HOST.key(), "127.0.0.1");
    o.put(ServerSettings.ADMIN_PORT.key(), "0");
    o.put(ServerSettings.BACKUP_HTTP_PORT.key(), "0");
    o.putAll(extra);
    OpenmmsServer s = OpenmmsServer.start(Config.of("server", ServerSettings.ALL, o), clock,
        new SecureRandom());
    return new TestServer(s, null, dataDir);
  }

  public static TestServer start(Path dataDir) {
    return start(dataDir, Clock.systemUTC(), Map.of());
  }

  /**
   * Reports a two-member replica set "m" through the agent API, as a monitoring agent would, and
   * returns its backup configuration (the first of the group's, statusName STOPPED).
   */
  public com.fasterxml.jackson.databind.JsonNode monitoredReplicaSet() throws Exception {
    long t = System.currentTimeMillis();
    ApiClient api = new ApiClient(url());
    int status = api.postSamples(credentials.groupId(), credentials.agentKey(),
        Samples.batch("m", 1, java.util.List.of(Samples.member("db1", 27017, t, "PRIMARY", 1, 1),
            Samples.member("db2", 27017, t, "SECONDARY", 1, 1))), true).status();
    if (status != 200) {
      throw new IllegalStateException("the agent API refused the samples: HTTP " + status);
    }
    return api.getBasic("/api/public/v1.0/groups/" + credentials.groupId() + "/backupConfigs",
        credentials.publicKey(), credentials.privateKey()).json().get("results").get(0);
  }

  public String url() {
    return "http://127.0.0.1:" + server.httpPort();
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
