package io.openmms.server;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import io.javalin.config.JavalinConfig;
import io.openmms.common.config.Config;
import io.openmms.server.admin.AdminEndpoint;
import io.openmms.server.api.BackupConfigApi;
import io.openmms.server.api.SnapshotsApi;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.api.KeysApi;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.BackupRoutes;
import io.openmms.server.backup.Daemons;
import io.openmms.server.backup.DownloadRoutes;
import io.openmms.server.backup.PitWindow;
import io.openmms.server.backup.RestoreExpiry;
import io.openmms.server.backup.RestoreFiles;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.RestoreRequests;
import io.openmms.server.backup.SourceVersions;
import io.openmms.server.api.RestoreJobsApi;
import io.openmms.server.api.RestoreSshKeysApi;
import io.openmms.server.backup.Backups;
import io.openmms.server.api.PrometheusRoutes;
import io.openmms.server.api.PublicApi;
import io.openmms.server.auth.AgentKeys;
import io.openmms.server.auth.ApiKeys;
import io.openmms.server.auth.DigestAuth;
import io.openmms.server.auth.LoginThrottle;
import io.openmms.server.auth.Secrets;
import io.openmms.server.auth.Sessions;
import io.openmms.server.audit.AuditLog;
import io.openmms.server.web.WebApp;
import io.openmms.server.http.HttpService;
import io.openmms.server.http.ServiceMetrics;
import io.openmms.server.ingest.AgentRoutes;
import io.openmms.server.ingest.MonitoringIngest;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.monitoring.Measurements;
import io.openmms.server.monitoring.Rollups;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Invitations;
import io.openmms.server.store.JoinRequests;
import io.openmms.server.store.Users;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server package (SPEC §1): the HTTP service on 8080 (public API, monitoring-agent
 * endpoints, Prometheus scrape), the admin port, and the background roll-up job, over one
 * application database. Stateless: any number of instances with the same configuration can serve
 * the same database.
 *
 * <p>{@link #start} composes everything; {@link #close} releases everything in reverse order and
 * rethrows the first failure.
 */
public final class OpenmmsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpenmmsServer.class);

  private final Config config;
  private final AppDatabase db;
  private final Groups groups;
  private final Users users;
  private final ApiKeys apiKeys;
  private final AgentKeys agentKeys;
  private final AuditLog audit;
  private final Backups backups;
  private final io.openmms.server.backup.OplogPruner oplogPruner;
  private final Rollups rollups;
  private final ScheduledExecutorService scheduler;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final RestoreJobs restoreJobs;
  private final RestoreFiles restoreFiles;
  private HttpService http;
  private HttpService backupHttp;
  private AdminEndpoint admin;

  private OpenmmsServer(Config config, Clock clock, SecureRandom random) {
    this.config = config;
    Path dataDir = config.get(ServerSettings.DATA_DIR);
    this.db = AppDatabase.open(config.get(ServerSettings.APPDB_URI),
        config.get(ServerSettings.APPDB_NAME), dataDir, config.get(ServerSettings.EMBEDDED_PORT));
    closeables.add(db);
    Secrets secrets = new Secrets(random);
    this.groups = new Groups(db, clock);
    this.users = new Users(db, clock);
    this.apiKeys = new ApiKeys(db, secrets, clock);
    this.agentKeys = new AgentKeys(db, secrets, clock);
    this.audit = new AuditLog(db, clock);
    this.backups = new Backups(db, secrets, clock);
    this.oplogPruner = new io.openmms.server.backup.OplogPruner(db, backups);
    this.restoreJobs = new RestoreJobs(db, clock);
    this.restoreFiles = new RestoreFiles(db);
    this.rollups = new Rollups(db, clock, config.get(ServerSettings.RETENTION_MINUTE),
        config.get(ServerSettings.RETENTION_HOUR), config.get(ServerSettings.RETENTION_DAY));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "openmms-rollup");
      t.setDaemon(true);
      return t;
    });
  }

  /** Opens the application database and starts every listener and background job. */
  public static OpenmmsServer start(Config config, Clock clock, SecureRandom random) {
    OpenmmsServer s = new OpenmmsServer(config, clock, random);
    try {
      s.startServices(clock, new Secrets(random));
    } catch (RuntimeException | IOException e) {
      try {
        s.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
    return s;
  }

  private void startServices(Clock clock, Secrets secrets) throws IOException {
    ServiceMetrics metrics = new ServiceMetrics();
    DigestAuth digest = new DigestAuth(apiKeys, sharedSecret("digestNonceKey", secrets), clock);
    HostRecords hosts = new HostRecords(db);
    Measurements measurements = new Measurements(db, clock);
    MonitoringIngest ingest = new MonitoringIngest(db, hosts, measurements,
        config.get(ServerSettings.MAX_SAMPLES), clock);
    var downAfter = config.get(ServerSettings.HOST_DOWN_AFTER);
    boolean tls = config.get(ServerSettings.TLS_KEYSTORE) != null;
    Sessions sessions = new Sessions(db, secrets, clock, config.get(ServerSettings.SESSION_IDLE),
        config.get(ServerSettings.SESSION_MAX_AGE));
    LoginThrottle throttle = new LoginThrottle(db, clock,
        config.get(ServerSettings.LOGIN_MAX_FAILURES),
        config.get(ServerSettings.LOGIN_LOCKOUT_WINDOW));
    WebApp web = new WebApp(users, groups, sessions, throttle, audit, secrets, tls, hosts,
        measurements, clock, downAfter, agentKeys, apiKeys, new Invitations(db, secrets, clock),
        new JoinRequests(db, clock), this::publicUrl);
    Snapshots snapshots = new Snapshots(db);
    BackupData backupData = new BackupData(db);
    PitWindow pitWindow = new PitWindow(backups, snapshots, backupData);
    Daemons daemons = new Daemons(db, clock);
    RestoreJobsApi restoreJobsApi = new RestoreJobsApi(groups, backups, restoreJobs,
        new RestoreRequests(snapshots, pitWindow, restoreJobs, daemons, new SourceVersions(hosts),
            secrets), clock, this::backupUrl);
    web.withBackupPages(backups, snapshots, pitWindow, restoreJobsApi, daemons, db);
    BackupConfigApi backupConfigApi = new BackupConfigApi(groups, hosts, backups, db, daemons);
    backupConfigApi.onScheduleChanged(clusterId -> snapshots.recomputeExpiry(
        snapshots.backupsOf(clusterId), backups.schedule(clusterId)));
    List<java.util.function.Consumer<JavalinConfig>> routes = List.of(
        web::register,
        new PublicApi(groups, hosts, measurements, digest, sessions, users, clock,
            downAfter)::register,
        new KeysApi(groups, users, agentKeys, apiKeys, audit)::register,
        backupConfigApi::register,
        new SnapshotsApi(groups, backups, snapshots, clock)::register,
        restoreJobsApi::register,
        new RestoreSshKeysApi(groups, daemons)::register,
        new AgentRoutes(agentKeys, ingest, config.get(ServerSettings.MAX_COMPRESSED_PAYLOAD),
            config.get(ServerSettings.MAX_PAYLOAD), metrics)::register,
        new PrometheusRoutes(groups, hosts, measurements, digest, clock, downAfter)::register);
    http = HttpService.start("HTTP service", config.get(ServerSettings.HTTP_HOST),
        config.get(ServerSettings.HTTP_PORT), config.get(ServerSettings.TLS_KEYSTORE),
        config.get(ServerSettings.TLS_KEYSTORE_PASSWORD), metrics, routes, web::errorPage);
    closeables.add(http);
    backupHttp = HttpService.start("Backup HTTP service",
        config.get(ServerSettings.BACKUP_HTTP_HOST), config.get(ServerSettings.BACKUP_HTTP_PORT),
        config.get(ServerSettings.TLS_KEYSTORE), config.get(ServerSettings.TLS_KEYSTORE_PASSWORD),
        metrics, List.of(new BackupRoutes(agentKeys, backups, backupData, hosts,
            config.get(ServerSettings.BACKUP_MAX_COMPRESSED_PAYLOAD),
            config.get(ServerSettings.BACKUP_MAX_PAYLOAD),
            config.get(ServerSettings.BACKUP_MAX_DOCUMENTS))::register,
        new DownloadRoutes(restoreJobs, restoreFiles, clock)::register));
    closeables.add(backupHttp);
    long every = config.get(ServerSettings.ROLLUP_INTERVAL).toMillis();
    scheduler.scheduleWithFixedDelay(this::runRollups, every, every, TimeUnit.MILLISECONDS);
    admin = AdminEndpoint.start("server", config.get(ServerSettings.ADMIN_PORT),
        config.get(ServerSettings.DATA_DIR), secrets.hex(24), metrics, this::health,
        this::closeQuietly);
    // closed last, so that the answer to an admin shutdown request is sent before it stops
    closeables.add(0, admin);
  }

  private void runRollups() {
    try {
      rollups.run();
    } catch (RuntimeException e) {
      LOG.warn("Roll-up failed; will retry at the next interval: {}", e.toString());
    }
    try {
      RestoreExpiry.run(restoreJobs, restoreFiles);
    } catch (RuntimeException e) {
      LOG.warn("Expiring restore downloads failed; will retry at the next interval: {}",
          e.toString());
    }
    try {
      oplogPruner.run();
    } catch (RuntimeException e) {
      LOG.warn("Pruning stored oplog failed; will retry at the next interval: {}", e.toString());
    }
  }

  private Map<String, Object> health() {
    db.ping();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("applicationDatabase", "reachable");
    out.put("httpPort", http.port());
    return out;
  }

  /** A random secret shared by all server instances, created once in the application database. */
  private byte[] sharedSecret(String name, Secrets secrets) {
    var coll = db.collection(Collections.SECRETS);
    coll.updateOne(Filters.eq("_id", name),
        new Document("$setOnInsert", new Document("value", secrets.hex(32))),
        new UpdateOptions().upsert(true));
    return HexFormat.of().parseHex(coll.find(Filters.eq("_id", name)).first().getString("value"));
  }

  public int httpPort() {
    return http.port();
  }

  /** Base URL of the Backup HTTP service for restore links (server.backup.public.url). */
  public String backupUrl() {
    String configured = config.get(ServerSettings.BACKUP_PUBLIC_URL);
    if (configured != null) {
      return configured.endsWith("/") ? configured.substring(0, configured.length() - 1)
          : configured;
    }
    String host = config.get(ServerSettings.BACKUP_HTTP_HOST);
    String scheme = config.get(ServerSettings.TLS_KEYSTORE) != null ? "https" : "http";
    return scheme + "://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":"
        + backupHttp.port();
  }

  /** Port of the Backup HTTP service. */
  public int backupPort() {
    return backupHttp.port();
  }

  public io.openmms.server.backup.OplogPruner oplogPruner() {
    return oplogPruner;
  }

  public Backups backups() {
    return backups;
  }

  public int adminPort() {
    return admin.port();
  }

  /** The base URL of the HTTP service as configured, or derived from the listener. */
  public String publicUrl() {
    String configured = config.get(ServerSettings.PUBLIC_URL);
    if (configured != null) {
      return configured;
    }
    String host = config.get(ServerSettings.HTTP_HOST);
    String scheme = config.get(ServerSettings.TLS_KEYSTORE) != null ? "https" : "http";
    return scheme + "://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + http.port();
  }

  public AppDatabase database() {
    return db;
  }

  public Groups groups() {
    return groups;
  }

  public Users users() {
    return users;
  }

  public ApiKeys apiKeys() {
    return apiKeys;
  }

  public AgentKeys agentKeys() {
    return agentKeys;
  }

  public AuditLog audit() {
    return audit;
  }

  public Rollups rollups() {
    return rollups;
  }

  /** Blocks until {@link #close} has run (for example through the admin shutdown). */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  private void closeQuietly() {
    try {
      close();
    } catch (Exception e) {
      LOG.warn("Error during shutdown: {}", e.toString());
    }
  }

  @Override
  public synchronized void close() throws Exception {
    if (stopped.getCount() == 0) {
      return;
    }
    scheduler.shutdownNow();
    Exception first = null;
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    stopped.countDown();
    LOG.info("openmms server stopped");
    if (first != null) {
      throw first;
    }
  }
}
