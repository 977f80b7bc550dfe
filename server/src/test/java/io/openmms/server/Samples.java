package io.openmms.server;

import io.openmms.common.util.Json;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import java.util.List;
import java.util.Map;

/** Builders of agent samples shaped as the monitoring agent ships them. */
public final class Samples {
  private Samples() {}

  public static HostSample member(String host, int port, long ts, String role, long inserts,
      long uptime) {
    return new HostSample(host, port, ts, false, null, role, "rs0", null, false, null, "7.0.14",
        uptime, Map.of("OPCOUNTER_INSERT", inserts, "OPCOUNTER_QUERY", inserts * 2),
        Map.of("CONNECTIONS", 12.0, "MEMORY_RESIDENT", 300.0), null);
  }

  public static HostSample down(String host, int port, long ts) {
    return new HostSample(host, port, ts, true, "connection refused", null, null, null, false,
        null, null, null, null, null, null);
  }

  public static byte[] batch(String agentId, long seq, List<HostSample> samples) throws Exception {
    return Json.mapper().writeValueAsBytes(new MonitoringBatch(agentId, seq, "test", samples));
  }
}
