package io.openmms.dist;

import io.openmms.common.config.Config;
import io.openmms.daemon.DaemonSettings;
import io.openmms.server.backup.Backups;
import io.openmms.server.store.AppDatabase;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Optional;

/**
 * What the commands on stored backups ({@code restore}, {@code snapshot}, {@code verify}) work
 * with: the daemon's configuration ({@code -c}, {@code -D}, the environment), the application
 * database it names ({@code daemon.appdb.uri}), opened as the daemon opens it, and the backups
 * recorded there. Closing it closes the database.
 */
record DaemonDatabase(Config config, AppDatabase db, Backups backups) implements AutoCloseable {

  static DaemonDatabase open(Overrides overrides, Clock clock) {
    Config config = overrides.load("daemon", DaemonSettings.ALL, new LinkedHashMap<>());
    AppDatabase db = DaemonSettings.appDatabase(config);
    // a command creates no agent keys, so the backups need no secrets
    return new DaemonDatabase(config, db, new Backups(db, null, clock));
  }

  /**
   * The backup of the replica set {@code clusterId}; empty, after saying so on standard error,
   * when there is none.
   */
  Optional<Backups.Backup> backup(String clusterId) {
    Optional<Backups.Backup> b = Optional.ofNullable(backups.get(clusterId));
    if (b.isEmpty()) {
      System.err.println("No backup of cluster " + clusterId + ": start it first (PATCH"
          + " backupConfigs statusName STARTED); the cluster ids are in GET"
          + " groups/{id}/backupConfigs");
    }
    return b;
  }

  @Override
  public void close() {
    db.close();
  }
}
