package io.openmms.daemon;

import io.openmms.common.config.Config;
import io.openmms.common.config.ConfigException;
import io.openmms.common.config.Setting;
import io.openmms.daemon.snapshot.SnapshotStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Every setting of the backup daemon ({@code openmms daemon}). */
public final class DaemonSettings {
  private DaemonSettings() {}

  public static final Setting<String> APPDB_URI = Setting.string("daemon.appdb.uri", null,
      "Connection string of the application database the server uses (required: the daemon never"
          + " starts an embedded one). For a server running its embedded database, the connection"
          + " string it logs at start.").secret();
  public static final Setting<String> APPDB_NAME = Setting.string("daemon.appdb.name", "openmms",
      "Name of the application database (the server's server.appdb.name).");
  public static final Setting<Path> DATA_DIR = Setting.path("daemon.data.dir", "./daemon-data",
      "Directory for the daemon's lock file and admin token. Only one daemon may use it at a"
          + " time.");
  public static final Setting<String> ID = Setting.string("daemon.id", null,
      "This daemon's name in leases and head reports. Default: the host name and a hash of the"
          + " data directory, stable across restarts.");
  public static final Setting<Path> HEAD_DIR = Setting.path("daemon.head.dir", null,
      "Directory holding one head (a RocksDB database) per backed-up replica set, in a"
          + " subdirectory named after the backup id. Default: the heads directory in"
          + " daemon.data.dir (./daemon-data/heads).");

  /** The head directory: {@link #HEAD_DIR}, else {@code heads} in {@link #DATA_DIR}. */
  public static Path headDir(Config config) {
    Path dir = config.get(HEAD_DIR);
    return dir != null ? dir : config.get(DATA_DIR).resolve("heads");
  }
  public static final Setting<Duration> LEASE_DURATION = Setting.duration("daemon.lease.duration",
      "60s", Duration.ofMillis(500), "How long a lease on a backup lasts without renewal; it is"
          + " renewed every third of it. A daemon that dies loses its backups to another daemon"
          + " after this long. The daemons' clocks must agree to well within it.");
  public static final Setting<Duration> POLL_INTERVAL = Setting.duration("daemon.poll.interval",
      "1s", Duration.ofMillis(10), "How often the daemon looks for new batches of its backups and"
          + " for backups without a daemon.");
  public static final Setting<Integer> ADMIN_PORT = Setting.port("daemon.admin.port", 8640,
      "Port of the admin endpoint (health, metrics, thread dump, shutdown) on 127.0.0.1 only"
          + " (0 picks a free port).");

  public static final Setting<String> BLOCKSTORES = Setting.string("daemon.blockstores", null,
      "The block stores snapshots go to, as a comma-separated list of name=location; the first is"
          + " the default for new backups. A location is file:<directory>, a mongodb:// connection"
          + " string (blocks in the database of its path, default openmms_blockstore), or"
          + " s3://<bucket>/<prefix>?endpoint=<url>&region=<region>&accessKey=<key>&secretKey=<secret>."
          + " Every daemon must see the same stores. Default: default=file:<daemon.data.dir>/blockstore"
          + " (docs/snapshots.md).").secret();
  public static final Setting<Path> KEYS_DIR = Setting.path("daemon.blockstore.keys.dir", null,
      "Directory of per-group block encryption keys: a file <groupId>.key holding 32 random bytes"
          + " in base64 makes that group's new blocks AES-256-GCM encrypted. Default: none"
          + " (blocks are compressed, not encrypted).");
  public static final Setting<Integer> SNAPSHOT_THREADS = Setting.integer(
      "daemon.snapshot.threads", 0, 0, 64,
      "Threads compressing, encrypting and storing one snapshot's blocks (the writer's own"
          + " thread reads, chunks and hashes); 0 means one per processor.");

  /** {@link #SNAPSHOT_THREADS}, with 0 resolved to the number of processors. */
  public static int snapshotThreads(Config config) {
    int n = config.get(SNAPSHOT_THREADS);
    return n > 0 ? n : Math.max(1, Runtime.getRuntime().availableProcessors());
  }
  public static final Setting<Integer> SNAPSHOT_CONCURRENCY = Setting.integer(
      "daemon.snapshot.concurrency", 2, 1, 64,
      "Most snapshots this daemon writes at the same time (of different backups).");
  public static final Setting<Duration> GROOM_INTERVAL = Setting.duration("daemon.groom.interval",
      "1h", Duration.ofSeconds(1), "How often the daemon deletes expired snapshots and the blocks"
          + " no snapshot references.");

  public static final Setting<Path> RESTORE_DIR = Setting.path("daemon.restore.dir", null,
      "Where restores are staged (the dump, its package and, for a point-in-time restore, a"
          + " temporary head); it needs room for about twice the restored data. Default:"
          + " <daemon.data.dir>/restores.");
  public static final Setting<Integer> RESTORE_CONCURRENCY = Setting.integer(
      "daemon.restore.concurrency", 2, 1, 32,
      "Most restore jobs this daemon runs at the same time.");
  public static final Setting<Path> RESTORE_SSH_KEY = Setting.path("daemon.restore.ssh.key", null,
      "Private key (OpenSSH format) the daemon authenticates with for SCP restore deliveries;"
          + " created with its .pub beside it when missing (ECDSA P-256; MINA SSHD needs"
          + " BouncyCastle for ed25519). The daemon logs the public key line at start. Default:"
          + " <daemon.data.dir>/keys/restore_key.");

  /**
   * The application database of {@link #APPDB_URI} (required), for the commands that work on it
   * beside the daemon ({@code openmms snapshot}, {@code verify}, {@code restore}).
   */
  public static io.openmms.server.store.AppDatabase appDatabase(Config config) {
    return io.openmms.server.store.AppDatabase.open(config.require(APPDB_URI),
        config.get(APPDB_NAME), config.get(DATA_DIR), 0);
  }

  /** {@link #RESTORE_DIR} resolved against the data directory. */
  public static Path restoreDir(Config config) {
    Path p = config.get(RESTORE_DIR);
    return p != null ? p : config.get(DATA_DIR).resolve("restores");
  }

  /** {@link #RESTORE_SSH_KEY} resolved against the data directory. */
  public static Path restoreSshKey(Config config) {
    Path p = config.get(RESTORE_SSH_KEY);
    return p != null ? p : config.get(DATA_DIR).resolve("keys").resolve("restore_key");
  }

  /**
   * The block stores: {@link #BLOCKSTORES}, else a file store in {@link #DATA_DIR}; relative
   * file paths resolve against the working directory. A bad list is a {@link ConfigException}.
   */
  public static List<SnapshotStores.StoreConfig> blockstores(Config config) {
    String s = config.get(BLOCKSTORES);
    String spec = s != null ? s
        : "default=file:" + config.get(DATA_DIR).toAbsolutePath().resolve("blockstore");
    try {
      return SnapshotStores.parse(spec, Path.of("").toAbsolutePath());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(BLOCKSTORES.key() + ": " + e.getMessage());
    }
  }

  public static final List<Setting<?>> ALL = List.of(APPDB_URI, APPDB_NAME, DATA_DIR, ID,
      HEAD_DIR, LEASE_DURATION, POLL_INTERVAL, ADMIN_PORT, BLOCKSTORES, KEYS_DIR,
      SNAPSHOT_THREADS, SNAPSHOT_CONCURRENCY, GROOM_INTERVAL, RESTORE_DIR, RESTORE_CONCURRENCY,
      RESTORE_SSH_KEY);
}
