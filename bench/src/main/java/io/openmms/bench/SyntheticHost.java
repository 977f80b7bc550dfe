package io.openmms.bench;

import io.openmms.common.monitoring.Metric;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MemberStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A made-up replica-set member whose samples look like what the monitoring agent ships for a
 * busy MongoDB 7.0 process: every {@link Metric} present, counters growing at a steady rate
 * plus a wobble, gauges moving, and the set's members as {@code replSetGetStatus} reports them.
 * Each {@link #next()} is {@code stepMillis} after the previous one, so a host never repeats a
 * timestamp and the service never skips a sample as a resend.
 *
 * <p>Not thread-safe: one simulated agent owns its hosts.
 */
public final class SyntheticHost {
  private static final String VERSION = "7.0.14";

  private final String hostname;
  private final String replicaSet;
  private final String role;
  private final List<MemberStatus> members;
  private final long stepMillis;
  private final long processStartMillis;
  private long timestamp;

  /**
   * @param firstTimestamp epoch milliseconds of the first sample
   * @param stepMillis time between two samples (the agent polls every 10 s by default)
   */
  public SyntheticHost(String hostname, String replicaSet, boolean primary,
      List<String> memberNames, long firstTimestamp, long stepMillis) {
    this.hostname = hostname;
    this.replicaSet = replicaSet;
    this.role = primary ? "PRIMARY" : "SECONDARY";
    this.members = memberNames.stream()
        .map(n -> new MemberStatus(n, n.startsWith(hostname + ":") ? role : "SECONDARY", 1,
            firstTimestamp))
        .toList();
    this.stepMillis = stepMillis;
    this.processStartMillis = firstTimestamp - 86_400_000L; // up for a day already
    this.timestamp = firstTimestamp - stepMillis;
  }

  /** {@code host:27017}. */
  public String hostPort() {
    return hostname + ":27017";
  }

  /** The timestamp the next sample will carry. */
  public long nextTimestamp() {
    return timestamp + stepMillis;
  }

  /** The next sample, {@code stepMillis} after the previous one. */
  public HostSample next() {
    timestamp += stepMillis;
    long uptime = (timestamp - processStartMillis) / 1000;
    Map<String, Long> counters = new LinkedHashMap<>();
    Map<String, Double> gauges = new LinkedHashMap<>();
    int i = 0;
    for (Metric m : Metric.values()) {
      i++;
      if (m.kind() == Metric.Kind.COUNTER) {
        counters.put(m.name(), uptime * (i * 37L) + (uptime % 7) * i);
      } else {
        gauges.put(m.name(), 100.0 * i + (uptime % 60) / 3.0);
      }
    }
    return new HostSample(hostname, 27017, timestamp, false, null, role, replicaSet, null, false,
        null, VERSION, uptime, counters, gauges, members);
  }
}
