package io.openmms.server.monitoring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The clusters of a group, derived from its hosts: every replica set (a shard, a config-server
 * replica set or a plain one) and every sharded cluster. Ids are deterministic
 * ({@link Ids#cluster}), so they stay the same across restarts and server instances.
 */
public final class Clusters {
  private Clusters() {}

  /**
   * A cluster.
   *
   * @param typeName REPLICA_SET, CONFIG_SERVER_REPLICA_SET or SHARDED_REPLICA_SET
   * @param parentId the sharded cluster a replica set belongs to, or {@code null}
   * @param lastHeartbeat newest sample time of any of its hosts
   */
  public record Cluster(String id, String groupId, String clusterName, String typeName,
      String replicaSetName, String shardName, String parentId, long lastHeartbeat,
      List<String> hostIds) {}

  public static List<Cluster> of(String groupId, List<HostRecords.Host> hosts) {
    Map<String, Cluster> out = new LinkedHashMap<>();
    for (HostRecords.Host h : hosts) {
      HostRecords.State s = h.state();
      String parent = shardedId(groupId, s);
      if (parent != null) {
        add(out, new Cluster(parent, groupId, s.clusterName(), "SHARDED_REPLICA_SET", null, null,
            null, s.lastSampleTs(), new ArrayList<>()), h);
      }
      if (s.replicaSetName() != null) {
        String type = s.configServer() ? "CONFIG_SERVER_REPLICA_SET" : "REPLICA_SET";
        String id = replicaSetId(groupId, s);
        add(out, new Cluster(id, groupId, s.replicaSetName(), type, s.replicaSetName(),
            s.shardName(), parent, s.lastSampleTs(), new ArrayList<>()), h);
      }
    }
    return new ArrayList<>(out.values());
  }

  /** The id of the replica set a host belongs to, or {@code null}. */
  public static String replicaSetId(String groupId, HostRecords.State s) {
    if (s.replicaSetName() == null) {
      return null;
    }
    String scope = s.clusterName() == null ? "" : s.clusterName() + "/";
    return Ids.cluster(groupId, "REPLICA_SET", scope + s.replicaSetName());
  }

  /** The id of the sharded cluster a host belongs to, or {@code null}. */
  public static String shardedId(String groupId, HostRecords.State s) {
    return s.clusterName() == null ? null
        : Ids.cluster(groupId, "SHARDED_REPLICA_SET", s.clusterName());
  }

  private static void add(Map<String, Cluster> out, Cluster c, HostRecords.Host h) {
    Cluster existing = out.get(c.id());
    if (existing == null) {
      out.put(c.id(), c);
      existing = c;
    } else if (c.lastHeartbeat() > existing.lastHeartbeat()) {
      Cluster newer = new Cluster(existing.id(), existing.groupId(), existing.clusterName(),
          existing.typeName(), existing.replicaSetName(), existing.shardName(),
          existing.parentId(), c.lastHeartbeat(), existing.hostIds());
      out.put(c.id(), newer);
      existing = newer;
    }
    existing.hostIds().add(h.id());
  }
}
