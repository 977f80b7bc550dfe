package io.openmms.common.wire;

import java.util.List;
import java.util.Map;

/**
 * One poll of one MongoDB process, as the monitoring agent ships it. See {@code docs/agent-protocol.md}.
 *
 * @param hostname host name as the deployment knows it (the name in the replica-set config)
 * @param port TCP port
 * @param timestamp when the poll started, epoch milliseconds
 * @param down true when the process could not be reached; then {@code error} says why and the
 *     metric maps are empty
 * @param error why the process is down, or {@code null}
 * @param role the process's role: PRIMARY, SECONDARY, ARBITER, RECOVERING, STARTUP2, OTHER,
 *     MONGOS or STANDALONE ({@code null} when down and never seen)
 * @param replicaSetName the replica set ({@code setName}), or {@code null}
 * @param shardName the shard id in a sharded cluster, or {@code null}
 * @param configServer true for a member of a config-server replica set
 * @param clusterName the sharded cluster this process belongs to, or {@code null} for a plain
 *     replica set or standalone
 * @param version the MongoDB version from {@code buildInfo}, or {@code null} when not yet known
 * @param uptimeSeconds {@code serverStatus.uptime}; a decrease means the process restarted
 * @param counters cumulative counters by {@link io.openmms.common.monitoring.Metric} name
 * @param gauges point-in-time values by {@link io.openmms.common.monitoring.Metric} name
 * @param members replica-set members as this process sees them ({@code replSetGetStatus}), or
 *     {@code null}
 */
public record HostSample(
    String hostname,
    int port,
    long timestamp,
    boolean down,
    String error,
    String role,
    String replicaSetName,
    String shardName,
    boolean configServer,
    String clusterName,
    String version,
    Long uptimeSeconds,
    Map<String, Long> counters,
    Map<String, Double> gauges,
    List<MemberStatus> members) {

  /** {@code hostname:port}. */
  public String hostPort() {
    return hostname + ":" + port;
  }
}
