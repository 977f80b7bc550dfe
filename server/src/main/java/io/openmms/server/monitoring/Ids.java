package io.openmms.server.monitoring;

import io.openmms.server.auth.Secrets;

/** Deterministic ids, so that the same host or cluster always gets the same id in a group. */
public final class Ids {
  private Ids() {}

  /** A host's id: 32 hex digits derived from group and {@code host:port}. */
  public static String host(String groupId, String hostPort) {
    return Secrets.sha256Hex(groupId + "/host/" + hostPort).substring(0, 32);
  }

  /** A cluster's id: 24 hex digits derived from group, kind and name. */
  public static String cluster(String groupId, String kind, String name) {
    return Secrets.sha256Hex(groupId + "/cluster/" + kind + "/" + name).substring(0, 24);
  }
}
