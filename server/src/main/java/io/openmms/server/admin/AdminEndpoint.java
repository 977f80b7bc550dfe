package io.openmms.server.admin;

import io.javalin.config.JavalinConfig;
import io.openmms.common.util.PrivateFiles;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.HttpService;
import io.openmms.server.http.ServiceMetrics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The localhost-only admin port of a process (SPEC §1): {@code GET /health}, {@code GET /metrics}
 * (Prometheus text), {@code GET /threads} (a thread dump) and {@code POST /shutdown}. Shutdown
 * also requires the token written at start, with the port, to
 * {@code <data-dir>/<component>-admin.properties} (readable only by the owner), so other local
 * users cannot stop the process; {@code openmms stop} reads that file.
 */
public final class AdminEndpoint implements AutoCloseable {
  public static final String TOKEN_HEADER = "X-OpenMMS-Admin-Token";
  private final HttpService http;
  private final Path tokenFile;

  private AdminEndpoint(HttpService http, Path tokenFile) {
    this.http = http;
    this.tokenFile = tokenFile;
  }

  /**
   * Starts the endpoint on 127.0.0.1.
   *
   * @param health returns the health report; throws when unhealthy
   * @param shutdown asked to stop the process (called on a separate thread)
   */
  public static AdminEndpoint start(String component, int port, Path dataDir, String token,
      ServiceMetrics metrics, Supplier<Map<String, Object>> health, Runnable shutdown)
      throws IOException {
    Path tokenFile = dataDir.resolve(component + "-admin.properties");
    HttpService http = HttpService.start(component + " admin", "127.0.0.1", port, null, null,
        metrics, List.of((JavalinConfig c) -> {
          c.routes.get("/health", ctx -> {
            Map<String, Object> out = new LinkedHashMap<>();
            try {
              out.putAll(health.get());
              out.put("status", "UP");
            } catch (RuntimeException e) {
              out.put("status", "DOWN");
              out.put("detail", e.getMessage());
              ctx.status(503);
            }
            ctx.json(out);
          });
          c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4")
              .result(metrics.scrape()));
          c.routes.get("/threads", ctx -> ctx.contentType("text/plain").result(threadDump()));
          c.routes.post("/shutdown", ctx -> {
            String given = ctx.header(TOKEN_HEADER);
            if (given == null || !MessageDigest.isEqual(given.getBytes(), token.getBytes())) {
              throw new ApiException(403, "INVALID_ADMIN_TOKEN",
                  "Shutdown needs the token from " + tokenFile);
            }
            ctx.json(Map.of("status", "STOPPING"));
            Thread t = new Thread(shutdown, component + "-shutdown");
            t.start();
          });
        }));
    PrivateFiles.write(tokenFile, "port=" + http.port() + "\ntoken=" + token + "\n");
    return new AdminEndpoint(http, tokenFile);
  }

  private static String threadDump() {
    StringBuilder b = new StringBuilder();
    for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
      b.append(t);
    }
    return b.toString();
  }

  public int port() {
    return http.port();
  }

  @Override
  public void close() throws IOException {
    http.close();
    Files.deleteIfExists(tokenFile);
  }
}
