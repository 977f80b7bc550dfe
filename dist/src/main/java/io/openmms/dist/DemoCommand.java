package io.openmms.dist;

import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.agent.backup.BackupAgent;
import io.openmms.common.config.Config;
import io.openmms.common.util.PrivateFiles;
import io.openmms.daemon.DaemonSettings;
import io.openmms.daemon.service.BackupDaemon;
import io.openmms.server.InitialSetup;
import io.openmms.server.OpenmmsServer;
import io.openmms.server.ServerSettings;
import io.openmms.server.auth.Secrets;
import io.openmms.server.store.EmbeddedMongo;
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
 * application database, a stand-in 3-member replica set under a steady mixed workload, a
 * monitoring and backup agent watching it, and a backup daemon keeping its head.
 *
 * <p>The demo opens the embedded application database itself and hands its connection string
 * to the server and the daemon, so that it outlives both: {@code openmms stop} stops the server
 * through its admin port, and the daemon, stopped after it, can still release its leases. Once
 * monitoring has discovered the replica set, {@link DemoBackup} starts its backup through the
 * public API in the background and then starts the backup agent.
 *
 * <p>{@code -D} settings go to the component their key names: {@code daemon.*} to the daemon,
 * {@code agent.*} to the agent, everything else to the server.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run everything in one process: the server (embedded application database),"
        + " a stand-in 3-member MongoDB replica set under a steady workload, a monitoring and"
        + " backup agent watching it, and a backup daemon keeping its head (a live copy).",
        "Credentials and the source's connection string are printed and written to"
            + " <data-dir>/demo-credentials.properties. -D daemon.* and -D agent.* settings go"
            + " to the daemon and the agent, the others to the server. Stop with Ctrl-C or"
            + " ./openmms stop."})
public final class DemoCommand implements Callable<Integer> {
  @Mixin Overrides overrides;

  @Option(names = "--data-dir", defaultValue = "./data", description = "Data directory. Default: ./data.")
  Path dataDir;

  @Option(names = "--port", defaultValue = "8080", description = "HTTP port. Default: 8080.")
  int port;

  @Option(names = "--daemon-admin-port", defaultValue = "8640",
      description = "The backup daemon's admin port on 127.0.0.1 (0 picks a free port)."
          + " Default: 8640.")
  int daemonAdminPort;

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
    try {
      run();
    } finally {
      stopAll();
    }
    return 0;
  }

  private void run() throws Exception {
    Map<String, String> daemonSettings = take("daemon.");
    Map<String, String> agentSettings = take("agent.");
    Config config = serverConfig();
    OpenmmsServer server = add(OpenmmsServer.start(config, Clock.systemUTC(),
        new SecureRandom()));
    Map<String, String> creds = credentials(server);

    ReplicaSetStandIn source = add(ReplicaSetStandIn.start("rs0", 3));
    add(Workload.start(source.client(), "demo", opsPerSecond));
    creds.put("sourceUri", source.connectionString());
    Path credFile = dataDir.resolve("demo-credentials.properties");
    PrivateFiles.writeProperties(credFile, creds, "openmms demo credentials");

    BackupDaemon daemon = add(BackupDaemon.start(daemonConfig(config, daemonSettings),
        Clock.systemUTC()));
    Config agentConfig = agentConfig(source, creds, server.backupPort(), agentSettings);
    MonitoringAgent agent = add(new MonitoringAgent(agentConfig, Clock.systemUTC()));
    agent.start();
    add(new DemoBackup(creds, source.name(), new BackupAgent(agentConfig, Clock.systemUTC())))
        .start();
    printBanner(creds, credFile, daemon);
    server.awaitStop();
  }

  /** Removes the {@code -D} settings with this prefix from the server's and returns them. */
  private Map<String, String> take(String prefix) {
    Map<String, String> out = new LinkedHashMap<>();
    overrides.settings.entrySet().removeIf(e -> {
      if (e.getKey().startsWith(prefix)) {
        out.put(e.getKey(), e.getValue());
        return true;
      }
      return false;
    });
    return out;
  }

  /**
   * The server's configuration. Without {@code server.appdb.uri} the demo starts the embedded
   * database in {@code <data-dir>/appdb} itself (where the server would) and points the server
   * at it.
   */
  private Config serverConfig() throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    o.put(ServerSettings.DATA_DIR.key(), dataDir.toString());
    o.put(ServerSettings.HTTP_PORT.key(), Integer.toString(port));
    o.put(ServerSettings.HTTP_HOST.key(), "127.0.0.1");
    o.put(ServerSettings.BACKUP_HTTP_HOST.key(), "127.0.0.1");
    Config config = overrides.load("server", ServerSettings.ALL, o);
    if (config.get(ServerSettings.APPDB_URI) != null) {
      return config;
    }
    EmbeddedMongo appdb = add(EmbeddedMongo.start(dataDir.resolve("appdb"),
        config.get(ServerSettings.EMBEDDED_PORT)));
    o.put(ServerSettings.APPDB_URI.key(), appdb.connectionString());
    return overrides.load("server", ServerSettings.ALL, o);
  }

  private Config daemonConfig(Config server, Map<String, String> settings) {
    Map<String, String> d = new LinkedHashMap<>();
    d.put(DaemonSettings.APPDB_URI.key(), server.get(ServerSettings.APPDB_URI));
    d.put(DaemonSettings.APPDB_NAME.key(), server.get(ServerSettings.APPDB_NAME));
    d.put(DaemonSettings.DATA_DIR.key(), dataDir.resolve("daemon").toString());
    d.put(DaemonSettings.HEAD_DIR.key(), dataDir.resolve("daemon").resolve("heads").toString());
    d.put(DaemonSettings.ADMIN_PORT.key(), Integer.toString(daemonAdminPort));
    d.putAll(settings);
    return Config.of("daemon", DaemonSettings.ALL, d);
  }

  private Config agentConfig(ReplicaSetStandIn source, Map<String, String> creds, int backupPort,
      Map<String, String> settings) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(AgentSettings.MONGO_SEED.key(), source.seedList());
    a.put(AgentSettings.SERVER_URL.key(), creds.get("url"));
    a.put(AgentSettings.GROUP_ID.key(), creds.get("groupId"));
    a.put(AgentSettings.API_KEY.key(), creds.get("agentApiKey"));
    a.put(AgentSettings.DATA_DIR.key(), dataDir.resolve("agent").toString());
    a.put(AgentSettings.POLL_INTERVAL.key(), pollInterval);
    a.put(AgentSettings.BACKUP_ENABLED.key(), "true");
    a.put(AgentSettings.BACKUP_SERVER_URL.key(), "http://127.0.0.1:" + backupPort);
    a.putAll(settings);
    return Config.of("agent", AgentSettings.ALL, a);
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

  private static void printBanner(Map<String, String> c, Path file, BackupDaemon daemon) {
    String line = "=".repeat(72);
    String group = c.get("url") + "/api/public/v1.0/groups/" + c.get("groupId");
    String curl = "   curl --digest -u " + c.get("publicKey") + ":" + c.get("privateKey") + " '";
    System.out.println(line);
    System.out.println(" openmms demo is running");
    System.out.println(line);
    c.forEach((k, v) -> System.out.printf(" %-12s %s%n", k, v));
    System.out.println();
    System.out.println(" Saved to " + file.toAbsolutePath() + " (mode 600).");
    System.out.println(" Open " + c.get("url") + " and sign in as " + c.get("username") + " / "
        + c.get("password") + ": the hosts appear within a minute.");
    System.out.println(" Backup is on: once monitoring has found rs0 its backup starts, the"
        + " agent copies it and ships its oplog, and the backup daemon " + daemon.daemonId()
        + " (admin port 127.0.0.1:" + daemon.adminPort() + ") keeps its head up to date.");
    System.out.println(" Ask the API:");
    System.out.println(curl + group + "/hosts'");
    System.out.println(curl + group + "/backupConfigs'");
    System.out.println(curl + group + "/backupConfigs/CLUSTER_ID/head'");
    System.out.println(" Stop with Ctrl-C or ./openmms stop");
    System.out.println(line);
  }

  private synchronized <T extends AutoCloseable> T add(T component) {
    running.add(component);
    return component;
  }

  private synchronized void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      Lifecycle.closeQuietly(running.get(i));
    }
    running.clear();
  }
}
