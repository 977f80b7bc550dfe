package io.openmms.server.monitoring;

import io.openmms.common.wire.HostSample;

/** Maps what the agent saw of a process to Ops Manager's host {@code typeName}. */
final class HostTypes {
  private HostTypes() {}

  static String typeName(HostSample s) {
    String role = s.role();
    if (role == null) {
      return "NO_DATA";
    }
    if (role.equals("MONGOS")) {
      return "SHARD_MONGOS";
    }
    if (role.equals("STANDALONE")) {
      return "STANDALONE";
    }
    if (role.equals("ARBITER")) {
      return "ARBITER";
    }
    if (s.configServer()) {
      return "SHARD_CONFIG";
    }
    boolean shard = s.shardName() != null;
    return switch (role) {
      case "PRIMARY" -> shard ? "SHARD_PRIMARY" : "REPLICA_PRIMARY";
      case "SECONDARY" -> shard ? "SHARD_SECONDARY" : "REPLICA_SECONDARY";
      case "RECOVERING", "STARTUP2", "ROLLBACK" -> "RECOVERING";
      default -> "NO_DATA";
    };
  }
}
