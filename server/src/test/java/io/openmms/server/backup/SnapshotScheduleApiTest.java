package io.openmms.server.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openmms.server.ApiClient;
import io.openmms.server.TestServer;
import io.openmms.server.auth.ApiKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET/PATCH groups/{id}/backupConfigs/{clusterId}/snapshotSchedule} on a real server:
 * Ops Manager's defaults, changes that are read back, one point-in-time window shared with the
 * backup configuration, and bad requests that are refused clearly and change nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotScheduleApiTest {
  @TempDir static Path dir;
  static TestServer ts;
  static String group;
  static String clusterId;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    group = ts.credentials.groupId();
    clusterId = ts.monitoredReplicaSet().get("clusterId").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  private static String url(String suffix) {
    return ts.url() + "/api/public/v1.0/groups/" + group + "/backupConfigs/" + clusterId + suffix;
  }

  private static HttpResponse<String> send(String method, String suffix, String body,
      String publicKey, String privateKey) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url(suffix)))
        .header("Authorization", ApiClient.basic(publicKey, privateKey))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode ok(String method, String suffix, String body) throws Exception {
    HttpResponse<String> r = send(method, suffix, body, ts.credentials.publicKey(),
        ts.credentials.privateKey());
    assertThat(r.statusCode()).as(method + " " + suffix + " " + body + ": " + r.body())
        .isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static JsonNode schedule() throws Exception {
    return ok("GET", "/snapshotSchedule", null);
  }

  /** A PATCH that must be refused with 400 and {@code errorCode}; returns the error's detail. */
  private static String refused(String body, String errorCode) throws Exception {
    JsonNode before = schedule();
    HttpResponse<String> r = send("PATCH", "/snapshotSchedule", body,
        ts.credentials.publicKey(), ts.credentials.privateKey());
    assertThat(r.statusCode()).as(body + ": " + r.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(r.body());
    assertThat(error.get("errorCode").asText()).as(body).isEqualTo(errorCode);
    assertThat(schedule()).as("unchanged after " + body).isEqualTo(before);
    return error.get("detail").asText();
  }

  @Test
  @Order(1)
  void aNewClusterHasOpsManagersDefaultSchedule() throws Exception {
    JsonNode s = schedule();
    assertThat(s.get("groupId").asText()).isEqualTo(group);
    assertThat(s.get("clusterId").asText()).isEqualTo(clusterId);
    assertThat(s.get("snapshotIntervalHours").asDouble()).isEqualTo(6);
    assertThat(s.get("snapshotIntervalMinutes").asInt()).isEqualTo(360);
    assertThat(s.get("snapshotRetentionDays").asInt()).isEqualTo(2);
    assertThat(s.get("dailySnapshotRetentionDays").asInt()).isEqualTo(7);
    assertThat(s.get("weeklySnapshotRetentionWeeks").asInt()).isEqualTo(4);
    assertThat(s.get("monthlySnapshotRetentionMonths").asInt()).isEqualTo(13);
    assertThat(s.get("pointInTimeWindowHours").asInt()).isEqualTo(24);
    assertThat(s.get("referenceHourOfDay").asInt()).isEqualTo(0);
    assertThat(s.get("referenceMinuteOfHour").asInt()).isEqualTo(0);
    assertThat(s.get("links").get(0).get("href").asText())
        .endsWith("/backupConfigs/" + clusterId + "/snapshotSchedule");
  }

  @Test
  @Order(2)
  void aPatchedScheduleIsReadBackAndTheClusterStaysStopped() throws Exception {
    JsonNode patched = ok("PATCH", "/snapshotSchedule", "{\"snapshotIntervalHours\": 0.25,"
        + " \"dailySnapshotRetentionDays\": 14, \"referenceHourOfDay\": 3}");
    assertThat(patched.get("snapshotIntervalHours").asDouble()).isEqualTo(0.25);
    JsonNode s = schedule();
    assertThat(s).isEqualTo(patched);
    assertThat(s.get("snapshotIntervalMinutes").asInt()).isEqualTo(15);
    assertThat(s.get("dailySnapshotRetentionDays").asInt()).isEqualTo(14);
    assertThat(s.get("referenceHourOfDay").asInt()).isEqualTo(3);
    assertThat(s.get("snapshotRetentionDays").asInt()).isEqualTo(2);
    assertThat(s.get("monthlySnapshotRetentionMonths").asInt()).isEqualTo(13);
    // setting a schedule does not start a backup
    assertThat(ok("GET", "", null).get("statusName").asText()).isEqualTo("STOPPED");

    // what was read can be sent back (groupId, clusterId and links included)
    ok("PATCH", "/snapshotSchedule", s.toString());
    assertThat(schedule()).isEqualTo(s);
    ok("PATCH", "/snapshotSchedule", "{\"snapshotIntervalMinutes\": 480}");
    assertThat(schedule().get("snapshotIntervalHours").asDouble()).isEqualTo(8);
  }

  @Test
  @Order(3)
  void thePointInTimeWindowIsTheBackupConfigurationsPitWindow() throws Exception {
    ok("PATCH", "/snapshotSchedule", "{\"pointInTimeWindowHours\": 48}");
    assertThat(ok("GET", "", null).get("pitWindowHours").asInt()).isEqualTo(48);
    assertThat(ts.server.backups().pitWindowHours(clusterId)).isEqualTo(48);

    ok("PATCH", "", "{\"statusName\": \"STARTED\", \"pitWindowHours\": 72}");
    assertThat(schedule().get("pointInTimeWindowHours").asInt()).isEqualTo(72);
    assertThat(schedule().get("dailySnapshotRetentionDays").asInt()).isEqualTo(14);
    assertThat(ok("GET", "", null).get("statusName").asText()).isEqualTo("STARTED");
  }

  @Test
  @Order(4)
  void badValuesAreRefusedNamingTheFieldAndChangeNothing() throws Exception {
    assertThat(refused("{\"snapshotIntervalHours\": 0.1}", "INVALID_SNAPSHOT_SCHEDULE"))
        .isEqualTo("snapshotIntervalHours must give an interval from 15 minutes to 24 hours;"
            + " was 0.1 (6 minutes)");
    assertThat(refused("{\"snapshotIntervalMinutes\": 5}", "INVALID_SNAPSHOT_SCHEDULE"))
        .isEqualTo("snapshotIntervalMinutes must be a whole number from 15 to 1440; was 5");
    assertThat(refused("{\"dailySnapshotRetentionDays\": 3, \"snapshotRetentionDays\": -1}",
        "INVALID_SNAPSHOT_SCHEDULE"))
        .isEqualTo("snapshotRetentionDays must be a whole number from 1 to 30; was -1");
    assertThat(refused("{\"monthlySnapshotRetentionMonths\": 1.5}", "INVALID_SNAPSHOT_SCHEDULE"))
        .isEqualTo("monthlySnapshotRetentionMonths must be a whole number from 0 to 36; was 1.5");
    assertThat(refused("{\"pointInTimeWindowHours\": 2161}", "INVALID_SNAPSHOT_SCHEDULE"))
        .contains("pointInTimeWindowHours").contains("2160").contains("2161");
    assertThat(refused("{\"referenceHourOfDay\": \"3\"}", "INVALID_SNAPSHOT_SCHEDULE"))
        .isEqualTo("referenceHourOfDay must be a number; was \"3\"");
    assertThat(refused("{\"snapshotIntervalHours\": 6, \"snapshotIntervalMinutes\": 60}",
        "INVALID_SNAPSHOT_SCHEDULE")).contains("disagree");
    assertThat(refused("{\"dailySnapshotRetentionDays\": 3, \"weeklyDayOfWeek\": 1}",
        "INVALID_ATTRIBUTE")).contains("weeklyDayOfWeek");
    assertThat(refused("{\"clusterId\": \"elsewhere\"}", "INVALID_ATTRIBUTE"))
        .contains("clusterId").contains("elsewhere");
    refused("daily please", "INVALID_JSON");
    refused("[1, 2]", "INVALID_JSON");
    refused("", "INVALID_JSON");
    assertThat(ts.server.backups().pitWindowHours(clusterId)).isEqualTo(72);
  }

  @Test
  @Order(5)
  void aReadOnlyKeyCanReadTheScheduleButNotChangeIt() throws Exception {
    ApiKeys.Created reader = ts.server.apiKeys().create("schedule reader", false,
        Map.of(group, "GROUP_READ_ONLY"));
    JsonNode before = schedule();
    HttpResponse<String> read = send("GET", "/snapshotSchedule", null, reader.publicKey(),
        reader.privateKey());
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(read.body())).isEqualTo(before);
    HttpResponse<String> r = send("PATCH", "/snapshotSchedule",
        "{\"snapshotRetentionDays\": 5}", reader.publicKey(), reader.privateKey());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("GROUP_READ_ONLY");
    assertThat(schedule()).isEqualTo(before);
  }

  @Test
  @Order(6)
  void anUnknownClusterIsNotFound() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(ts.url()
        + "/api/public/v1.0/groups/" + group + "/backupConfigs/nope/snapshotSchedule"))
        .header("Authorization", ApiClient.basic(ts.credentials.publicKey(),
            ts.credentials.privateKey())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("CLUSTER_NOT_FOUND");
  }
}
