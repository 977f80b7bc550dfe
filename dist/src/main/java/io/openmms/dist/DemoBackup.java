package io.openmms.dist;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.agent.backup.BackupAgent;
import io.openmms.common.util.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's backup switch: on a background thread, waits until monitoring has discovered the
 * demo's replica set, starts its backup through the public API as a user would ({@code PATCH
 * backupConfigs/{clusterId}} with {@code statusName} STARTED, unless it is already started) and
 * with snapshots every 15 minutes ({@code PATCH .../snapshotSchedule}), and then starts the
 * backup agent, whose first request for assignments then finds it. Start-up of
 * the demo does not wait for any of it. {@link #close()} stops the thread and the backup agent.
 */
final class DemoBackup implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DemoBackup.class);
  private static final Duration RETRY = Duration.ofSeconds(1);

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String groupUrl;
  private final String auth;
  private final String replicaSetName;
  private final BackupAgent agent;
  private final Thread thread = new Thread(this::run, "openmms-demo-backup");
  private boolean closed;

  /**
   * @param creds the demo's credentials ({@code url}, {@code groupId}, {@code publicKey},
   *     {@code privateKey})
   */
  DemoBackup(Map<String, String> creds, String replicaSetName, BackupAgent agent) {
    this.groupUrl = creds.get("url") + "/api/public/v1.0/groups/" + creds.get("groupId");
    this.auth = "Basic " + Base64.getEncoder().encodeToString((creds.get("publicKey") + ":"
        + creds.get("privateKey")).getBytes(StandardCharsets.UTF_8));
    this.replicaSetName = replicaSetName;
    this.agent = agent;
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    LOG.info("Demo: the backup of {} starts once monitoring has discovered it", replicaSetName);
    boolean warned = false;
    while (!isClosed()) {
      try {
        if (enable()) {
          if (startAgent()) {
            LOG.info("Demo: backup agent started; it copies {} and then ships its oplog",
                replicaSetName);
          }
          return;
        }
      } catch (IOException | RuntimeException e) {
        if (!warned) {
          LOG.warn("Demo: cannot start the backup of {} yet ({}); retrying", replicaSetName,
              e.toString());
          warned = true;
        }
      } catch (InterruptedException e) {
        return;
      }
      try {
        Thread.sleep(RETRY.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Starts the replica set's backup; false while monitoring has not discovered it yet. */
  private boolean enable() throws IOException, InterruptedException {
    JsonNode config = null;
    for (JsonNode c : send("GET", "/backupConfigs", null).path("results")) {
      if (replicaSetName.equals(c.path("clusterName").asText())) {
        config = c;
      }
    }
    if (config == null) {
      return false;
    }
    String clusterId = config.get("clusterId").asText();
    if ("STARTED".equals(config.path("statusName").asText())) {
      LOG.info("Demo: the backup of {} (cluster {}) is already started", replicaSetName,
          clusterId);
      return true;
    }
    send("PATCH", "/backupConfigs/" + clusterId, "{\"statusName\": \"STARTED\"}");
    LOG.info("Demo: started the backup of {} (cluster {}) with PATCH {}/backupConfigs/{}",
        replicaSetName, clusterId, groupUrl, clusterId);
    // the first snapshot follows the initial sync; then one every 15 minutes (the shortest)
    send("PATCH", "/backupConfigs/" + clusterId + "/snapshotSchedule",
        "{\"snapshotIntervalMinutes\": 15}");
    LOG.info("Demo: snapshots of {} every 15 minutes; list them with GET {}/clusters/{}/snapshots",
        replicaSetName, groupUrl, clusterId);
    return true;
  }

  private JsonNode send(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(groupUrl + path))
        .timeout(Duration.ofSeconds(30)).header("Authorization", auth)
        .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(method + " " + path + " answered HTTP " + r.statusCode() + ": "
          + r.body());
    }
    return Json.mapper().readTree(r.body());
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  private synchronized boolean startAgent() {
    if (!closed) {
      agent.start();
    }
    return !closed;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    agent.close();
  }
}
