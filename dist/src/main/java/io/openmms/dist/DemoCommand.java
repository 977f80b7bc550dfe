package io.openmms.dist;

import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.common.config.Config;
import io.openmms.common.util.PrivateFiles;
import io.openmms.server.InitialSetup;
import io.openmms.server.OpenmmsServer;
import io.openmms.server.ServerSettings;
import io.openmms.server.auth.Secrets;
import io.openmms.testkit.ReplicaSetStandIn;
import io.openmms.testkit.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Everything in one process, so a newcomer sees openmms work: the server on the embedded
 * application database, a stand-in 3-member replica set under a steady mixed workload, and a
 * monitoring agent watching it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run everything in one process: the server (embedded application database),"
        + " a stand-in 3-member MongoDB replica set under a steady workload, and a monitoring"
        + " agent watching it.",
        "Credentials and the source's connection string are printed and written to"
            + " <data-dir>/demo-credentials.properties. Stop with Ctrl-C or ./openmms stop."})
public final class DemoCommand implements Callable<Integer> {
  @Mixin Overrides overrides;

  @Option(names = "--data-dir", defaultValue = "./data", description = "Data directory. Default: ./data.")
  Path dataDir;

  @Option(names = "--port", defaultValue = "8080", description = "HTTP port. Default: 8080.")
  int port;

  @Option(names = "--ops-per-second", defaultValue = "50",
      description = "Rate of the stand-in workload. Default: 50.")
  int opsPerSecond;

  @Option(names = "--poll-interval", defaultValue = "10s",
      description = "The agent's poll interval. Default: 10s.")
  String pollInterval;

  private final List<AutoCloseable> running = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll));
    Map<String, String> o = new LinkedHashMap<>();
    o.put(ServerSettings.DATA_DIR.key(), dataDir.toString());
    o.put(ServerSettings.HTTP_PORT.key(), Integer.toString(port));
    o.put(ServerSettings.HTTP_HOST.key(), "127.0.0.1");
    Config config = overrides.load("server", ServerSettings.ALL, o);
    OpenmmsServer server = OpenmmsServer.start(config, Clock.systemUTC(), new SecureRandom());
    running.add(server);
    Map<String, String> creds = credentials(server);

    ReplicaSetStandIn source = ReplicaSetStandIn.start("rs0", 3);
    running.add(source);
    running.add(Workload.start(source.client(), "demo", opsPerSecond));
    creds.put("sourceUri", source.connectionString());
    Path credFile = dataDir.resolve("demo-credentials.properties");
    PrivateFiles.writeProperties(credFile, creds, "openmms demo credentials");

    Map<String, String> a = new LinkedHashMap<>();
    a.put(AgentSettings.MONGO_SEED.key(), source.seedList());
    a.put(AgentSettings.SERVER_URL.key(), creds.get("url"));
    a.put(AgentSettings.GROUP_ID.key(), creds.get("groupId"));
    a.put(AgentSettings.API_KEY.key(), creds.get("agentApiKey"));
    a.put(AgentSettings.DATA_DIR.key(), dataDir.resolve("agent").toString());
    a.put(AgentSettings.POLL_INTERVAL.key(), pollInterval);
    MonitoringAgent agent = new MonitoringAgent(Config.of("agent", AgentSettings.ALL, a),
        Clock.systemUTC());
    agent.start();
    running.add(agent);
    printBanner(creds, credFile);
    server.awaitStop();
    stopAll();
    return 0;
  }

  private Map<String, String> credentials(OpenmmsServer server) throws Exception {
    Path file = dataDir.resolve("demo-credentials.properties");
    String url = server.publicUrl();
    if (server.users().count() > 0 && Files.exists(file)) {
      Properties p = PrivateFiles.readProperties(file);
      Map<String, String> m = new LinkedHashMap<>();
      p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
      m.put("url", url);
      return m;
    }
    String password = new Secrets(new SecureRandom()).password();
    InitialSetup.Credentials c = InitialSetup.ensure(server, "admin", "Demo Group", password);
    if (c == null) {
      throw new IllegalStateException("The data directory " + dataDir + " belongs to another"
          + " openmms installation (it has users but no demo-credentials.properties); run the"
          + " demo with a fresh --data-dir");
    }
    return c.asMap(url);
  }

  private static void printBanner(Map<String, String> c, Path file) {
    String line = "=".repeat(72);
    System.out.println(line);
    System.out.println(" openmms demo is running");
    System.out.println(line);
    c.forEach((k, v) -> System.out.printf(" %-12s %s%n", k, v));
    System.out.println();
    System.out.println(" Saved to " + file.toAbsolutePath() + " (mode 600).");
    System.out.println(" Open " + c.get("url") + " and sign in as " + c.get("username") + " / "
        + c.get("password") + ": the hosts appear within a minute.");
    System.out.println(" Or ask the API:");
    System.out.println("   curl --digest -u " + c.get("publicKey") + ":" + c.get("privateKey")
        + " '" + c.get("url") + "/api/public/v1.0/groups/" + c.get("groupId") + "/hosts'");
    System.out.println(" Stop with Ctrl-C or ./openmms stop");
    System.out.println(line);
  }

  private synchronized void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      Lifecycle.closeQuietly(running.get(i));
    }
    running.clear();
  }
}
