package io.openmms.agent.backup;

import com.mongodb.client.MongoClient;
import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.agent.ship.Backoff;
import io.openmms.agent.ship.PemTrust;
import io.openmms.agent.ship.ServerEndpoint;
import io.openmms.common.config.Config;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup agent (docs/backup-protocol.md): asks the Backup HTTP service which replica sets
 * to back up ({@code GET /backup/api/v1/assignments}, every poll interval) and runs one
 * {@link BackupWorker} per replica set — initial sync, then the oplog. A worker whose
 * assignment disappears or whose {@code syncId} changes is stopped; one that ended (failure,
 * superseded sync, lost key) is started again from the service's position at the next poll,
 * at once when it asked for new assignments; one that requested a resync waits until the
 * service hands out a new {@code syncId}.
 *
 * <p>Construction validates the configuration without touching disk or network;
 * {@link #start()} starts the assignment thread; {@link #close()} stops every worker.
 * Thread-safe.
 */
public final class BackupAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackupAgent.class);

  private final Clock clock;
  private final BackupOptions options;
  private final URI serverUrl;
  private final String groupId;
  private final String apiKey;
  private final SSLContext serverTrust;
  private final Function<Assignment, MongoClient> connector;
  private final Map<String, BackupWorker> workers = new HashMap<>();
  private final Map<String, String> awaitingResync = new HashMap<>();
  private final Map<String, OplogReader.TailMode> tailModes = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean wakeRequested;
  private volatile boolean closed;
  private BackupClient client;
  private Thread thread;

  public BackupAgent(Config config, Clock clock) {
    this.clock = clock;
    this.options = BackupOptions.of(config);
    this.groupId = config.require(AgentSettings.GROUP_ID);
    this.apiKey = config.require(AgentSettings.API_KEY);
    this.serverUrl = ServerEndpoint.check(config.get(AgentSettings.BACKUP_SERVER_URL),
        config.get(AgentSettings.SERVER_ALLOW_INSECURE), AgentSettings.BACKUP_SERVER_URL.key(),
        AgentSettings.SERVER_ALLOW_INSECURE.key());
    Path ca = config.get(AgentSettings.SERVER_TLS_CA_FILE);
    this.serverTrust = ca == null ? null
        : PemTrust.sslContext(ca, AgentSettings.SERVER_TLS_CA_FILE.key());
    this.connector = new SourceConnector(MonitoringAgent.mongoOptions(config),
        options.oplogAwait());
  }

  /** Starts asking for assignments and backing up. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    client = new BackupClient(serverUrl, groupId, apiKey, serverTrust, options.sendTimeout());
    thread = new Thread(this::run, "openmms-backup-assignments");
    thread.setDaemon(true);
    thread.start();
    LOG.info("Backup agent asking {} for assignments", client.endpoint());
  }

  private void run() {
    Backoff backoff = new Backoff(options.retryInitial(), options.retryMax());
    boolean failing = false;
    while (!closed) {
      Duration wait;
      try {
        Assignment.Answer answer = client.assignments();
        reconcile(answer);
        if (failing) {
          LOG.info("Backup agent: the service at {} answers again", client.endpoint());
          failing = false;
        }
        backoff.reset();
        wait = answer.pollIntervalSeconds() == null ? options.assignmentsInterval()
            : Duration.ofSeconds(answer.pollIntervalSeconds());
      } catch (IOException e) {
        if (!failing) {
          LOG.warn("Backup agent: cannot read assignments ({}); retrying with backoff",
              e.getMessage() == null ? e.toString() : e.getMessage());
          failing = true;
        }
        wait = backoff.next();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.error("Backup agent: handling assignments failed", e);
        wait = backoff.next();
      }
      if (!sleep(wait)) {
        return;
      }
    }
  }

  /** Waits {@code wait}, less when a worker asks for new assignments; false when closed. */
  private boolean sleep(Duration wait) {
    lock.lock();
    try {
      long left = wait.toNanos();
      while (!closed && !wakeRequested && left > 0) {
        left = wake.awaitNanos(left);
      }
      wakeRequested = false;
      return !closed;
    } catch (InterruptedException e) {
      return false;
    } finally {
      lock.unlock();
    }
  }

  private void wakeUp() {
    lock.lock();
    try {
      wakeRequested = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private synchronized void reconcile(Assignment.Answer answer) {
    if (closed) {
      return;
    }
    Map<String, Assignment> wanted = new LinkedHashMap<>();
    answer.backups().forEach(a -> wanted.put(a.backupId(), a));
    workers.entrySet().removeIf(e -> {
      Assignment a = wanted.get(e.getKey());
      if (a == null || !a.syncId().equals(e.getValue().assignment().syncId())) {
        if (e.getValue().isAlive()) {
          LOG.info("{}: {}; stopping its worker", e.getValue().assignment().label(),
              a == null ? "no longer assigned" : "superseded by sync " + a.syncId());
        }
        e.getValue().stop();
        return true;
      }
      return false;
    });
    awaitingResync.keySet().retainAll(wanted.keySet());
    for (Assignment a : wanted.values()) {
      BackupWorker w = workers.get(a.backupId());
      if (w != null && w.isAlive()) {
        continue;
      }
      if (w != null && w.outcome() == BackupWorker.Outcome.RESYNC_REQUESTED) {
        awaitingResync.put(a.backupId(), w.assignment().syncId());
      }
      if (a.syncId().equals(awaitingResync.get(a.backupId()))) {
        continue; // the service has not handed out the new sync yet
      }
      awaitingResync.remove(a.backupId());
      BackupWorker next = new BackupWorker(a, client, options, connector,
          tailModes.computeIfAbsent(a.backupId(), id -> new OplogReader.TailMode()), clock,
          this::wakeUp);
      workers.put(a.backupId(), next);
      next.start();
    }
  }

  /** Replica sets with a running worker, by backupId; for status and tests. */
  synchronized Map<String, BackupWorker.Outcome> workers() {
    Map<String, BackupWorker.Outcome> m = new LinkedHashMap<>();
    workers.forEach((id, w) -> m.put(id, w.outcome()));
    return m;
  }

  /** Stops every worker (each waits for its threads) and the assignment thread. */
  @Override
  public void close() {
    closed = true;
    wakeUp();
    Thread t;
    synchronized (this) {
      t = thread;
      workers.values().forEach(BackupWorker::stop);
      workers.clear();
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    BackupClient c = client;
    if (c != null) {
      c.close();
    }
  }
}
