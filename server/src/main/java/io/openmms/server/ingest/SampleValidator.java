package io.openmms.server.ingest;

import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MemberStatus;
import io.openmms.common.wire.MonitoringBatch;
import io.openmms.server.http.ApiException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a whole monitoring batch before anything from it is stored. Every rejection names the
 * sample index and field, so an agent's operator can see what was wrong.
 */
final class SampleValidator {
  private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9._:\\[\\]-]{1,255}");
  private static final Pattern METRIC = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final Pattern NAME = Pattern.compile("[\\p{Graph} ]{1,128}");
  private static final Set<String> ROLES = Set.of("PRIMARY", "SECONDARY", "ARBITER", "RECOVERING",
      "STARTUP", "STARTUP2", "ROLLBACK", "DOWN", "REMOVED", "UNKNOWN", "OTHER", "MONGOS",
      "STANDALONE");
  static final Duration MAX_FUTURE = Duration.ofMinutes(5);

  private final int maxSamples;

  SampleValidator(int maxSamples) {
    this.maxSamples = maxSamples;
  }

  void validate(MonitoringBatch batch, long nowMillis) {
    if (batch.agentId() == null || !NAME.matcher(batch.agentId()).matches()) {
      throw bad("agentId must be 1 to 128 printable characters");
    }
    if (batch.seq() < 0) {
      throw bad("seq must not be negative, was " + batch.seq());
    }
    if (batch.samples() == null) {
      throw bad("samples is missing");
    }
    if (batch.samples().size() > maxSamples) {
      throw new ApiException(413, "TOO_MANY_SAMPLES", "A batch may hold at most " + maxSamples
          + " samples (server.ingest.max.samples); this one has " + batch.samples().size());
    }
    for (int i = 0; i < batch.samples().size(); i++) {
      validate(batch.samples().get(i), "samples[" + i + "]", nowMillis);
    }
  }

  private void validate(HostSample s, String at, long nowMillis) {
    if (s == null) {
      throw bad(at + " is null");
    }
    if (s.hostname() == null || !HOSTNAME.matcher(s.hostname()).matches()) {
      throw bad(at + ".hostname is missing or not a host name: " + abbreviate(s.hostname()));
    }
    if (s.port() < 1 || s.port() > 65535) {
      throw bad(at + ".port must be between 1 and 65535, was " + s.port());
    }
    if (s.timestamp() <= 0) {
      throw bad(at + ".timestamp must be epoch milliseconds, was " + s.timestamp());
    }
    if (s.timestamp() > nowMillis + MAX_FUTURE.toMillis()) {
      throw bad(at + ".timestamp " + java.time.Instant.ofEpochMilli(s.timestamp())
          + " is more than 5 minutes in the future; check the agent host's clock");
    }
    if (s.role() != null && !ROLES.contains(s.role())) {
      throw bad(at + ".role is not a known role: " + abbreviate(s.role()));
    }
    for (String f : new String[] {s.replicaSetName(), s.shardName(), s.clusterName(), s.version()}) {
      if (f != null && !NAME.matcher(f).matches()) {
        throw bad(at + " has a name or version that is empty, too long or not printable: "
            + abbreviate(f));
      }
    }
    if (s.error() != null && s.error().length() > 2000) {
      throw bad(at + ".error is longer than 2000 characters");
    }
    if (s.uptimeSeconds() != null && s.uptimeSeconds() < 0) {
      throw bad(at + ".uptimeSeconds must not be negative");
    }
    checkMetrics(s.counters(), at + ".counters", true);
    checkMetrics(s.gauges(), at + ".gauges", false);
    if (s.members() != null) {
      if (s.members().size() > 100) {
        throw bad(at + ".members has more than 100 entries");
      }
      for (MemberStatus m : s.members()) {
        if (m == null || m.name() == null || !HOSTNAME.matcher(m.name()).matches()) {
          throw bad(at + ".members has an entry without a valid name");
        }
      }
    }
  }

  private static void checkMetrics(Map<String, ? extends Number> m, String at, boolean counter) {
    if (m == null) {
      return;
    }
    if (m.size() > 200) {
      throw bad(at + " has more than 200 entries");
    }
    for (var e : m.entrySet()) {
      if (!METRIC.matcher(e.getKey()).matches()) {
        throw bad(at + " has a malformed metric name: " + abbreviate(e.getKey()));
      }
      Number v = e.getValue();
      if (v == null || !Double.isFinite(v.doubleValue()) || (counter && v.longValue() < 0)) {
        throw bad(at + "." + e.getKey() + " must be a finite"
            + (counter ? " non-negative" : "") + " number, was " + v);
      }
    }
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 60 ? "'" + s.substring(0, 60) + "…'" : "'" + s + "'";
  }

  private static ApiException bad(String detail) {
    return ApiException.badRequest("INVALID_PAYLOAD", detail);
  }
}
