package io.openmms.agent.monitoring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds every process of the deployment from the seeds, once per poll cycle.
 *
 * <p>Algorithm: {@code hello} the seeds (falling back to {@code isMaster} on servers that do not
 * know {@code hello}). A mongos ({@code msg: "isdbgrid"}) leads to {@code listShards} (each shard
 * is a replica set {@code name/h1,h2}), {@code serverStatus.sharding.configsvrConnectionString}
 * (the config-server replica set) and {@code config.mongos} (the other routers; entries whose
 * last ping is more than {@link #STALE_MONGOS_MS} older than the seed's {@code localTime} are
 * routers that went away and are ignored). A replica-set member leads to its set: the member list
 * ({@code hosts}, {@code passives}, {@code arbiters}) is taken from the primary's reply when there
 * is a primary, since its configuration is the newest. Finally every process is asked
 * {@code hello}; its reply gives its role and is reused by the poll, so a failover or a new member
 * shows up in the very next sample.
 *
 * <p>When no seed answers, the processes known from the previous discovery are tried; when none
 * answers either, the previous topology is returned with every process down, so that the outage
 * is reported rather than the hosts disappearing.
 */
final class Discovery {
  static final long STALE_MONGOS_MS = 10 * 60_000L;
  private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);

  /** One process and its {@code hello} reply, or why it could not be reached. */
  record Probe(Node node, Document hello, String error) {}

  private record Hello(Document reply, String error) {
    boolean up() {
      return reply != null;
    }
  }

  private final NodeCommands commands;
  private final List<String> seeds;
  private final ExecutorService pool;
  private Map<String, List<String>> statusMembers = Map.of();

  Discovery(NodeCommands commands, List<String> seeds, ExecutorService pool) {
    this.commands = commands;
    this.seeds = List.copyOf(seeds);
    this.pool = pool;
  }

  /**
   * @param previous the last discovery's result
   * @param statusMembers per replica-set name, the members the set's primary listed in its last
   *     {@code replSetGetStatus}: this is how hidden and delayed members, which {@code hello}
   *     never lists, are found (one cycle after their set)
   */
  List<Probe> discover(Topology previous, Map<String, List<String>> statusMembers)
      throws InterruptedException {
    this.statusMembers = statusMembers;
    Map<String, Hello> seen = new LinkedHashMap<>();
    Set<String> candidates = new LinkedHashSet<>(seeds);
    // A cluster must be re-entered through a router: a shard member would only show its shard.
    boolean cluster = previous.nodes().stream().anyMatch(n -> "MONGOS".equals(n.role()));
    previous.nodes().stream().filter(n -> !cluster || "MONGOS".equals(n.role()))
        .forEach(n -> candidates.add(n.hostPort()));
    for (String hp : candidates) {
      Hello h = seen.computeIfAbsent(hp, this::hello);
      if (!h.up()) {
        continue;
      }
      if ("isdbgrid".equals(h.reply().getString("msg"))) {
        return cluster(hp, h.reply(), seen, previous);
      }
      if (h.reply().getString("setName") != null) {
        return replicaSet(List.of(hp), null, false, null, seen, previous);
      }
      if (seeds.contains(hp)) {
        return List.of(probe(hp, h, "STANDALONE", null, null, false, null, previous));
      }
    }
    return previous.nodes().stream().map(n -> new Probe(
        new Node(n.hostPort(), n.role(), n.replicaSetName(), n.shardName(), n.configServer(),
            n.clusterName(), false), null, errorOf(seen.get(n.hostPort())))).toList();
  }

  private static String errorOf(Hello h) {
    return h == null ? "not reached: no process of the deployment answered" : h.error();
  }

  private List<Probe> cluster(String mongos, Document hello, Map<String, Hello> seen,
      Topology previous) throws InterruptedException {
    String configString = null;
    List<Document> shards = List.of();
    List<String> routers = new ArrayList<>(List.of(mongos));
    try {
      shards = Docs.docs(commands.run(mongos, "admin", new Document("listShards", 1)), "shards");
      configString = Docs.string(commands.run(mongos, "admin", new Document("serverStatus", 1)),
          "sharding", "configsvrConnectionString");
      Long now = Docs.millis(hello, "localTime");
      for (Document d : commands.find(mongos, "config", "mongos", new Document(),
          new Document("_id", 1), new Document("_id", 1).append("ping", 1), 1000)) {
        Object ping = d.get("ping");
        boolean stale = now != null && ping instanceof Date p
            && now - p.getTime() > STALE_MONGOS_MS;
        if (d.get("_id") instanceof String id && !stale && !routers.contains(id)) {
          routers.add(id);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("Cannot read the cluster layout through mongos {}: {}", mongos,
          Failures.describe(e));
    }
    String[] config = splitSet(configString);
    String clusterName = config[0];
    List<Probe> out = new ArrayList<>();
    helloAll(routers, seen);
    for (String r : routers) {
      out.add(probe(r, seen.get(r), "MONGOS", null, null, false, clusterName, previous));
    }
    if (config[1] != null) {
      out.addAll(replicaSet(hosts(config[1]), null, true, clusterName, seen, previous));
    }
    List<Document> sorted = new ArrayList<>(shards);
    sorted.sort(java.util.Comparator.comparing(d -> String.valueOf(d.get("_id"))));
    for (Document shard : sorted) {
      String[] set = splitSet(shard.getString("host"));
      if (set[1] != null) {
        out.addAll(replicaSet(hosts(set[1]), String.valueOf(shard.get("_id")), false,
            clusterName, seen, previous));
      }
    }
    return out;
  }

  /** {@code "rs/h1,h2"} to {@code [rs, "h1,h2"]}; {@code "h1,h2"} to {@code [null, "h1,h2"]}. */
  static String[] splitSet(String s) {
    if (s == null || s.isBlank()) {
      return new String[] {null, null};
    }
    int slash = s.indexOf('/');
    return slash < 0 ? new String[] {null, s} : new String[] {s.substring(0, slash),
        s.substring(slash + 1)};
  }

  private static List<String> hosts(String list) {
    return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(h -> !h.isEmpty())
        .toList();
  }

  private List<Probe> replicaSet(List<String> setSeeds, String shardName, boolean configServer,
      String clusterName, Map<String, Hello> seen, Topology previous)
      throws InterruptedException {
    helloAll(setSeeds, seen);
    Document view = bestView(setSeeds, seen);
    if (view != null && !Docs.flag(view, "isWritablePrimary") && !Docs.flag(view, "ismaster")
        && view.getString("primary") != null) {
      String primary = view.getString("primary");
      helloAll(List.of(primary), seen);
      Hello p = seen.get(primary);
      if (p.up() && isPrimary(p.reply())) {
        view = p.reply();
      }
    }
    Set<String> members = new LinkedHashSet<>();
    Set<String> arbiters = Set.of();
    String setName = null;
    if (view != null) {
      setName = view.getString("setName");
      members.addAll(Docs.strings(view, "hosts"));
      members.addAll(Docs.strings(view, "passives"));
      arbiters = Set.copyOf(Docs.strings(view, "arbiters"));
      members.addAll(Docs.strings(view, "arbiters"));
      members.addAll(statusMembers.getOrDefault(setName, List.of()));
    } else {
      members.addAll(setSeeds);
      for (Node n : previous.nodes()) {
        if (setSeeds.contains(n.hostPort()) && n.replicaSetName() != null) {
          setName = n.replicaSetName();
        }
      }
      for (Node n : previous.nodes()) {
        if (n.replicaSetName() != null && n.replicaSetName().equals(setName)) {
          members.add(n.hostPort());
        }
      }
    }
    helloAll(members, seen);
    List<Probe> out = new ArrayList<>();
    for (String m : members) {
      Hello h = seen.get(m);
      String role = h.up() ? roleOf(h.reply()) : arbiters.contains(m) ? "ARBITER" : null;
      boolean cfg = configServer || h.up() && h.reply().get("configsvr") != null;
      String rs = h.up() && h.reply().getString("setName") != null
          ? h.reply().getString("setName") : setName;
      out.add(probe(m, h, role, rs, shardName, cfg, clusterName, previous));
    }
    return out;
  }

  private static Document bestView(List<String> setSeeds, Map<String, Hello> seen) {
    Document any = null;
    for (String s : setSeeds) {
      Hello h = seen.get(s);
      if (h.up() && h.reply().getString("setName") != null) {
        if (isPrimary(h.reply())) {
          return h.reply();
        }
        any = any == null ? h.reply() : any;
      }
    }
    return any;
  }

  private static boolean isPrimary(Document hello) {
    return Docs.flag(hello, "isWritablePrimary") || Docs.flag(hello, "ismaster");
  }

  /** The role a {@code hello} reply shows; a member in another state is refined by the poll. */
  static String roleOf(Document hello) {
    if ("isdbgrid".equals(hello.getString("msg"))) {
      return "MONGOS";
    }
    if (hello.getString("setName") == null && !Docs.flag(hello, "isreplicaset")) {
      return "STANDALONE";
    }
    if (isPrimary(hello)) {
      return "PRIMARY";
    }
    if (Docs.flag(hello, "secondary")) {
      return "SECONDARY";
    }
    if (Docs.flag(hello, "arbiterOnly")) {
      return "ARBITER";
    }
    return "OTHER";
  }

  private static Probe probe(String hp, Hello h, String role, String rs, String shard,
      boolean cfg, String cluster, Topology previous) {
    String knownRole = role;
    if (!h.up() && knownRole == null) {
      knownRole = previous.node(hp).map(Node::role).orElse(null);
    }
    return new Probe(new Node(hp, knownRole, rs, shard, cfg, cluster, h.up()), h.reply(),
        h.error());
  }

  private void helloAll(Collection<String> hostPorts, Map<String, Hello> seen)
      throws InterruptedException {
    List<String> todo = hostPorts.stream().filter(h -> !seen.containsKey(h)).distinct().toList();
    List<Future<Hello>> futures = new ArrayList<>();
    for (String hp : todo) {
      futures.add(pool.submit((Callable<Hello>) () -> hello(hp)));
    }
    for (int i = 0; i < todo.size(); i++) {
      try {
        seen.put(todo.get(i), futures.get(i).get());
      } catch (ExecutionException e) {
        seen.put(todo.get(i), new Hello(null, String.valueOf(e.getCause())));
      } catch (InterruptedException e) {
        futures.forEach(f -> f.cancel(true));
        throw e;
      }
    }
  }

  private Hello hello(String hostPort) {
    try {
      try {
        return new Hello(commands.run(hostPort, "admin", new Document("hello", 1)), null);
      } catch (RuntimeException e) {
        if (!Failures.isCommandNotFound(e)) {
          throw e;
        }
        return new Hello(commands.run(hostPort, "admin", new Document("isMaster", 1)), null);
      }
    } catch (RuntimeException e) {
      return new Hello(null, Failures.describe(e));
    }
  }
}
