package io.openmms.server.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.util.Json;
import io.openmms.common.wire.MonitoringBatch;
import io.openmms.server.auth.AgentKeys;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Bodies;
import io.openmms.server.http.ServiceMetrics;
import java.util.Map;

/**
 * The monitoring agent's endpoint on the HTTP service: {@code POST
 * /agents/api/monitoring/v1/samples} (see docs/agent-protocol.md). Authenticated with the group's
 * agent API key (HTTP Basic {@code groupId:key}); the body is a gzip-compressed JSON
 * {@link MonitoringBatch}. Anything malformed, oversized or unauthorised is answered with a 4xx
 * JSON error before anything is stored.
 */
public final class AgentRoutes {
  public static final String SAMPLES = "/agents/api/monitoring/v1/samples";

  private final AgentKeys agentKeys;
  private final MonitoringIngest ingest;
  private final long maxWire;
  private final long maxPlain;
  private final ServiceMetrics metrics;

  public AgentRoutes(AgentKeys agentKeys, MonitoringIngest ingest, long maxWire, long maxPlain,
      ServiceMetrics metrics) {
    this.agentKeys = agentKeys;
    this.ingest = ingest;
    this.maxWire = maxWire;
    this.maxPlain = maxPlain;
    this.metrics = metrics;
  }

  public void register(JavalinConfig config) {
    config.routes.post(SAMPLES, this::samples);
  }

  private void samples(Context ctx) {
    String groupId = agentKeys.authenticate(ctx.header("Authorization"));
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
          "Content-Type must be application/json, was " + type);
    }
    byte[] body = Bodies.read(ctx.bodyInputStream(), ctx.header("Content-Encoding"), maxWire,
        maxPlain);
    MonitoringBatch batch;
    try {
      batch = Json.mapper().readValue(body, MonitoringBatch.class);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("INVALID_PAYLOAD", "The body is not a valid monitoring batch: "
          + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("INVALID_PAYLOAD", "Could not read the body: " + e.getMessage());
    }
    if (batch == null) {
      throw ApiException.badRequest("INVALID_PAYLOAD", "The body is empty");
    }
    MonitoringIngest.Result r = ingest.ingest(groupId, batch);
    metrics.samplesIngested(r.accepted(), r.duplicates());
    ctx.json(Map.of("accepted", r.accepted(), "duplicates", r.duplicates()));
  }
}
