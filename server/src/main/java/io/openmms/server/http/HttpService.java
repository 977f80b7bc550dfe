package io.openmms.server.http;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.json.JavalinJackson;
import io.openmms.common.util.Json;
import io.openmms.common.wire.ApiError;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Javalin (Jetty 12) HTTP listener with openmms' conventions: JSON errors in the shape of
 * SPEC §7 for every failure (never a stack trace), an optional TLS keystore, and routes supplied
 * by the caller. Used for the HTTP service (8080) and the admin port.
 */
public final class HttpService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);
  private final Javalin app;
  private final String name;

  private HttpService(Javalin app, String name) {
    this.app = app;
    this.name = name;
  }

  /**
   * Starts a listener.
   *
   * @param keystore a PKCS#12 keystore to serve HTTPS with, or {@code null} for plain HTTP
   */
  public static HttpService start(String name, String host, int port, Path keystore,
      String keystorePassword, ServiceMetrics metrics, List<Consumer<JavalinConfig>> routes) {
    return start(name, host, port, keystore, keystorePassword, metrics, routes, null);
  }

  /**
   * Starts a listener whose errors for web pages (requests that accept HTML, outside the APIs)
   * are rendered by {@code htmlErrors} instead of as JSON.
   */
  public static HttpService start(String name, String host, int port, Path keystore,
      String keystorePassword, ServiceMetrics metrics, List<Consumer<JavalinConfig>> routes,
      java.util.function.BiConsumer<io.javalin.http.Context, ApiException> htmlErrors) {
    Javalin app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.jsonMapper(new JavalinJackson(Json.mapper(), false));
      config.http.maxRequestSize = 16L << 20;
      if (keystore != null) {
        config.jetty.modifyServer(server -> {
          SslContextFactory.Server ssl = new SslContextFactory.Server();
          ssl.setKeyStorePath(keystore.toString());
          ssl.setKeyStorePassword(keystorePassword);
          ssl.setKeyStoreType("PKCS12");
          ServerConnector https = new ServerConnector(server, ssl);
          https.setHost(host);
          https.setPort(port);
          server.addConnector(https);
        });
      }
      config.routes.exception(ApiException.class, (e, ctx) -> {
        metrics.error(e.status());
        if (htmlErrors != null && wantsHtml(ctx)) {
          ctx.status(e.status());
          htmlErrors.accept(ctx, e);
        } else {
          ctx.status(e.status()).json(new ApiError(e.status(), e.errorCode(), e.getMessage()));
        }
      });
      config.routes.exception(Exception.class, (e, ctx) -> {
        if (e.getClass().getSimpleName().equals("RedirectedException")) {
          return;
        }
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        metrics.error(500);
        ApiException shown = new ApiException(500, "UNEXPECTED_ERROR",
            "The server could not complete the request; the cause is in the server log");
        if (htmlErrors != null && wantsHtml(ctx)) {
          ctx.status(500);
          htmlErrors.accept(ctx, shown);
        } else {
          ctx.status(500).json(new ApiError(500, shown.errorCode(), shown.getMessage()));
        }
      });
      config.routes.error(404, "*", ctx -> {
        if (ctx.result() == null || ctx.result().isEmpty()) {
          ApiException e = new ApiException(404, "RESOURCE_NOT_FOUND",
              "There is nothing at " + ctx.path());
          if (htmlErrors != null && wantsHtml(ctx)) {
            htmlErrors.accept(ctx, e);
          } else {
            ctx.json(new ApiError(404, e.errorCode(), "No resource at " + ctx.path()));
          }
        }
      });
      config.routes.error(405, "*", ctx -> ctx.json(new ApiError(405, "METHOD_NOT_ALLOWED",
          ctx.method() + " is not allowed on " + ctx.path())));
      routes.forEach(r -> r.accept(config));
    });
    app.start(host, port);
    LOG.info("{} listening on {}://{}:{}", name, keystore != null ? "https" : "http", host,
        app.port());
    return new HttpService(app, name);
  }

  private static boolean wantsHtml(io.javalin.http.Context ctx) {
    String accept = ctx.header("Accept");
    String path = ctx.path();
    return accept != null && accept.contains("text/html") && !path.startsWith("/api/")
        && !path.startsWith("/agents/") && !path.startsWith("/prometheus/");
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
    LOG.info("{} stopped", name);
  }
}
