package io.openmms.dist;

import io.openmms.common.config.Config;
import io.openmms.daemon.DaemonSettings;
import io.openmms.daemon.service.BackupDaemon;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "daemon", mixinStandardHelpOptions = true,
    description = {"Run a backup daemon: take leases on backed-up replica sets and keep a head"
        + " (a local copy) of each up to date from the batches the backup agents shipped.",
        "It needs the application database the server uses (daemon.appdb.uri). Several daemons"
            + " share the backups; stopping one (Ctrl-C or POST /shutdown on its admin port)"
            + " releases its leases so the others continue at once.",
        "Example: ./openmms daemon --appdb-uri mongodb://127.0.0.1:27017 --head-dir /var/lib/openmms/heads"})
final class DaemonCommand implements Callable<Integer> {
  @Mixin Overrides overrides;

  @Option(names = "--appdb-uri", paramLabel = "URI",
      description = "Connection string of the application database (daemon.appdb.uri).")
  String appdbUri;

  @Option(names = "--head-dir", paramLabel = "DIR",
      description = "Directory of the heads (daemon.head.dir).")
  Path headDir;

  @Override
  public Integer call() throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    if (appdbUri != null) {
      o.put(DaemonSettings.APPDB_URI.key(), appdbUri);
    }
    if (headDir != null) {
      o.put(DaemonSettings.HEAD_DIR.key(), headDir.toString());
    }
    Config config = overrides.load("daemon", DaemonSettings.ALL, o);
    BackupDaemon daemon = BackupDaemon.start(config, Clock.systemUTC());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Lifecycle.closeQuietly(daemon)));
    System.out.println("openmms daemon " + daemon.daemonId() + " is running (admin port 127.0.0.1:"
        + daemon.adminPort() + "); stop it with Ctrl-C or POST /shutdown with the token in "
        + config.get(DaemonSettings.DATA_DIR).resolve("daemon-admin.properties"));
    daemon.awaitStop();
    return 0;
  }
}
