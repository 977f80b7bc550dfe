package io.openmms.daemon.service;

import io.openmms.common.config.Config;
import io.openmms.daemon.DaemonSettings;
import java.time.Clock;
import java.util.Map;

/** A daemon in its own JVM, for kill tests: {@code DaemonChild <appdb uri> <data dir> <id> <lease>}. */
public final class DaemonChild {
  private DaemonChild() {}

  public static void main(String[] args) throws Exception {
    Config config = Config.of("daemon", DaemonSettings.ALL, Map.of(
        DaemonSettings.APPDB_URI.key(), args[0], DaemonSettings.DATA_DIR.key(), args[1],
        DaemonSettings.ID.key(), args[2], DaemonSettings.LEASE_DURATION.key(), args[3],
        DaemonSettings.POLL_INTERVAL.key(), "50ms", DaemonSettings.ADMIN_PORT.key(), "0"));
    BackupDaemon daemon = BackupDaemon.start(config, Clock.systemUTC());
    System.out.println("READY " + daemon.daemonId());
    daemon.awaitStop();
  }
}
