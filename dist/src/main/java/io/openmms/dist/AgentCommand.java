package io.openmms.dist;

import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.agent.backup.BackupAgent;
import io.openmms.common.config.Config;
import io.openmms.common.util.PrivateFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "agent", mixinStandardHelpOptions = true,
    description = {"Run the monitoring agent: discover a MongoDB deployment from one seed host,"
        + " poll every node and ship samples to the HTTP service.",
        "Example: ./openmms agent --seed db1.example.net:27017 --server http://127.0.0.1:8080"
            + " --group GROUP_ID --api-key AGENT_API_KEY"})
final class AgentCommand implements Callable<Integer> {
  @Mixin Overrides overrides;

  @Option(names = "--seed", description = "A host:port or mongodb:// URI of the deployment (agent.mongo.seed).")
  String seed;

  @Option(names = "--server", description = "URL of the HTTP service (agent.server.url).")
  String server;

  @Option(names = "--group", description = "Group id (agent.group.id).")
  String group;

  @Option(names = "--api-key", description = "The group's agent API key (agent.api.key). Prefer"
      + " the config file or OPENMMS_AGENT_API_KEY: command lines are visible to other users.")
  String apiKey;

  @Option(names = "--data-dir", description = "Spool and state directory (agent.data.dir).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    put(o, AgentSettings.MONGO_SEED.key(), seed);
    put(o, AgentSettings.SERVER_URL.key(), server);
    put(o, AgentSettings.GROUP_ID.key(), group);
    put(o, AgentSettings.API_KEY.key(), apiKey);
    put(o, AgentSettings.DATA_DIR.key(), dataDir == null ? null : dataDir.toString());
    Config config = overrides.load("agent", AgentSettings.ALL, o);
    MonitoringAgent agent = new MonitoringAgent(config, Clock.systemUTC());
    BackupAgent backup = config.get(AgentSettings.BACKUP_ENABLED)
        ? new BackupAgent(config, Clock.systemUTC()) : null;
    agent.start();
    if (backup != null) {
      backup.start();
    }
    Path pidFile = config.get(AgentSettings.DATA_DIR).resolve("agent.pid");
    PrivateFiles.write(pidFile, Long.toString(ProcessHandle.current().pid()));
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (backup != null) {
        Lifecycle.closeQuietly(backup);
      }
      Lifecycle.closeQuietly(agent);
      try {
        Files.deleteIfExists(pidFile);
      } catch (java.io.IOException ignored) {
        // best effort
      }
      done.countDown();
    }));
    System.out.println("openmms agent " + agent.agentId() + " is running; stop it with Ctrl-C or"
        + " ./openmms stop agent --data-dir " + config.get(AgentSettings.DATA_DIR));
    done.await();
    return 0;
  }

  private static void put(Map<String, String> o, String key, String value) {
    if (value != null) {
      o.put(key, value);
    }
  }
}
