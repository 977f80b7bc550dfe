package io.openmms.server;

import io.openmms.common.config.Setting;
import java.time.Duration;
import java.util.List;

/** Every setting of the server package (HTTP service, backup services, application database). */
public final class ServerSettings {
  private ServerSettings() {}

  public static final Setting<java.nio.file.Path> DATA_DIR = Setting.path("server.data.dir", "./data",
      "Directory for the embedded application database, credentials written at first start and"
          + " the admin token.");
  public static final Setting<String> APPDB_URI = Setting.string("server.appdb.uri", null,
      "Connection string of the application database (a MongoDB replica set). When unset, an"
          + " embedded database is started in the data directory.").secret();
  public static final Setting<String> APPDB_NAME = Setting.string("server.appdb.name", "openmms",
      "Name of the application database.");
  public static final Setting<Integer> EMBEDDED_PORT = Setting.port("server.appdb.embedded.port", 0,
      "Loopback port of the embedded application database (0 picks a free port).");
  public static final Setting<String> HTTP_HOST = Setting.string("server.http.host", "0.0.0.0",
      "Interface the HTTP service (web UI, public API, monitoring agents) listens on.");
  public static final Setting<Integer> HTTP_PORT = Setting.port("server.http.port", 8080,
      "Port of the HTTP service (0 picks a free port).");
  public static final Setting<java.nio.file.Path> TLS_KEYSTORE = Setting.path(
      "server.tls.keystore", null,
      "PKCS#12 keystore with the certificate and key of the HTTP service. When set, the service"
          + " speaks HTTPS only.");
  public static final Setting<String> TLS_KEYSTORE_PASSWORD = Setting.string(
      "server.tls.keystore.password", "", "Password of the PKCS#12 keystore.").secret();
  public static final Setting<String> PUBLIC_URL = Setting.string("server.public.url", null,
      "The URL users and agents reach the HTTP service at (for links and agent set-up"
          + " instructions). Default: derived from host and port.");
  public static final Setting<Integer> ADMIN_PORT = Setting.port("server.admin.port", 8650,
      "Port of the admin endpoint (health, metrics, thread dump, shutdown) on 127.0.0.1 only"
          + " (0 picks a free port).");
  public static final Setting<Long> MAX_PAYLOAD = Setting.bytes("server.ingest.max.payload",
      "8MB", 1024, "Largest agent request body accepted, after decompression.");
  public static final Setting<Long> MAX_COMPRESSED_PAYLOAD = Setting.bytes(
      "server.ingest.max.compressed.payload", "2MB", 1024,
      "Largest agent request body accepted on the wire.");
  public static final Setting<Integer> MAX_SAMPLES = Setting.integer("server.ingest.max.samples",
      5000, 1, 1_000_000, "Most host samples accepted in one agent request.");
  public static final Setting<Duration> RETENTION_MINUTE = Setting.duration(
      "server.retention.minute", "48h", Duration.ofHours(1),
      "How long 1-minute monitoring data is kept.");
  public static final Setting<Duration> RETENTION_HOUR = Setting.duration(
      "server.retention.hour", "90d", Duration.ofDays(1),
      "How long hourly monitoring roll-ups are kept.");
  public static final Setting<Duration> RETENTION_DAY = Setting.duration(
      "server.retention.day", "730d", Duration.ofDays(7),
      "How long daily monitoring roll-ups are kept.");
  public static final Setting<Duration> ROLLUP_INTERVAL = Setting.duration(
      "server.rollup.interval", "5m", Duration.ofSeconds(1),
      "How often roll-ups are computed and old monitoring data pruned.");
  public static final Setting<Duration> HOST_DOWN_AFTER = Setting.duration(
      "server.host.down.after", "1m", Duration.ofSeconds(10),
      "A host whose agent has sent no sample for this long is shown as down.");

  public static final Setting<Duration> SESSION_IDLE = Setting.duration("server.session.idle",
      "12h", Duration.ofMinutes(1),
      "A browser session ends after this long without a request.");
  public static final Setting<Duration> SESSION_MAX_AGE = Setting.duration(
      "server.session.max.age", "7d", Duration.ofMinutes(1),
      "A browser session ends this long after sign-in, however active.");
  public static final Setting<Integer> LOGIN_MAX_FAILURES = Setting.integer(
      "server.login.max.failures", 5, 1, 1000,
      "Failed sign-ins allowed per user name or client address within the lockout window.");
  public static final Setting<Duration> LOGIN_LOCKOUT_WINDOW = Setting.duration(
      "server.login.lockout.window", "15m", Duration.ofSeconds(1),
      "The window in which failed sign-ins are counted; further attempts wait until the oldest"
          + " failure leaves it.");

  public static final Setting<String> BACKUP_HTTP_HOST = Setting.string("server.backup.http.host",
      "0.0.0.0", "Interface the Backup HTTP service (backup agents, restore downloads) listens on.");
  public static final Setting<Integer> BACKUP_HTTP_PORT = Setting.port("server.backup.http.port",
      8081, "Port of the Backup HTTP service (0 picks a free port). It uses the same TLS keystore"
          + " as the HTTP service.");
  public static final Setting<String> BACKUP_PUBLIC_URL = Setting.string(
      "server.backup.public.url", null,
      "Base URL of the Backup HTTP service as users reach it (e.g. https://backup.example.com:8081),"
          + " used in restore download links. Default: the service's own scheme, host and port.");
  public static final Setting<Long> BACKUP_MAX_PAYLOAD = Setting.bytes(
      "server.backup.max.payload", "48MB", 1024,
      "Largest backup agent request accepted, after decompression.");
  public static final Setting<Long> BACKUP_MAX_COMPRESSED_PAYLOAD = Setting.bytes(
      "server.backup.max.compressed.payload", "48MB", 1024,
      "Largest backup agent request accepted on the wire.");
  public static final Setting<Integer> BACKUP_MAX_DOCUMENTS = Setting.integer(
      "server.backup.max.documents", 100_000, 1, 10_000_000,
      "Most documents or oplog entries accepted in one backup agent request.");

  public static final List<Setting<?>> ALL = List.of(DATA_DIR, APPDB_URI, APPDB_NAME,
      EMBEDDED_PORT, HTTP_HOST, HTTP_PORT, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD, PUBLIC_URL,
      ADMIN_PORT, MAX_PAYLOAD, MAX_COMPRESSED_PAYLOAD, MAX_SAMPLES, RETENTION_MINUTE,
      RETENTION_HOUR, RETENTION_DAY, ROLLUP_INTERVAL, HOST_DOWN_AFTER, SESSION_IDLE,
      SESSION_MAX_AGE, LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_WINDOW, BACKUP_HTTP_HOST,
      BACKUP_HTTP_PORT, BACKUP_PUBLIC_URL, BACKUP_MAX_PAYLOAD, BACKUP_MAX_COMPRESSED_PAYLOAD,
      BACKUP_MAX_DOCUMENTS);
}
