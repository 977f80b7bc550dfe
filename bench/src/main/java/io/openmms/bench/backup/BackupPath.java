package io.openmms.bench.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.agent.backup.BackupAgent;
import io.openmms.common.config.Config;
import io.openmms.common.util.Json;
import io.openmms.daemon.DaemonSettings;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.service.BackupDaemon;
import io.openmms.server.InitialSetup;
import io.openmms.server.OpenmmsServer;
import io.openmms.server.ServerSettings;
import io.openmms.server.backup.Backups;
import io.openmms.testkit.ReplicaSetStandIn;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The whole backup path in this JVM, wired as {@code FullChainTest} wires it: an openmms server
 * (embedded application database, free ports), a monitoring agent that makes the replica set
 * known, the backup started by a PATCH of its backup configuration through the public API, a
 * backup agent ({@code agent.backup.enabled=true}) and a daemon on the server's database. All
 * settings are the defaults but the ports, the directories and the agents' 1 s assignment and
 * poll intervals (which only shorten the start), and {@code agent.backup.batch.max.documents}
 * when {@code -Dbench.agent.batch.documents} gives it. With {@code -Dbench.appdb=memory} the
 * server and the daemon use an in-process mongo-java-server with the memory backend as their
 * application database instead of the embedded one (durable H2), to show what the path does when
 * the stored batches are cheap to read.
 *
 * <p>The daemon offers its open head only to its own package ({@code BackupDaemon.head}, for
 * tests); the benchmark reads it through reflection to see when a marker document arrives.
 */
final class BackupPath implements AutoCloseable {
  /** System property: the agent's {@code agent.backup.batch.max.documents}, when given. */
  static final String BATCH_DOCUMENTS = "bench.agent.batch.documents";
  /** System property: {@code embedded} (the default) or {@code memory}, see the class comment. */
  static final String APPDB = "bench.appdb";

  private final Path dir;
  private final HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2,
      r -> {
        Thread t = new Thread(r, "bench-http");
        t.setDaemon(true);
        return t;
      })).build();
  final OpenmmsServer server;
  final InitialSetup.Credentials credentials;
  private final Config agentConfig;
  private final de.bwaldvogel.mongo.MongoServer memoryAppDb;
  private final String appDbUri;
  private MonitoringAgent monitoring;
  private BackupAgent agent;
  private BackupDaemon daemon;
  private String clusterId;

  BackupPath(Path dir, ReplicaSetStandIn rs) {
    this.dir = dir;
    Map<String, String> o = new HashMap<>();
    o.put(ServerSettings.DATA_DIR.key(), dir.resolve("server").toString());
    o.put(ServerSettings.HTTP_PORT.key(), "0");
    o.put(ServerSettings.HTTP_HOST.key(), "127.0.0.1");
    o.put(ServerSettings.ADMIN_PORT.key(), "0");
    o.put(ServerSettings.BACKUP_HTTP_PORT.key(), "0");
    if (System.getProperty(APPDB, "embedded").equals("memory")) {
      memoryAppDb = new de.bwaldvogel.mongo.MongoServer(
          new de.bwaldvogel.mongo.backend.memory.MemoryBackend());
      o.put(ServerSettings.APPDB_URI.key(), memoryAppDb.bindAndGetConnectionString());
    } else {
      memoryAppDb = null;
    }
    server = OpenmmsServer.start(Config.of("server", ServerSettings.ALL, o), Clock.systemUTC(),
        new SecureRandom());
    credentials = InitialSetup.ensure(server, "admin", "Bench", "bench-Passw0rd");
    appDbUri = memoryAppDb != null ? o.get(ServerSettings.APPDB_URI.key())
        : server.database().embeddedConnectionString();
    Map<String, String> a = new HashMap<>();
    a.put(AgentSettings.SERVER_URL.key(), url());
    a.put(AgentSettings.BACKUP_SERVER_URL.key(), "http://127.0.0.1:" + server.backupPort());
    a.put(AgentSettings.GROUP_ID.key(), credentials.groupId());
    a.put(AgentSettings.API_KEY.key(), credentials.agentKey());
    a.put(AgentSettings.MONGO_SEED.key(), rs.seedList());
    a.put(AgentSettings.POLL_INTERVAL.key(), "1s");
    a.put(AgentSettings.BACKUP_ASSIGNMENTS_INTERVAL.key(), "1s");
    a.put(AgentSettings.DATA_DIR.key(), dir.resolve("agent").toString());
    a.put(AgentSettings.BACKUP_ENABLED.key(), "true");
    String batchDocuments = System.getProperty(BATCH_DOCUMENTS);
    if (batchDocuments != null) {
      a.put(AgentSettings.BACKUP_BATCH_MAX_DOCUMENTS.key(), batchDocuments);
    }
    agentConfig = Config.of("agent", AgentSettings.ALL, a);
  }

  /**
   * Lets monitoring discover the replica set, then stops the monitoring agent (so its polls do
   * not count against the backup path), starts the daemon, starts the backup through the public
   * API; returns the cluster id (also the replica set's backup id).
   */
  String configure() throws Exception {
    monitoring = new MonitoringAgent(agentConfig, Clock.systemUTC());
    monitoring.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (clusterId == null) {
      JsonNode configs = api("GET", "/backupConfigs", null).get("results");
      if (!configs.isEmpty()) {
        clusterId = configs.get(0).get("clusterId").asText();
      } else if (System.nanoTime() > deadline) {
        throw new IllegalStateException("monitoring did not report the replica set in 60 s");
      } else {
        Thread.sleep(200);
      }
    }
    monitoring.close();
    monitoring = null;
    startDaemon();
    api("PATCH", "/backupConfigs/" + clusterId, "{\"statusName\":\"STARTED\"}");
    return clusterId;
  }

  /** Starts the backup agent: the initial sync begins at its first assignment poll. */
  void startAgent() {
    agent = new BackupAgent(agentConfig, Clock.systemUTC());
    agent.start();
  }

  /** Starts a daemon (again) on the same data and head directories, with the defaults. */
  void startDaemon() {
    Map<String, String> o = new HashMap<>();
    o.put(DaemonSettings.APPDB_URI.key(), appDbUri);
    o.put(DaemonSettings.DATA_DIR.key(), dir.resolve("daemon").toString());
    o.put(DaemonSettings.HEAD_DIR.key(), dir.resolve("daemon").resolve("heads").toString());
    o.put(DaemonSettings.ID.key(), "bench-daemon");
    o.put(DaemonSettings.ADMIN_PORT.key(), "0");
    daemon = BackupDaemon.start(Config.of("daemon", DaemonSettings.ALL, o), Clock.systemUTC());
  }

  /** Stops the daemon: it finishes the batch in progress and releases its lease. */
  void stopDaemon() {
    daemon.close();
    daemon = null;
  }

  /** The service's record of the backup: its acknowledged seq and oplog position. */
  Backups.Backup backup() {
    return server.backups().get(clusterId);
  }

  /** {@code GET .../backupConfigs/{clusterId}/head}. */
  JsonNode headStatus() throws Exception {
    return api("GET", "/backupConfigs/" + clusterId + "/head", null);
  }

  /** The daemon's open head, or {@code null} while it has none. */
  HeadReader head() {
    BackupDaemon d = daemon;
    if (d == null) {
      return null;
    }
    try {
      return (HeadReader) HEAD.invoke(d, clusterId);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final Method HEAD;

  static {
    try {
      HEAD = BackupDaemon.class.getDeclaredMethod("head", String.class);
      HEAD.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private String url() {
    return "http://127.0.0.1:" + server.httpPort();
  }

  private JsonNode api(String method, String pathInGroup, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + "/api/public/v1.0/groups/"
        + credentials.groupId() + pathInGroup)).header("Authorization", "Basic "
        + Base64.getEncoder().encodeToString((credentials.publicKey() + ":"
        + credentials.privateKey()).getBytes(StandardCharsets.UTF_8)));
    if (body == null) {
      b.GET();
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(method + " " + pathInGroup + ": HTTP " + r.statusCode()
          + " " + r.body());
    }
    return Json.mapper().readTree(r.body());
  }

  @Override
  public void close() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (monitoring != null) {
      monitoring.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    server.close();
    if (memoryAppDb != null) {
      memoryAppDb.shutdownNow();
    }
    http.close();
  }
}
