package io.openmms.dist;

import io.openmms.common.config.Config;
import io.openmms.common.util.PrivateFiles;
import io.openmms.server.InitialSetup;
import io.openmms.server.OpenmmsServer;
import io.openmms.server.ServerSettings;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Run the server package: the HTTP service (web UI, public API, monitoring"
        + " agents) and its admin port.",
        "With no server.appdb.uri it starts an embedded application database in the data"
            + " directory. At first start it creates an owner, a group and keys and writes them"
            + " to <data-dir>/initial-credentials.properties."})
final class ServerCommand implements Callable<Integer> {
  @Mixin Overrides overrides;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (server.data.dir).")
  Path dataDir;

  @Option(names = "--port", description = "HTTP port (server.http.port).")
  Integer port;

  @Override
  public Integer call() throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    if (dataDir != null) {
      o.put(ServerSettings.DATA_DIR.key(), dataDir.toString());
    }
    if (port != null) {
      o.put(ServerSettings.HTTP_PORT.key(), port.toString());
    }
    Config config = overrides.load("server", ServerSettings.ALL, o);
    OpenmmsServer server = OpenmmsServer.start(config, Clock.systemUTC(), new SecureRandom());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Lifecycle.closeQuietly(server)));
    Path dir = config.get(ServerSettings.DATA_DIR);
    SecureRandom random = new SecureRandom();
    InitialSetup.Credentials c = InitialSetup.ensure(server, "admin", "Default Group",
        new io.openmms.server.auth.Secrets(random).password());
    System.out.println("openmms server is running at " + server.publicUrl());
    if (c != null) {
      Path file = dir.resolve("initial-credentials.properties");
      PrivateFiles.writeProperties(file, c.asMap(server.publicUrl()),
          "openmms initial credentials; shown once, keep them safe");
      System.out.println("First start: created user 'admin', group '" + c.groupId()
          + "' and keys; they are in " + file.toAbsolutePath() + " (readable only by you).");
    }
    System.out.println("Stop it with Ctrl-C or: ./openmms stop --data-dir " + dir);
    server.awaitStop();
    return 0;
  }
}
