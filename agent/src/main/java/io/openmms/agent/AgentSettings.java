package io.openmms.agent;

import io.openmms.common.config.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The agent's settings: monitoring, and backup under {@code agent.backup.*}. Each is one typed
 * constant; {@link #ALL} is what {@link io.openmms.common.config.Config#load} validates at start
 * and what the configuration reference is generated from.
 */
public final class AgentSettings {
  private AgentSettings() {}

  public static final Setting<String> SERVER_URL = Setting.string("agent.server.url",
      "http://127.0.0.1:8080", "Base URL of the openmms HTTP service the agent reports to. "
          + "https:// is verified against the JDK's trusted CAs plus agent.server.tls.ca.file; "
          + "http:// is accepted only for a loopback host unless agent.server.allow.insecure=true");

  public static final Setting<String> GROUP_ID = Setting.string("agent.group.id", null,
      "Id of the group (project) this agent reports for; the user name of HTTP Basic auth");

  public static final Setting<String> API_KEY = Setting.string("agent.api.key", null,
      "The group's agent API key; the password of HTTP Basic auth").secret();

  public static final Setting<Path> SERVER_TLS_CA_FILE = Setting.path("agent.server.tls.ca.file",
      null, "PEM file with one or more CA certificates trusted for the service's HTTPS "
          + "certificate, in addition to the JDK's default trust store");

  public static final Setting<Boolean> SERVER_ALLOW_INSECURE = Setting.bool(
      "agent.server.allow.insecure", false,
      "Allow plain http:// to a host that is not a loopback address (samples and the API key "
          + "then travel unencrypted)");

  public static final Setting<String> MONGO_SEED = Setting.string("agent.mongo.seed", null,
      "The deployment to monitor: one host:port (a mongos, a replica-set member or a "
          + "standalone), a comma-separated list of them, or a mongodb:// URI whose hosts are "
          + "used as seeds (its other options are ignored; credentials go in agent.mongo.*)");

  public static final Setting<String> MONGO_USERNAME = Setting.string("agent.mongo.username",
      null, "User the agent authenticates as on every monitored process (needs the "
          + "clusterMonitor role); unset for a deployment without authentication");

  public static final Setting<String> MONGO_PASSWORD = Setting.string("agent.mongo.password",
      null, "Password of agent.mongo.username").secret();

  public static final Setting<String> MONGO_AUTH_SOURCE = Setting.string(
      "agent.mongo.auth.source", "admin", "Database that holds agent.mongo.username");

  public static final Setting<Boolean> MONGO_TLS = Setting.bool("agent.mongo.tls", false,
      "Connect to the monitored processes with TLS (certificates and host names are verified)");

  public static final Setting<Path> MONGO_TLS_CA_FILE = Setting.path("agent.mongo.tls.ca.file",
      null, "PEM file with CA certificates trusted for the monitored processes' TLS "
          + "certificates, in addition to the JDK's default trust store");

  public static final Setting<Duration> MONGO_CONNECT_TIMEOUT = Setting.duration(
      "agent.mongo.connect.timeout", "2s", Duration.ofMillis(100),
      "How long to wait to connect to (or select) a monitored process before reporting it down");

  public static final Setting<Duration> MONGO_COMMAND_TIMEOUT = Setting.duration(
      "agent.mongo.command.timeout", "10s", Duration.ofMillis(100),
      "Socket read timeout for one monitoring command (serverStatus, dbStats, ...)");

  public static final Setting<Duration> POLL_INTERVAL = Setting.duration("agent.poll.interval",
      "10s", Duration.ofSeconds(1),
      "How often every process is polled (hello, serverStatus, replSetGetStatus, oplog window) "
          + "and the topology re-discovered");

  public static final Setting<Duration> POLL_SLOW_INTERVAL = Setting.duration(
      "agent.poll.slow.interval", "5m", Duration.ofSeconds(1),
      "How often the costlier commands run on each process (listDatabases + dbStats, hostInfo, "
          + "buildInfo, getCmdLineOpts); always on a process's first poll and after a restart");

  public static final Setting<Integer> POLL_THREADS = Setting.integer("agent.poll.threads", 8, 1,
      256, "How many processes are polled at the same time");

  public static final Setting<Path> DATA_DIR = Setting.path("agent.data.dir", "./agent-data",
      "Directory for the agent's id, batch sequence number and the spool of unsent samples");

  public static final Setting<Long> SPOOL_MAX_BYTES = Setting.bytes("agent.spool.max.bytes",
      "256MB", 64 * 1024, "Most disk space the spool of unsent batches may use; when full the "
          + "oldest batches are dropped (and the number of dropped samples logged)");

  public static final Setting<Duration> SEND_TIMEOUT = Setting.duration("agent.send.timeout",
      "30s", Duration.ofSeconds(1), "Timeout of one HTTP request to the service");

  public static final Setting<Duration> SEND_RETRY_INITIAL = Setting.duration(
      "agent.send.retry.initial", "1s", Duration.ofMillis(10),
      "First wait before resending after the service was unreachable or refused the request; "
          + "doubles on each further failure up to agent.send.retry.max");

  public static final Setting<Duration> SEND_RETRY_MAX = Setting.duration("agent.send.retry.max",
      "1m", Duration.ofMillis(10), "Longest wait between two attempts to send a batch");

  public static final Setting<Boolean> BACKUP_ENABLED = Setting.bool("agent.backup.enabled", false,
      "Run the backup agent too: ask the Backup HTTP service which replica sets to back up, "
          + "copy each once (initial sync) and ship its oplog from then on");

  public static final Setting<String> BACKUP_SERVER_URL = Setting.string(
      "agent.backup.server.url", "http://127.0.0.1:8081", "Base URL of the Backup HTTP service "
          + "the backup agent ships to; the same TLS rules as agent.server.url "
          + "(agent.server.tls.ca.file, plain http:// only to loopback unless "
          + "agent.server.allow.insecure=true)");

  public static final Setting<Duration> BACKUP_ASSIGNMENTS_INTERVAL = Setting.duration(
      "agent.backup.assignments.interval", "10s", Duration.ofMillis(100),
      "How often the backup agent asks the service which replica sets to back up, when the "
          + "service's answer does not give pollIntervalSeconds itself");

  public static final Setting<Long> BACKUP_BATCH_MAX_BYTES = Setting.bytes(
      "agent.backup.batch.max.bytes", "16MB", 1024, "Most BSON bytes of documents or oplog "
          + "entries in one request to the backup service (at most 32MB; a single larger "
          + "document, up to MongoDB's 16MB, travels alone)");

  public static final Setting<Integer> BACKUP_BATCH_MAX_DOCUMENTS = Setting.integer(
      "agent.backup.batch.max.documents", 10_000, 1, 100_000,
      "Most documents or oplog entries in one request to the backup service");

  public static final Setting<Integer> BACKUP_COPY_BATCH_SIZE = Setting.integer(
      "agent.backup.copy.batch.size", 1000, 1, 100_000, "batchSize of the initial sync's "
          + "reads of a collection (documents per reply); lowered for a collection of large "
          + "documents so that one reply stays near 16MB");

  public static final Setting<Integer> BACKUP_OPLOG_BATCH_SIZE = Setting.integer(
      "agent.backup.oplog.batch.size", 1000, 1, 100_000,
      "batchSize of the reads of local.oplog.rs (entries per reply)");

  public static final Setting<Duration> BACKUP_OPLOG_AWAIT = Setting.duration(
      "agent.backup.oplog.await", "1s", Duration.ofMillis(10), "maxAwaitTime of the tailable "
          + "oplog cursor: how long the primary holds a getMore open waiting for new entries");

  public static final Setting<Duration> BACKUP_OPLOG_POLL_INTERVAL = Setting.duration(
      "agent.backup.oplog.poll.interval", "1s", Duration.ofMillis(10), "How often the oplog "
          + "is queried for new entries when the source does not keep tailable cursors open "
          + "(detected and logged once)");

  public static final Setting<Long> BACKUP_SPOOL_MAX_BYTES = Setting.bytes(
      "agent.backup.spool.max.bytes", "1GB", 64 * 1024, "Most disk space (under "
          + "agent.data.dir/backup/<backupId>/) for oplog entries read but not yet shipped, "
          + "for each replica set: during an initial sync the oplog of the copy's duration "
          + "waits there. When full, the oplog reader pauses and resumes from the source oplog "
          + "later (a resync follows if the source oplog no longer reaches back)");

  public static final Setting<Duration> BACKUP_SEND_TIMEOUT = Setting.duration(
      "agent.backup.send.timeout", "2m", Duration.ofSeconds(1),
      "Timeout of one HTTP request to the backup service");

  public static final Setting<Duration> BACKUP_RETRY_INITIAL = Setting.duration(
      "agent.backup.retry.initial", "1s", Duration.ofMillis(10), "First wait before resending "
          + "a backup batch after the service was unreachable or answered 5xx; doubles on "
          + "each further failure up to agent.backup.retry.max");

  public static final Setting<Duration> BACKUP_RETRY_MAX = Setting.duration(
      "agent.backup.retry.max", "1m", Duration.ofMillis(10),
      "Longest wait between two attempts to send a backup batch or to reach the service");

  /** Every agent setting, in documentation order. */
  public static final List<Setting<?>> ALL = List.of(SERVER_URL, GROUP_ID, API_KEY,
      SERVER_TLS_CA_FILE, SERVER_ALLOW_INSECURE, MONGO_SEED, MONGO_USERNAME, MONGO_PASSWORD,
      MONGO_AUTH_SOURCE, MONGO_TLS, MONGO_TLS_CA_FILE, MONGO_CONNECT_TIMEOUT,
      MONGO_COMMAND_TIMEOUT, POLL_INTERVAL, POLL_SLOW_INTERVAL, POLL_THREADS, DATA_DIR,
      SPOOL_MAX_BYTES, SEND_TIMEOUT, SEND_RETRY_INITIAL, SEND_RETRY_MAX, BACKUP_ENABLED,
      BACKUP_SERVER_URL, BACKUP_ASSIGNMENTS_INTERVAL, BACKUP_BATCH_MAX_BYTES,
      BACKUP_BATCH_MAX_DOCUMENTS, BACKUP_COPY_BATCH_SIZE, BACKUP_OPLOG_BATCH_SIZE,
      BACKUP_OPLOG_AWAIT, BACKUP_OPLOG_POLL_INTERVAL, BACKUP_SPOOL_MAX_BYTES, BACKUP_SEND_TIMEOUT,
      BACKUP_RETRY_INITIAL, BACKUP_RETRY_MAX);
}
