package io.openmms.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.openmms.common.util.Json;
import io.openmms.daemon.head.RocksHead;
import io.openmms.testkit.ReplicaSetStandIn;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery of the whole backup path with real processes. The test JVM holds the stand-in
 * replica set and drives a varied workload; the server (with its embedded application
 * database), the backup daemon and the agent (monitoring and backup) each run in their own JVM.
 * Once the head is STEADY, each of them is killed with SIGKILL at a random moment and restarted,
 * twice each — the agent, then the daemon, then the server — and after every restart the head
 * must catch up with the source again. Killing the server must not lose an acknowledged batch
 * (its embedded database commits before it answers), and the agent and daemon must ride
 * through its absence. In the end the head equals the source document by document, with the
 * same collections and indexes, and no resync was needed (the stand-in's oplog is not capped).
 *
 * <p>The moments come from a seeded {@link Random}; the seed is printed, and
 * {@code -Dcrash.seed=N} replays it. On failure the tails of the children's logs are printed.
 */
class CrashRecoveryTest {
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration CATCH_UP = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final List<ChildJvm> children = new ArrayList<>();
  private final long begin = System.nanoTime();
  private int httpPort;
  private int backupPort;
  private int adminPort;
  private int appdbPort;
  private Properties creds;
  private String clusterId;
  private MongoClient appdb;

  @Test
  void killingAgentDaemonAndServerAtRandomMomentsLosesNothingAndTheHeadEqualsTheSource()
      throws Throwable {
    long seed = Long.getLong("crash.seed", System.nanoTime());
    System.out.println("CrashRecoveryTest seed " + seed + " (replay: -Dcrash.seed=" + seed + ")");
    pickPorts();
    try (ReplicaSetStandIn rs = ReplicaSetStandIn.start("rs0", 3)) {
      run(rs, new Random(seed));
    } catch (Throwable t) {
      for (ChildJvm c : children) {
        System.out.println("----- the end of " + c.name() + ".log\n" + c.tail(80));
      }
      throw new AssertionError("crash test failed with seed " + seed + ": " + t.getMessage(), t);
    } finally {
      for (ChildJvm c : children) {
        c.close();
      }
      if (appdb != null) {
        appdb.close();
      }
    }
  }

  private void run(ReplicaSetStandIn rs, Random random) throws Exception {
    CrashWorkload.seed(rs.client());
    ChildJvm server = child("server", "openmms server is running at", serverArgs());
    server.start(START);
    creds = readCredentials();
    appdb = MongoClients.create(MongoClientSettings.builder().applyConnectionString(
        new ConnectionString("mongodb://127.0.0.1:" + appdbPort)).applyToClusterSettings(
            b -> b.serverSelectionTimeout(2, TimeUnit.SECONDS)).build());
    ChildJvm daemon = child("daemon", "is running (admin port", daemonArgs());
    ChildJvm agent = child("agent", "is running; stop it", agentArgs(rs));
    daemon.launch();
    agent.launch();
    daemon.awaitReady(START);
    agent.awaitReady(START);
    log("server, daemon and agent are up");
    String syncId;
    try (CrashWorkload workload = CrashWorkload.start(rs.client(), random.nextLong())) {
      clusterId = await("monitoring discovers rs0", START, this::clusterId);
      JsonNode patched = api("PATCH", "/backupConfigs/" + clusterId, "{\"statusName\":\"STARTED\"}");
      assertThat(patched).as("PATCH backupConfigs/" + clusterId).isNotNull();
      await("the head is STEADY after the initial sync", Duration.ofSeconds(90),
          () -> "STEADY".equals(headStatus().path("state").asText()) ? true : null);
      syncId = backup().getString("syncId");
      log("backup started, head STEADY, sync " + syncId);
      for (ChildJvm victim : List.of(agent, agent, daemon, daemon, server, server)) {
        Thread.sleep(500 + random.nextInt(2500));
        crashAndRecover(victim, server, rs, random);
      }
      Thread.sleep(1000);
      workload.close();
      assertThat(workload.failures()).as("failed source writes").isZero();
      log("workload stopped after " + workload.operations() + " writes");
    }
    BsonTimestamp[] reached = new BsonTimestamp[1];
    await("the head reaches the source's last oplog entry", Duration.ofSeconds(90), () -> {
      BsonTimestamp applied = appliedTs();
      reached[0] = applied;
      return applied != null && applied.equals(rs.oplogLastTs()) ? true : null;
    });
    log("the head reached " + reached[0]);
    assertNoResync(syncId, rs);
    stopGracefully(dir.resolve("daemon/daemon-admin.properties"));
    assertThat(daemon.awaitExit(Duration.ofSeconds(30))).as("the daemon exits after stop").isTrue();
    try (RocksHead head = RocksHead.open(dir.resolve("daemon/heads/" + clusterId + "/db"))) {
      assertThat(head.position().orElseThrow().ts()).isGreaterThanOrEqualTo(reached[0]);
      io.openmms.daemon.service.HeadAssertions.assertSameContent(rs.client(), head);
    }
    log("the head equals the source");
  }

  /** Kills one component at once, restarts it after a random pause and waits for the head. */
  private void crashAndRecover(ChildJvm victim, ChildJvm server, ReplicaSetStandIn rs,
      Random random) throws Exception {
    long ackedBefore = victim == server ? backup().get("lastSeq", Number.class).longValue() : -1;
    log("kill -9 " + victim.name() + (ackedBefore < 0 ? "" : " (acknowledged seq "
        + ackedBefore + ")"));
    victim.kill();
    Thread.sleep(random.nextInt(1500));
    victim.start(START);
    log(victim.name() + " is up again; " + progress());
    if (victim == server) {
      long after = await("the restarted server's database answers", START,
          () -> backup().get("lastSeq", Number.class).longValue());
      assertThat(after).as("acknowledged seq after the server's restart").isGreaterThanOrEqualTo(
          ackedBefore);
    }
    BsonTimestamp target = rs.oplogLastTs();
    await("after restarting the " + victim.name() + " the head catches up with "
        + target, CATCH_UP, () -> {
          BsonTimestamp applied = appliedTs();
          return applied != null && applied.compareTo(target) >= 0 ? true : null;
        });
    log("the head caught up with " + target + "; " + progress());
    for (ChildJvm c : children) {
      assertThat(c.alive()).as(c.name() + " rode through the " + victim.name() + "'s crash")
          .isTrue();
    }
  }

  /** Batches acknowledged and applied so far, for the log. */
  private String progress() {
    try {
      Document head = appdb.getDatabase("openmms").getCollection("heads")
          .find(Filters.eq("_id", clusterId)).first();
      return "batches acknowledged " + backup().get("lastSeq") + ", applied "
          + (head == null ? null : head.get("appliedSeq"));
    } catch (RuntimeException e) {
      return "batches unknown (" + e.getMessage() + ")";
    }
  }

  /** {@code POST /shutdown} on a component's admin port, as {@code openmms stop} does. */
  private void stopGracefully(Path adminFile) throws Exception {
    Properties admin = new Properties();
    try (var r = Files.newBufferedReader(adminFile)) {
      admin.load(r);
    }
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + admin.getProperty("port") + "/shutdown")).header("X-OpenMMS-Admin-Token",
        admin.getProperty("token")).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /**
   * No resync: the source oplog was never capped past the sync's start, so a gap could only
   * come from a lost position, which must not happen.
   */
  private void assertNoResync(String syncId, ReplicaSetStandIn rs) throws Exception {
    Document b = backup();
    assertThat(rs.oplogFirstTs()).as("the source oplog still reaches back to the sync's start")
        .isLessThanOrEqualTo(b.get("syncStartTs", BsonTimestamp.class));
    assertThat(b.getString("syncId")).as("sync id (a new one means a resync)").isEqualTo(syncId);
    assertThat(b.getString("state")).isEqualTo("TAILING");
    assertThat(b.get("resyncReason")).as("resync reason").isNull();
    JsonNode head = headStatus();
    assertThat(head.path("state").asText()).as("head %s", head).isEqualTo("STEADY");
    assertThat(head.path("reason").isMissingNode() || head.path("reason").isNull())
        .as("head failure reason in %s", head).isTrue();
  }

  // ---- the children

  private ChildJvm child(String name, String readyLine, List<String> args) {
    ChildJvm c = new ChildJvm(name, dir.resolve(name + ".log"), readyLine, args);
    children.add(c);
    return c;
  }

  private List<String> serverArgs() {
    return List.of("server", "--data-dir", dir.resolve("server").toString(),
        "--port", Integer.toString(httpPort), "-D", "server.http.host=127.0.0.1",
        "-D", "server.backup.http.host=127.0.0.1", "-D", "server.backup.http.port=" + backupPort,
        "-D", "server.admin.port=" + adminPort, "-D", "server.appdb.embedded.port=" + appdbPort);
  }

  private List<String> daemonArgs() {
    return List.of("daemon", "--appdb-uri", "mongodb://127.0.0.1:" + appdbPort,
        "--head-dir", dir.resolve("daemon/heads").toString(),
        "-D", "daemon.data.dir=" + dir.resolve("daemon"), "-D", "daemon.id=crash-test-daemon",
        "-D", "daemon.admin.port=0", "-D", "daemon.lease.duration=15s",
        "-D", "daemon.poll.interval=200ms");
  }

  private List<String> agentArgs(ReplicaSetStandIn rs) {
    return List.of("agent", "--seed", rs.seedList(), "--server", "http://127.0.0.1:" + httpPort,
        "--group", creds.getProperty("groupId"), "--api-key", creds.getProperty("agentApiKey"),
        "--data-dir", dir.resolve("agent").toString(), "-D", "agent.poll.interval=1s",
        "-D", "agent.backup.enabled=true",
        "-D", "agent.backup.server.url=http://127.0.0.1:" + backupPort,
        "-D", "agent.backup.retry.initial=100ms", "-D", "agent.backup.retry.max=1s",
        "-D", "agent.send.retry.max=2s");
  }

  private void pickPorts() throws IOException {
    int[] ports = new int[4];
    List<ServerSocket> open = new ArrayList<>();
    try {
      for (int i = 0; i < ports.length; i++) {
        ServerSocket s = new ServerSocket(0);
        open.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : open) {
        s.close();
      }
    }
    httpPort = ports[0];
    backupPort = ports[1];
    adminPort = ports[2];
    appdbPort = ports[3];
  }

  private Properties readCredentials() throws IOException {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(dir.resolve("server/initial-credentials.properties"))) {
      p.load(r);
    }
    return p;
  }

  // ---- reading the service

  private String clusterId() {
    JsonNode list = api("GET", "/backupConfigs", null);
    if (list == null) {
      return null;
    }
    for (JsonNode c : list.path("results")) {
      if ("rs0".equals(c.path("clusterName").asText())) {
        return c.get("clusterId").asText();
      }
    }
    return null;
  }

  /** The head status from the public API, or a missing node while the server is down. */
  private JsonNode headStatus() {
    JsonNode h = api("GET", "/backupConfigs/" + clusterId + "/head", null);
    return h == null ? Json.mapper().missingNode() : h;
  }

  private BsonTimestamp appliedTs() {
    JsonNode ts = headStatus().path("lastAppliedTs");
    return ts.isObject() ? new BsonTimestamp(ts.get("time").asInt(), ts.get("inc").asInt())
        : null;
  }

  /** This backup's record in the application database (read directly, as an operator could). */
  private Document backup() {
    return appdb.getDatabase("openmms").getCollection("backups")
        .find(Filters.eq("_id", clusterId)).first();
  }

  /** A public API call in the group, as the owner; null on any failure (for polling). */
  private JsonNode api(String method, String pathInGroup, String body) {
    String auth = "Basic " + Base64.getEncoder().encodeToString((creds.getProperty("publicKey")
        + ":" + creds.getProperty("privateKey")).getBytes(StandardCharsets.UTF_8));
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + httpPort + "/api/public/v1.0/groups/" + creds.getProperty("groupId") + pathInGroup))
          .timeout(Duration.ofSeconds(10)).header("Authorization", auth)
          .header("Content-Type", "application/json").method(method, body == null
              ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
          .build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Json.mapper().readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Polls {@code value} until it gives non-null, at most {@code max}; exceptions count as null. */
  private <T> T await(String what, Duration max, Callable<T> value) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        T v = value.call();
        if (v != null) {
          return v;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Not within " + max.toSeconds() + " s: " + what
        + (last == null ? "" : " (last error: " + last + ")"));
  }

  private void log(String what) {
    System.out.printf("CrashRecoveryTest %6.1f s: %s%n", (System.nanoTime() - begin) / 1e9, what);
  }

  // ---- the comparison (as FullChainTest)
}
