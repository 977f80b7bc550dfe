package io.openmms.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Everything the server stored on the embedded database is there after a restart. */
class PersistenceTest {
  @TempDir Path dir;

  @Test
  void hostsMeasurementsAndKeysSurviveARestart() throws Exception {
    InitialSetup.Credentials c;
    long t = System.currentTimeMillis() - 30_000;
    try (TestServer first = TestServer.start(dir)) {
      c = first.credentials;
      var api = new ApiClient(first.url());
      var r = api.postSamples(c.groupId(), c.agentKey(), Samples.batch("a", 1, List.of(
          Samples.member("db1", 27017, t, "PRIMARY", 100, 10),
          Samples.member("db1", 27017, t + 10_000, "PRIMARY", 200, 20))), true);
      assertThat(r.status()).isEqualTo(200);
    }
    try (TestServer second = TestServer.start(dir)) {
      assertThat(second.credentials).as("no second initial set-up").isNull();
      var api = new ApiClient(second.url());
      var hosts = api.getDigest("/api/public/v1.0/groups/" + c.groupId() + "/hosts",
          c.publicKey(), c.privateKey());
      assertThat(hosts.status()).isEqualTo(200);
      assertThat(hosts.json().get("totalCount").asInt()).isEqualTo(1);
      String hostId = hosts.json().get("results").get(0).get("id").asText();
      var m = api.getDigest("/api/public/v1.0/groups/" + c.groupId() + "/hosts/" + hostId
          + "/measurements?granularity=PT1M&period=PT1H&m=OPCOUNTER_INSERT", c.publicKey(),
          c.privateKey());
      assertThat(m.json().get("measurements").get(0).get("dataPoints").get(0).get("value")
          .asDouble()).isEqualTo(10.0);
      // the agent key still works and the host's last sample is remembered: a resend is a duplicate
      var resend = api.postSamples(c.groupId(), c.agentKey(), Samples.batch("a", 1, List.of(
          Samples.member("db1", 27017, t + 10_000, "PRIMARY", 200, 20))), true);
      assertThat(resend.json().get("duplicates").asInt()).isEqualTo(1);
    }
  }
}
