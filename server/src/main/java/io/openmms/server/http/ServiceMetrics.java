package io.openmms.server.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The server's own operational metrics, exposed on the admin port in Prometheus text format. */
public final class ServiceMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter samples = Counter.builder().name("openmms_ingest_samples_total")
      .help("Monitoring samples received from agents").labelNames("outcome").register(registry);
  private final Counter errors = Counter.builder().name("openmms_http_errors_total")
      .help("HTTP requests answered with an error").labelNames("status").register(registry);

  public void samplesIngested(int accepted, int duplicates) {
    samples.labelValues("stored").inc(accepted);
    samples.labelValues("duplicate").inc(duplicates);
  }

  public void error(int status) {
    errors.labelValues(Integer.toString(status)).inc();
  }

  /** The registry's metrics in Prometheus text format. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
