package io.openmms.agent.ship;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.openmms.common.util.Json;
import io.openmms.common.wire.ApiError;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * A stand-in for the service's monitoring ingest endpoint on 127.0.0.1: checks the headers and
 * Basic credentials, decodes the gzip JSON, answers with a scripted status, and records every
 * batch it acknowledged. Can be stopped and restarted on the same port to simulate an outage.
 */
public final class Receiver implements AutoCloseable {
  public static final String GROUP = "group1";
  public static final String KEY = "s3cret-key";

  private final List<MonitoringBatch> acknowledged = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile ToIntFunction<MonitoringBatch> status = b -> 200;
  private HttpServer server;
  private int port;

  public Receiver() throws IOException {
    start(0);
  }

  private synchronized void start(int p) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", p), 0);
    server.createContext(MonitoringClient.SAMPLES_PATH, this::handle);
    server.start();
    port = server.getAddress().getPort();
  }

  /** Simulates an outage: connections are refused until {@link #restart()}. */
  public synchronized void stop() {
    server.stop(0);
  }

  public synchronized void restart() throws IOException {
    start(port);
  }

  /** How to answer each batch (by default 200). */
  public void answer(ToIntFunction<MonitoringBatch> status) {
    this.status = status;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public List<MonitoringBatch> acknowledged() {
    return List.copyOf(acknowledged);
  }

  public List<HostSample> samples() {
    return acknowledged.stream().flatMap(b -> b.samples().stream()).toList();
  }

  public int requests() {
    return requests.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    try (ex) {
      String expectedAuth = "Basic " + Base64.getEncoder().encodeToString(
          (GROUP + ":" + KEY).getBytes(StandardCharsets.UTF_8));
      if (!expectedAuth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        respond(ex, 401, "UNAUTHORIZED", "bad agent API key");
        return;
      }
      if (!"POST".equals(ex.getRequestMethod())
          || !"gzip".equals(ex.getRequestHeaders().getFirst("Content-Encoding"))
          || !"application/json".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
        respond(ex, 415, "UNSUPPORTED", "expected gzip JSON POST");
        return;
      }
      MonitoringBatch batch;
      try {
        batch = BatchCodec.decode(ex.getRequestBody().readAllBytes());
      } catch (IOException e) {
        respond(ex, 400, "INVALID_PAYLOAD", e.getMessage());
        return;
      }
      int code = status.applyAsInt(batch);
      if (code / 100 == 2) {
        acknowledged.add(batch);
        ex.sendResponseHeaders(code, -1);
      } else {
        respond(ex, code, code == 400 ? "INVALID_SAMPLE" : "SCRIPTED",
            "scripted answer " + code + " for batch " + batch.seq());
      }
    }
  }

  private static void respond(HttpExchange ex, int code, String errorCode, String detail)
      throws IOException {
    byte[] body = Json.mapper().writeValueAsBytes(new ApiError(code, errorCode, detail));
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(code, body.length);
    ex.getResponseBody().write(body);
  }

  @Override
  public void close() {
    stop();
  }
}
