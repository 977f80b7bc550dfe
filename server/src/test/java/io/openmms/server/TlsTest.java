package io.openmms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.common.config.Config;
import io.openmms.server.store.Collections;
import io.openmms.testkit.ReplicaSetStandIn;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP service over TLS, and the agent verifying its certificate against a CA file. */
class TlsTest {
  @TempDir static Path dir;
  static Path keystore;
  static Path caPem;
  static TestServer ts;
  static ReplicaSetStandIn rs;

  @BeforeAll
  static void start() throws Exception {
    keystore = dir.resolve("server.p12");
    caPem = dir.resolve("server.pem");
    keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit",
        "-keypass", "changeit");
    keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-file", caPem.toString());
    ts = TestServer.start(dir.resolve("server"), Clock.systemUTC(), Map.of(
        ServerSettings.TLS_KEYSTORE.key(), keystore.toString(),
        ServerSettings.TLS_KEYSTORE_PASSWORD.key(), "changeit"));
    rs = ReplicaSetStandIn.start("rs0", 3);
  }

  @AfterAll
  static void stop() throws Exception {
    rs.close();
    ts.close();
  }

  private static void keytool(String... args) throws Exception {
    Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
    List<String> cmd = new java.util.ArrayList<>(List.of(java.resolveSibling("keytool").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  private MonitoringAgent agent(Path data, Path ca) {
    Map<String, String> m = new HashMap<>();
    m.put(AgentSettings.SERVER_URL.key(), "https://127.0.0.1:" + ts.server.httpPort());
    m.put(AgentSettings.GROUP_ID.key(), ts.credentials.groupId());
    m.put(AgentSettings.API_KEY.key(), ts.credentials.agentKey());
    m.put(AgentSettings.MONGO_SEED.key(), rs.seedList());
    m.put(AgentSettings.POLL_INTERVAL.key(), "1s");
    m.put(AgentSettings.DATA_DIR.key(), data.toString());
    if (ca != null) {
      m.put(AgentSettings.SERVER_TLS_CA_FILE.key(), ca.toString());
    }
    return new MonitoringAgent(Config.of("agent", AgentSettings.ALL, m), Clock.systemUTC());
  }

  @Test
  void anAgentThatDoesNotTrustTheCertificateSendsNothingAndOneWithTheCaDelivers() throws Exception {
    MonitoringAgent untrusting = agent(dir.resolve("a1"), null);
    untrusting.start();
    try {
      await().atMost(Duration.ofSeconds(15)).until(() -> untrusting.spooledBatches() >= 3);
      assertThat(untrusting.sentBatches()).as("no batch goes to an unverified server").isZero();
      assertThat(ts.server.database().collection(Collections.HOSTS).countDocuments()).isZero();
    } finally {
      untrusting.close();
    }
    MonitoringAgent trusting = agent(dir.resolve("a2"), caPem);
    trusting.start();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> trusting.sentBatches() >= 2);
      assertThat(ts.server.database().collection(Collections.HOSTS).countDocuments()).isEqualTo(3);
    } finally {
      trusting.close();
    }
  }

  @Test
  void plainHttpIsNotServedOnTheTlsPort() {
    var client = java.net.http.HttpClient.newHttpClient();
    var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        "http://127.0.0.1:" + ts.server.httpPort() + "/api/public/v1.0/groups")).build();
    int status;
    try {
      status = client.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (java.io.IOException | InterruptedException e) {
      status = -1;
    }
    assertThat(status).as("no API answer over plain HTTP").isNotEqualTo(200).isNotEqualTo(401);
  }
}
