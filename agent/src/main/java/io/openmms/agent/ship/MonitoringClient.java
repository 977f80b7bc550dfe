package io.openmms.agent.ship;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;

/**
 * Posts gzip-compressed {@link io.openmms.common.wire.MonitoringBatch} JSON to the service's
 * {@code /agents/api/monitoring/v1/samples}, authenticated with HTTP Basic
 * {@code groupId:apiKey}. HTTPS certificates and host names are verified. Thread-safe.
 */
public final class MonitoringClient implements AutoCloseable {
  public static final String SAMPLES_PATH = "/agents/api/monitoring/v1/samples";

  private final HttpClient http;
  private final URI endpoint;
  private final String authorization;
  private final Duration timeout;

  /**
   * @param serverUrl the service's base URL, already checked by {@link ServerEndpoint}
   * @param sslContext trust for HTTPS, or {@code null} for the JDK default
   */
  public MonitoringClient(URI serverUrl, String groupId, String apiKey, SSLContext sslContext,
      Duration timeout) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    if (sslContext != null) {
      b.sslContext(sslContext);
    }
    this.http = b.build();
    String base = serverUrl.toString().replaceAll("/+$", "");
    this.endpoint = URI.create(base + SAMPLES_PATH);
    this.authorization = "Basic " + Base64.getEncoder().encodeToString(
        (groupId + ":" + apiKey).getBytes(StandardCharsets.UTF_8));
    this.timeout = timeout;
  }

  /** Sends one already gzip-compressed batch and classifies the answer. */
  public SendResult send(byte[] gzippedJson) throws InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .header("Authorization", authorization)
        .POST(HttpRequest.BodyPublishers.ofByteArray(gzippedJson))
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return SendResult.of(response.statusCode(), response.body());
    } catch (IOException e) {
      return SendResult.of(e);
    }
  }

  public URI endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    http.shutdownNow();
    http.close();
  }

  @Override
  public String toString() {
    return "MonitoringClient[" + endpoint + "]";
  }
}
