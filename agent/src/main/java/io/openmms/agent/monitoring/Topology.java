package io.openmms.agent.monitoring;

import java.util.List;
import java.util.Optional;

/**
 * The processes of the monitored deployment found by one discovery, in a stable order (mongos,
 * config servers, shards by name, then plain replica-set members or the standalone). Immutable.
 */
public record Topology(List<Node> nodes) {
  public static final Topology EMPTY = new Topology(List.of());

  public Topology {
    nodes = List.copyOf(nodes);
  }

  public Optional<Node> node(String hostPort) {
    return nodes.stream().filter(n -> n.hostPort().equals(hostPort)).findFirst();
  }

  /** The reachable nodes whose role is PRIMARY (a down node keeps its last role). */
  public List<Node> primaries() {
    return nodes.stream().filter(n -> n.up() && "PRIMARY".equals(n.role())).toList();
  }
}
