package io.openmms.server.store;

/** Names of the application database's collections. The layout is described in docs/architecture.md. */
public final class Collections {
  private Collections() {}

  public static final String USERS = "users";
  public static final String GROUPS = "groups";
  public static final String API_KEYS = "apiKeys";
  public static final String AGENT_KEYS = "agentKeys";
  public static final String AGENTS = "agents";
  public static final String HOSTS = "hosts";
  public static final String MEAS_MINUTE = "measurementsMinute";
  public static final String MEAS_HOUR = "measurementsHour";
  public static final String MEAS_DAY = "measurementsDay";
  public static final String DIRTY_HOURS = "rollupDirtyHours";
  public static final String DIRTY_DAYS = "rollupDirtyDays";
  public static final String SECRETS = "serverSecrets";
  public static final String SESSIONS = "sessions";
  public static final String LOGIN_FAILURES = "loginFailures";
  public static final String AUDIT = "auditLog";
  public static final String BACKUP_CONFIGS = "backupConfigs";
  public static final String BACKUPS = "backups";
  /** One document per stored backup batch: its header fields and how many parts it has. */
  public static final String BACKUP_BATCHES = "backupBatches";
  /** The batches' bytes (gzip of the BSON stream as received), in parts of at most 8 MiB. */
  public static final String BACKUP_BATCH_PARTS = "backupBatchParts";
  /** Backup daemons' leases on backups: {@code {_id: backupId, daemonId, expires}}. */
  public static final String LEASES = "leases";
  /** Running backup daemons, renewed like leases: {@code {_id: daemonId, host, expires}}. */
  public static final String DAEMONS = "daemons";
  /** Each backup's head status as its daemon reports it (docs/backup-protocol.md, "Status"). */
  public static final String HEADS = "heads";
  /** Snapshot manifests, one per complete snapshot (docs/snapshot-format.md, "Manifest"). */
  public static final String SNAPSHOTS = "snapshots";
  /** Snapshots being written: their block references so far, which the groom keeps. */
  public static final String SNAPSHOTS_PENDING = "snapshotsPending";
  /** On-demand snapshot requests, one per backup: {@code {_id: backupId, requested}}. */
  public static final String SNAPSHOT_REQUESTS = "snapshotRequests";
  /**
   * Each backup's failing snapshot, until one succeeds:
   * {@code {_id: backupId, message, at, retryAt, attempts, request}}.
   */
  public static final String SNAPSHOT_FAILURES = "snapshotFailures";
  /** Running and finished grooms per block store domain (docs/snapshots.md, "Groom"). */
  public static final String GROOMS = "grooms";
  /** Restore jobs (docs/restores.md, "Jobs"). */
  public static final String RESTORE_JOBS = "restoreJobs";
  /**
   * The files of HTTP restore deliveries, one per attempt of a job, in parts of 4 MiB:
   * {@code {_id: "<jobId>.<attempt>#<n>", data}} (RestoreFiles).
   */
  public static final String RESTORE_FILE_PARTS = "restoreFileParts";
  public static final String INVITATIONS = "invitations";
  public static final String JOIN_REQUESTS = "joinRequests";
}
