package io.openmms.dist;

import io.openmms.common.util.PrivateFiles;
import io.openmms.server.admin.AdminEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "stop", mixinStandardHelpOptions = true,
    description = {"Stop a running server, demo or daemon (through its localhost admin port) or agent"
        + " (by its pid file), and wait until it has stopped."})
final class StopCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", defaultValue = "server", paramLabel = "COMPONENT",
      description = "server (also stops a demo), daemon or agent. Default: server.")
  String component;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "The component's data directory. Default: ./data for the server,"
          + " ./daemon-data for the daemon, ./agent-data for the agent.")
  Path dataDir;

  @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait. Default: 60.")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    return switch (component) {
      case "server", "demo" -> stopAdmin("server", dataDir == null ? Path.of("data") : dataDir);
      case "daemon" -> stopAdmin("daemon", dataDir == null ? Path.of("daemon-data") : dataDir);
      case "agent" -> stopAgent(dataDir == null ? Path.of("agent-data") : dataDir);
      default -> {
        System.err.println("Unknown component '" + component + "': use server, daemon or agent");
        yield 2;
      }
    };
  }

  /** Stops a server or daemon through its admin port, using the token file it wrote at start. */
  private int stopAdmin(String name, Path dir) throws Exception {
    Path info = dir.resolve(name + "-admin.properties");
    if (!Files.exists(info)) {
      System.err.println("No running " + name + " found: " + info + " does not exist");
      return 1;
    }
    Properties p = PrivateFiles.readProperties(info);
    int port = Integer.parseInt(p.getProperty("port"));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/shutdown"))
          .header(AdminEndpoint.TOKEN_HEADER, p.getProperty("token"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        System.err.println("The " + name + " refused to stop: " + r.body());
        return 1;
      }
    } catch (java.net.ConnectException e) {
      System.err.println("No " + name + " answers on admin port " + port + " (stale " + info
          + ")");
      Files.deleteIfExists(info);
      return 1;
    } catch (java.io.IOException e) {
      // the server may close the connection while stopping; wait for it below
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    while (Files.exists(info) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    if (Files.exists(info)) {
      System.err.println("The " + name + " did not stop within " + timeoutSeconds + " s");
      return 1;
    }
    System.out.println(Character.toUpperCase(name.charAt(0)) + name.substring(1) + " stopped.");
    return 0;
  }

  private int stopAgent(Path dir) throws Exception {
    Path pidFile = dir.resolve("agent.pid");
    if (!Files.exists(pidFile)) {
      System.err.println("No running agent found: " + pidFile + " does not exist");
      return 1;
    }
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    var handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) {
      System.err.println("Agent process " + pid + " is not running (stale " + pidFile + ")");
      Files.deleteIfExists(pidFile);
      return 1;
    }
    handle.get().destroy();
    try {
      handle.get().onExit().get(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      System.err.println("The agent did not stop within " + timeoutSeconds + " s");
      return 1;
    }
    System.out.println("Agent stopped.");
    return 0;
  }
}
