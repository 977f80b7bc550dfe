package io.openmms.daemon.service;

import io.openmms.common.config.Config;
import io.openmms.daemon.DaemonSettings;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * A daemon in its own JVM, for kill tests:
 * {@code DaemonChild <appdb uri> <data dir> <id> <lease> [setting=value]...}.
 */
public final class DaemonChild {
  private DaemonChild() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        DaemonSettings.APPDB_URI.key(), args[0], DaemonSettings.DATA_DIR.key(), args[1],
        DaemonSettings.ID.key(), args[2], DaemonSettings.LEASE_DURATION.key(), args[3],
        DaemonSettings.POLL_INTERVAL.key(), "50ms", DaemonSettings.ADMIN_PORT.key(), "0"));
    for (int i = 4; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      o.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    BackupDaemon daemon = BackupDaemon.start(Config.of("daemon", DaemonSettings.ALL, o),
        Clock.systemUTC());
    System.out.println("READY " + daemon.daemonId());
    daemon.awaitStop();
  }
}
