package io.openmms.agent.backup;

import io.openmms.common.util.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The backup agent's HTTP client of the Backup HTTP service (docs/backup-protocol.md): reads
 * assignments, posts data batches and resync requests, authenticated with HTTP Basic
 * {@code groupId:agentApiKey}. HTTPS certificates and host names are verified; the key never
 * appears in a log line or exception message. Thread-safe.
 */
final class BackupClient implements AutoCloseable {
  static final String ASSIGNMENTS_PATH = "/backup/api/v1/assignments";
  static final String STREAM_TYPE = "application/x-openmms-bson-stream";

  private final HttpClient http;
  private final String base;
  private final String authorization;
  private final Duration timeout;

  /**
   * @param serverUrl already checked by {@link io.openmms.agent.ship.ServerEndpoint}
   * @param sslContext trust for HTTPS, or {@code null} for the JDK default
   */
  BackupClient(URI serverUrl, String groupId, String apiKey, SSLContext sslContext,
      Duration timeout) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    if (sslContext != null) {
      b.sslContext(sslContext);
    }
    this.http = b.build();
    this.base = serverUrl.toString().replaceAll("/+$", "");
    this.authorization = "Basic " + Base64.getEncoder().encodeToString(
        (groupId + ":" + apiKey).getBytes(StandardCharsets.UTF_8));
    this.timeout = timeout;
  }

  /** The current assignments; throws with the status and the service's detail on any failure. */
  Assignment.Answer assignments() throws IOException, InterruptedException {
    HttpRequest request = request(ASSIGNMENTS_PATH).header("Accept", "application/json")
        .GET().build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      PostResult r = PostResult.of(response.statusCode(), response.body());
      throw new IOException("GET " + base + ASSIGNMENTS_PATH + " answered HTTP "
          + response.statusCode() + ": " + r.detail());
    }
    try {
      return Assignment.parse(Json.mapper().readTree(response.body()));
    } catch (IllegalArgumentException e) {
      throw new IOException("GET " + base + ASSIGNMENTS_PATH + ": " + e.getMessage(), e);
    }
  }

  /** Posts one gzip BSON stream to {@code /backups/{backupId}/batches}. */
  PostResult postBatch(String backupId, byte[] gzippedStream) throws InterruptedException {
    HttpRequest request = request(backupPath(backupId, "batches"))
        .header("Content-Type", STREAM_TYPE).header("Content-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofByteArray(gzippedStream)).build();
    return send(request);
  }

  /** Posts {@code {"reason": ...}} to {@code /backups/{backupId}/resync}. */
  PostResult resync(String backupId, String reason) throws InterruptedException {
    byte[] body;
    try {
      body = Json.mapper().writeValueAsBytes(Map.of("reason", reason));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest request = request(backupPath(backupId, "resync"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return send(request);
  }

  private PostResult send(HttpRequest request) throws InterruptedException {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return PostResult.of(r.statusCode(), r.body());
    } catch (IOException e) {
      return PostResult.of(e);
    }
  }

  private static String backupPath(String backupId, String what) {
    return "/backup/api/v1/backups/" + URLEncoder.encode(backupId, StandardCharsets.UTF_8)
        + "/" + what;
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
        .header("Authorization", authorization);
  }

  String endpoint() {
    return base;
  }

  @Override
  public void close() {
    http.shutdownNow();
    http.close();
  }

  @Override
  public String toString() {
    return "BackupClient[" + base + "]";
  }
}
