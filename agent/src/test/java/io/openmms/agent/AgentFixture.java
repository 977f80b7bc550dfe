package io.openmms.agent;

import io.openmms.agent.monitoring.FakeCommands;
import io.openmms.agent.monitoring.Replies;
import io.openmms.agent.ship.Receiver;
import io.openmms.common.config.Config;
import io.openmms.common.wire.HostSample;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/** Builds agents for tests: configuration, a scripted three-member replica set, a receiver. */
final class AgentFixture {
  static final List<String> HOSTS = List.of("h1:1", "h2:2", "h3:3");

  private AgentFixture() {}

  static Config config(String serverUrl, Path dataDir, Map<String, String> more) {
    Map<String, String> m = new HashMap<>(Map.of(
        "agent.server.url", serverUrl,
        "agent.group.id", Receiver.GROUP,
        "agent.api.key", Receiver.KEY,
        "agent.mongo.seed", "h1:1",
        "agent.poll.interval", "1s",
        "agent.data.dir", dataDir.toString(),
        "agent.send.retry.initial", "20ms",
        "agent.send.retry.max", "100ms"));
    m.putAll(more);
    return Config.of("agent", AgentSettings.ALL, m);
  }

  static FakeCommands replicaSet() {
    FakeCommands mongo = new FakeCommands();
    mongo.reply("h1:1", "hello", Replies.primaryHello("rs0", "h1:1", HOSTS, List.of()));
    for (String s : List.of("h2:2", "h3:3")) {
      mongo.reply(s, "hello", Replies.secondaryHello("rs0", s, "h1:1", HOSTS));
    }
    for (String h : HOSTS) {
      mongo.reply(h, "serverStatus", Replies.serverStatus(100, 1));
      mongo.reply(h, "buildInfo", new Document("version", "7.0.12").append("ok", 1));
    }
    return mongo;
  }

  /** Samples keyed by host and timestamp: what the service deduplicates on. */
  static Map<String, Integer> countByHostAndTime(List<HostSample> samples) {
    Map<String, Integer> counts = new HashMap<>();
    for (HostSample s : samples) {
      counts.merge(s.hostPort() + "@" + s.timestamp(), 1, Integer::sum);
    }
    return counts;
  }
}
