package io.openmms.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.server.store.Collections;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad agent request gets a clear 4xx and stores nothing. */
class IngestBadInputTest {
  @TempDir static Path dir;
  static TestServer ts;
  static ApiClient api;
  static String group;
  static String key;

  @BeforeAll
  static void start() {
    ts = TestServer.start(dir, java.time.Clock.systemUTC(),
        Map.of(ServerSettings.MAX_COMPRESSED_PAYLOAD.key(), "64KB",
            ServerSettings.MAX_PAYLOAD.key(), "256KB", ServerSettings.MAX_SAMPLES.key(), "100"));
    api = new ApiClient(ts.url());
    group = ts.credentials.groupId();
    key = ts.credentials.agentKey();
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  private static long stored() {
    return ts.server.database().collection(Collections.HOSTS).countDocuments()
        + ts.server.database().collection(Collections.MEAS_MINUTE).countDocuments();
  }

  private static void assertRejected(ApiClient.Response r, int status, String code, String detail) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().get("error").asInt()).isEqualTo(status);
    assertThat(r.json().get("errorCode").asText()).isEqualTo(code);
    assertThat(r.json().get("detail").asText()).contains(detail);
    assertThat(stored()).as("nothing stored").isZero();
  }

  private static byte[] one(long ts) throws Exception {
    return Samples.batch("a", 1, List.of(Samples.member("h", 27017, ts, "PRIMARY", 1, 1)));
  }

  @Test
  void wrongKeyUnknownGroupAndNoAuthAreUnauthorised() throws Exception {
    long now = System.currentTimeMillis();
    assertRejected(api.postSamples(group, "not-the-key", one(now), true), 401,
        "INVALID_AGENT_API_KEY", "wrong agent API key");
    assertRejected(api.postSamples("5f0000000000000000000000", key, one(now), true), 401,
        "INVALID_AGENT_API_KEY", "5f0000000000000000000000");
    assertRejected(api.postSamples(null, null, one(now), true), 401, "AGENT_AUTH_REQUIRED",
        "Basic");
  }

  @Test
  void malformedBodiesAreRejectedWithTheReason() throws Exception {
    assertRejected(api.postSamples(group, key, "{not json".getBytes(), true), 400,
        "INVALID_PAYLOAD", "not a valid monitoring batch");
    assertRejected(api.postSamples(group, key,
        "{\"agentId\":\"a\",\"seq\":1,\"samples\":[],\"surprise\":1}".getBytes(), true), 400,
        "INVALID_PAYLOAD", "surprise");
    assertRejected(api.postSamples(group, key, "garbage".getBytes(), false) , 400,
        "INVALID_PAYLOAD", "not a valid");
    byte[] notGzip = "plainly not gzip".getBytes();
    var r = api.postSamples(group, key, notGzip, false);
    assertThat(r.status()).isEqualTo(400);
  }

  @Test
  void invalidFieldsAreNamed() throws Exception {
    long now = System.currentTimeMillis();
    assertRejected(api.postSamples(group, key, Samples.batch("a", 1,
        List.of(Samples.member("h", 70000, now, "PRIMARY", 1, 1))), true), 400,
        "INVALID_PAYLOAD", "samples[0].port");
    assertRejected(api.postSamples(group, key, Samples.batch("a", 1,
        List.of(Samples.member("bad host!", 1, now, "PRIMARY", 1, 1))), true), 400,
        "INVALID_PAYLOAD", "samples[0].hostname");
    assertRejected(api.postSamples(group, key, one(now + 3_600_000), true), 400,
        "INVALID_PAYLOAD", "in the future");
    assertRejected(api.postSamples(group, key, Samples.batch("a", 1,
        List.of(Samples.member("h", 1, now, "PRIMARY", 1, 1),
            Samples.member("h", 1, now, "KING", 1, 1))), true), 400,
        "INVALID_PAYLOAD", "samples[1].role");
    String negative = new String(Samples.batch("a", 1, List.of(Samples.member("h", 1, now,
        "PRIMARY", 5, 1))), StandardCharsets.UTF_8).replace("\"OPCOUNTER_INSERT\":5",
        "\"OPCOUNTER_INSERT\":-5");
    assertRejected(api.postSamples(group, key, negative.getBytes(), true), 400,
        "INVALID_PAYLOAD", "OPCOUNTER_INSERT");
  }

  @Test
  void oversizedPayloadsAndDecompressionBombsAre413() throws Exception {
    long now = System.currentTimeMillis();
    var many = new java.util.ArrayList<io.openmms.common.wire.HostSample>();
    for (int i = 0; i < 101; i++) {
      many.add(Samples.member("h" + i, 1, now, "PRIMARY", 1, 1));
    }
    assertRejected(api.postSamples(group, key, Samples.batch("a", 1, many), true), 413,
        "TOO_MANY_SAMPLES", "at most 100");
    byte[] bomb = new byte[4 << 20];
    java.util.Arrays.fill(bomb, (byte) ' ');
    assertRejected(api.postSamples(group, key, bomb, true), 413, "PAYLOAD_TOO_LARGE",
        "decompressed");
    byte[] random = new byte[200_000];
    new java.util.Random(1).nextBytes(random);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(random);
    }
    var r = api.postSamples(group, key, random, false);
    assertRejected(r, 413, "PAYLOAD_TOO_LARGE", "on the wire");
  }
}
