package io.openmms.agent.monitoring;

import io.openmms.common.wire.HostSample;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One poll cycle over the whole deployment: re-discover the topology, then poll every process,
 * at most {@code threads} at a time, and return one {@link HostSample} per process (reachable
 * or not), all stamped with the cycle's start time from the injected clock.
 *
 * <p>Not thread-safe: cycles must not overlap (the agent runs them from one scheduler thread).
 * {@link #lastTopology()} may be read from any thread.
 */
public final class Collector implements AutoCloseable {
  private final NodeCommands commands;
  private final Clock clock;
  private final ExecutorService pool;
  private final Discovery discovery;
  private final NodePoller poller;
  private final Map<String, NodePoller.State> states = new ConcurrentHashMap<>();
  private volatile Topology topology = Topology.EMPTY;
  private Map<String, List<String>> statusMembers = Map.of();

  /**
   * @param commands how to reach the processes; closed by {@link #close()}
   * @param seeds {@code host:port} of the processes discovery starts from
   * @param threads how many processes are polled at the same time
   * @param slowInterval how often the costly commands run on each process
   */
  public Collector(NodeCommands commands, List<String> seeds, int threads, Duration slowInterval,
      Clock clock) {
    this.commands = commands;
    this.clock = clock;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "openmms-poll-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.discovery = new Discovery(commands, seeds, pool);
    this.poller = new NodePoller(commands, slowInterval.toMillis());
  }

  /** Discovers and polls once; returns the samples in topology order. */
  public List<HostSample> pollCycle() throws InterruptedException {
    long timestamp = clock.millis();
    List<Discovery.Probe> probes = discovery.discover(topology, statusMembers);
    topology = new Topology(probes.stream().map(Discovery.Probe::node).toList());
    Set<String> hostPorts = new HashSet<>();
    Set<String> arbiters = new HashSet<>();
    for (Node node : topology.nodes()) {
      hostPorts.add(node.hostPort());
      if ("ARBITER".equals(node.role())) {
        arbiters.add(node.hostPort());
      }
    }
    states.keySet().retainAll(hostPorts);
    commands.retain(hostPorts, arbiters);
    List<Future<HostSample>> futures = new ArrayList<>();
    for (Discovery.Probe probe : probes) {
      NodePoller.State state = states.computeIfAbsent(probe.node().hostPort(),
          k -> new NodePoller.State());
      futures.add(pool.submit(() -> poller.poll(probe, state, timestamp)));
    }
    List<HostSample> samples = new ArrayList<>();
    try {
      for (Future<HostSample> f : futures) {
        samples.add(f.get());
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("poll task failed", e.getCause());
    } finally {
      futures.forEach(f -> f.cancel(true));
    }
    topology = withPolledRoles(samples);
    statusMembers = statusMembers(samples);
    return samples;
  }

  /** The poll may have refined a role (RECOVERING, ...) that hello alone could not tell. */
  private Topology withPolledRoles(List<HostSample> samples) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      Node n = topology.nodes().get(i);
      HostSample s = samples.get(i);
      nodes.add(new Node(n.hostPort(), s.role(), n.replicaSetName(), n.shardName(),
          n.configServer(), n.clusterName(), !s.down()));
    }
    return new Topology(nodes);
  }

  /** Per replica set, the members its primary's replSetGetStatus listed (hidden ones too). */
  private static Map<String, List<String>> statusMembers(List<HostSample> samples) {
    Map<String, List<String>> out = new java.util.HashMap<>();
    for (HostSample s : samples) {
      if (!s.down() && "PRIMARY".equals(s.role()) && s.replicaSetName() != null
          && s.members() != null) {
        out.put(s.replicaSetName(), s.members().stream()
            .filter(m -> m.name() != null && !"REMOVED".equals(m.stateStr()))
            .map(io.openmms.common.wire.MemberStatus::name).toList());
      }
    }
    return out;
  }

  /** The processes and roles found by the last cycle; empty before the first. */
  public Topology lastTopology() {
    return topology;
  }

  @Override
  public void close() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      commands.close();
    }
  }
}
