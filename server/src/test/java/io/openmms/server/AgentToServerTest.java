package io.openmms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.common.config.Config;
import io.openmms.server.store.Collections;
import io.openmms.testkit.ReplicaSetStandIn;
import io.openmms.testkit.Workload;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent against the real server and a stand-in replica set, through outages: the server
 * stopped and restarted, the agent restarted. Every sample the agent took is stored exactly once.
 */
class AgentToServerTest {
  @TempDir Path serverDir;
  @TempDir Path agentDir;

  private MonitoringAgent agent(String url, InitialSetup.Credentials c, ReplicaSetStandIn rs) {
    Map<String, String> m = new HashMap<>();
    m.put(AgentSettings.SERVER_URL.key(), url);
    m.put(AgentSettings.GROUP_ID.key(), c.groupId());
    m.put(AgentSettings.API_KEY.key(), c.agentKey());
    m.put(AgentSettings.MONGO_SEED.key(), rs.seedList());
    m.put(AgentSettings.POLL_INTERVAL.key(), "1s");
    m.put(AgentSettings.DATA_DIR.key(), agentDir.toString());
    m.put(AgentSettings.SEND_RETRY_INITIAL.key(), "50ms");
    m.put(AgentSettings.SEND_RETRY_MAX.key(), "500ms");
    return new MonitoringAgent(Config.of("agent", AgentSettings.ALL, m), Clock.systemUTC());
  }

  /** Stored sample points per host name. */
  private static Map<String, Integer> storedPoints(TestServer ts) {
    Map<String, String> names = new HashMap<>();
    ts.server.database().collection(Collections.HOSTS).find()
        .forEach(h -> names.put(h.getString("_id"), h.getString("hostname") + ":" + h.get("port")));
    Map<String, Integer> points = new HashMap<>();
    ts.server.database().collection(Collections.MEAS_MINUTE).find().forEach(d -> points.merge(
        names.get(d.getString("h")), d.get("p", Document.class).size(), Integer::sum));
    return points;
  }

  @Test
  void noSampleIsLostOrDuplicatedAcrossAServerOutageAndAnAgentRestart() throws Exception {
    try (ReplicaSetStandIn rs = ReplicaSetStandIn.start("rs0", 3);
        Workload w = Workload.start(rs.client(), "app", 50)) {
      TestServer ts = TestServer.start(serverDir);
      InitialSetup.Credentials c = ts.credentials;
      int port = ts.server.httpPort();
      String url = ts.url();
      MonitoringAgent agent = agent(url, c, rs);
      agent.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> agent.sentBatches() >= 3);

      ts.close(); // outage: the agent spools
      long sentBeforeOutage = agent.sentBatches();
      await().atMost(Duration.ofSeconds(20)).until(() -> agent.spooledBatches() >= 3);
      agent.close(); // and the agent restarts while the service is down
      MonitoringAgent again = agent(url, c, rs);
      again.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> again.spooledBatches() >= 5);

      ts = TestServer.start(serverDir, Clock.systemUTC(),
          Map.of(ServerSettings.HTTP_PORT.key(), Integer.toString(port)));
      await().atMost(Duration.ofSeconds(30)).until(() -> again.spooledBatches() == 0);
      again.close();
      assertThat(sentBeforeOutage).isGreaterThanOrEqualTo(3);

      // Each batch holds one poll: one sample per member. The poll that was in flight when the
      // agent closed may be missing from the spool; everything spooled or sent must be stored once.
      Map<String, Integer> points = storedPoints(ts);
      assertThat(points).hasSize(3);
      int polls = points.values().iterator().next();
      assertThat(points.values()).as("every host has the same number of stored polls")
          .allMatch(n -> n == polls);
      long timestamps = ts.server.database().collection(Collections.MEAS_MINUTE).find()
          .into(new java.util.ArrayList<>()).stream()
          .mapToLong(d -> d.get("p", Document.class).size()).sum();
      assertThat(timestamps).isEqualTo(3L * polls);
      assertThat(polls).as("polls before, during and after the outage")
          .isGreaterThanOrEqualTo((int) sentBeforeOutage + 5);
      ts.close();
    }
  }
}
