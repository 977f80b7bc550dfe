package io.openmms.server.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.monitoring.Metric;
import io.openmms.server.auth.DigestAuth;
import io.openmms.server.auth.Principal;
import io.openmms.server.http.ApiException;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.monitoring.Measurements;
import io.openmms.server.store.Groups;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Prometheus scrape endpoint per group, {@code GET /prometheus/v1.0/groups/{groupId}/metrics}:
 * the newest minute's value of every measurement of every host, as gauges named
 * {@code openmms_<measurement>} with host labels, plus {@code openmms_host_up}. Authenticated like
 * the public API (a stock Prometheus uses {@code basic_auth} with the API key pair).
 */
public final class PrometheusRoutes {
  public static final String PATH = "/prometheus/v1.0/groups/{groupId}/metrics";
  private final Groups groups;
  private final HostRecords hosts;
  private final Measurements measurements;
  private final DigestAuth auth;
  private final Clock clock;
  private final Duration downAfter;

  public PrometheusRoutes(Groups groups, HostRecords hosts, Measurements measurements,
      DigestAuth auth, Clock clock, Duration downAfter) {
    this.groups = groups;
    this.hosts = hosts;
    this.measurements = measurements;
    this.auth = auth;
    this.clock = clock;
    this.downAfter = downAfter;
  }

  public void register(JavalinConfig config) {
    config.routes.get(PATH, this::scrape);
  }

  private void scrape(Context ctx) {
    String groupId = ctx.pathParam("groupId");
    String query = ctx.queryString();
    Principal p = auth.authenticate(ctx.header("Authorization"), "GET",
        ctx.req().getRequestURI() + (query == null ? "" : "?" + query));
    if (p == null) {
      ctx.res().addHeader("WWW-Authenticate", "Basic realm=\"openmms\"");
      throw new ApiException(401, "UNAUTHORIZED", "Use the API key pair as basic_auth");
    }
    if (groups.get(groupId) == null || !p.canRead(groupId)) {
      throw new ApiException(403, "USER_CANNOT_ACCESS_GROUP",
          "This API key has no role in group " + groupId);
    }
    Map<String, GaugeSnapshot.Builder> gauges = new HashMap<>();
    GaugeSnapshot.Builder up = GaugeSnapshot.builder().name("openmms_host_up")
        .help("1 when the host answered the monitoring agent's last poll");
    long now = clock.millis();
    for (HostRecords.Host h : hosts.list(groupId)) {
      HostRecords.State s = h.state();
      Labels labels = Labels.of("group_id", groupId, "host_id", h.id(), "hostname", s.hostname(),
          "port", Integer.toString(s.port()), "replica_set",
          s.replicaSetName() == null ? "" : s.replicaSetName(), "type_name",
          s.typeName() == null ? "" : s.typeName());
      boolean isUp = !HostRecords.isDown(s, now, downAfter);
      up.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
          .value(isUp ? 1 : 0).build());
      measurements.latest(h.id()).forEach((metric, value) -> {
        Metric m = Metric.byName(metric);
        if (m == null) {
          return;
        }
        gauges.computeIfAbsent(metric, k -> GaugeSnapshot.builder()
            .name("openmms_" + k.toLowerCase(Locale.ROOT))
            .help(k + " (" + m.units() + ")"))
            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                .value(value).build());
      });
    }
    List<io.prometheus.metrics.model.snapshots.MetricSnapshot> all = new ArrayList<>();
    all.add(up.build());
    gauges.values().forEach(b -> all.add(b.build()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, new MetricSnapshots(all));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    ctx.contentType(PrometheusTextFormatWriter.CONTENT_TYPE).result(out.toByteArray());
  }
}
