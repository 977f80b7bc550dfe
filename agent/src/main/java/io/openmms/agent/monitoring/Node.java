package io.openmms.agent.monitoring;

/**
 * One MongoDB process of the monitored deployment as the last discovery saw it.
 *
 * @param hostPort {@code host:port} as the deployment names it (replica-set config, listShards)
 * @param role PRIMARY, SECONDARY, ARBITER, MONGOS, STANDALONE or the member's state name
 *     (RECOVERING, STARTUP2, ...); {@code null} when the process was never reached
 * @param replicaSetName its replica set, or {@code null}
 * @param shardName the shard id it belongs to in a sharded cluster, or {@code null}
 * @param configServer true for a member of a config-server replica set
 * @param clusterName the sharded cluster's name (its config-server replica set's name), or
 *     {@code null} outside a sharded cluster
 * @param up whether the process answered {@code hello} in the last discovery
 */
public record Node(String hostPort, String role, String replicaSetName, String shardName,
    boolean configServer, String clusterName, boolean up) {

  /** The host part of {@link #hostPort} (an IPv6 literal keeps its brackets). */
  public String host() {
    return hostPort.substring(0, hostPort.lastIndexOf(':'));
  }

  public int port() {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }
}
