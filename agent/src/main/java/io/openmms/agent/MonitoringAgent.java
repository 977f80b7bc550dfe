package io.openmms.agent;

import io.openmms.agent.monitoring.Collector;
import io.openmms.agent.monitoring.DriverCommands;
import io.openmms.agent.monitoring.NodeCommands;
import io.openmms.agent.monitoring.Seeds;
import io.openmms.agent.monitoring.Topology;
import io.openmms.agent.ship.BatchCodec;
import io.openmms.agent.ship.BatchSender;
import io.openmms.agent.ship.MonitoringClient;
import io.openmms.agent.ship.PemTrust;
import io.openmms.agent.ship.ServerEndpoint;
import io.openmms.agent.ship.Spool;
import io.openmms.common.config.Config;
import io.openmms.common.config.ConfigException;
import io.openmms.common.wire.HostSample;
import io.openmms.common.wire.MonitoringBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring agent: every {@code agent.poll.interval} it re-discovers the deployment from
 * the seed, polls every process ({@link Collector}), and appends the cycle's samples as one
 * batch to the on-disk {@link Spool}; a sender thread ({@link BatchSender}) ships spooled batches
 * to the service oldest-first and deletes each once acknowledged. Polling never waits for the
 * service, and nothing acknowledged is lost or reordered across outages and restarts.
 *
 * <p>Construction validates the configuration (failing with a {@link ConfigException} naming the
 * key) without touching disk or network; {@link #start()} opens the data directory and starts
 * the threads; {@link #close()} stops them and releases everything. Thread-safe.
 */
public final class MonitoringAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MonitoringAgent.class);
  /** The agent's version as shipped in every batch. */
  public static final String VERSION = readVersion();

  private final Config config;
  private final Clock clock;
  private final Supplier<String> newAgentId;
  private final boolean autoPoll;
  private final Function<DriverCommands.Options, NodeCommands> connector;
  private final List<String> seeds;
  private final URI serverUrl;
  private final SSLContext serverTrust;
  private final DriverCommands.Options mongoOptions;
  private final Object pollLock = new Object();

  private String agentId;
  private Spool spool;
  private MonitoringClient client;
  private BatchSender sender;
  private Thread senderThread;
  private Collector collector;
  private ScheduledExecutorService scheduler;
  private volatile boolean started;

  /** An agent polling on its own schedule; call {@link #start()}. */
  public MonitoringAgent(Config config, Clock clock) {
    this(config, clock, () -> UUID.randomUUID().toString(), true, DriverCommands::new);
  }

  /**
   * @param newAgentId makes the agent id on the first start with a fresh data directory
   * @param autoPoll false to leave polling to {@link #pollOnce()} (tests driving a fake clock)
   */
  MonitoringAgent(Config config, Clock clock, Supplier<String> newAgentId, boolean autoPoll,
      Function<DriverCommands.Options, NodeCommands> connector) {
    this.config = config;
    this.clock = clock;
    this.newAgentId = newAgentId;
    this.autoPoll = autoPoll;
    this.connector = connector;
    this.seeds = Seeds.parse(config.get(AgentSettings.MONGO_SEED), AgentSettings.MONGO_SEED.key());
    config.require(AgentSettings.GROUP_ID);
    config.require(AgentSettings.API_KEY);
    this.serverUrl = ServerEndpoint.check(config.get(AgentSettings.SERVER_URL),
        config.get(AgentSettings.SERVER_ALLOW_INSECURE), AgentSettings.SERVER_URL.key(),
        AgentSettings.SERVER_ALLOW_INSECURE.key());
    Path serverCa = config.get(AgentSettings.SERVER_TLS_CA_FILE);
    this.serverTrust = serverCa == null ? null
        : PemTrust.sslContext(serverCa, AgentSettings.SERVER_TLS_CA_FILE.key());
    this.mongoOptions = mongoOptions(config);
  }

  /** How to connect to MongoDB per {@code agent.mongo.*}; the backup agent uses it too. */
  public static DriverCommands.Options mongoOptions(Config config) {
    String user = config.get(AgentSettings.MONGO_USERNAME);
    String password = config.get(AgentSettings.MONGO_PASSWORD);
    if (user == null && password != null) {
      throw new ConfigException(AgentSettings.MONGO_PASSWORD.key() + " is set but "
          + AgentSettings.MONGO_USERNAME.key() + " is not");
    }
    if (user != null && password == null) {
      throw new ConfigException(AgentSettings.MONGO_USERNAME.key() + " is set but "
          + AgentSettings.MONGO_PASSWORD.key() + " is not");
    }
    Path ca = config.get(AgentSettings.MONGO_TLS_CA_FILE);
    boolean tls = config.get(AgentSettings.MONGO_TLS);
    if (ca != null && !tls) {
      throw new ConfigException(AgentSettings.MONGO_TLS_CA_FILE.key() + " is set but "
          + AgentSettings.MONGO_TLS.key() + " is false");
    }
    SSLContext ssl = null;
    if (tls) {
      try {
        ssl = ca == null ? SSLContext.getDefault()
            : PemTrust.sslContext(ca, AgentSettings.MONGO_TLS_CA_FILE.key());
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return new DriverCommands.Options(user, password,
        config.get(AgentSettings.MONGO_AUTH_SOURCE), ssl,
        config.get(AgentSettings.MONGO_CONNECT_TIMEOUT),
        config.get(AgentSettings.MONGO_COMMAND_TIMEOUT));
  }

  /** Opens the data directory and spool and starts polling and sending. */
  public synchronized void start() throws IOException {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    config.describe().forEach(line -> LOG.info("{}", line));
    Path dataDir = config.get(AgentSettings.DATA_DIR);
    Files.createDirectories(dataDir);
    agentId = AgentIdentity.load(dataDir, newAgentId);
    spool = Spool.open(dataDir.resolve("spool"), config.get(AgentSettings.SPOOL_MAX_BYTES),
        BatchCodec::countSamples);
    client = new MonitoringClient(serverUrl, config.get(AgentSettings.GROUP_ID),
        config.get(AgentSettings.API_KEY), serverTrust, config.get(AgentSettings.SEND_TIMEOUT));
    sender = new BatchSender(spool, client, config.get(AgentSettings.SEND_RETRY_INITIAL),
        config.get(AgentSettings.SEND_RETRY_MAX), clock);
    senderThread = new Thread(sender, "openmms-agent-sender");
    senderThread.setDaemon(true);
    senderThread.start();
    collector = new Collector(connector.apply(mongoOptions), seeds,
        config.get(AgentSettings.POLL_THREADS), config.get(AgentSettings.POLL_SLOW_INTERVAL),
        clock);
    LOG.info("Monitoring agent {} ({}) polling {} every {}, reporting to {}, {} batches spooled",
        agentId, VERSION, seeds, config.get(AgentSettings.POLL_INTERVAL), client.endpoint(),
        spool.size());
    if (autoPoll) {
      scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "openmms-agent-poll");
        t.setDaemon(true);
        return t;
      });
      long ms = config.get(AgentSettings.POLL_INTERVAL).toMillis();
      scheduler.scheduleAtFixedRate(this::pollSafely, 0, ms, TimeUnit.MILLISECONDS);
    }
  }

  private void pollSafely() {
    try {
      pollOnce();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | IOException e) {
      LOG.error("Poll cycle failed; retrying at the next interval", e);
    }
  }

  /** Runs one poll cycle and spools its batch. Cycles never overlap. */
  void pollOnce() throws InterruptedException, IOException {
    synchronized (pollLock) {
      List<HostSample> samples = collector.pollCycle();
      spool.append(seq -> BatchCodec.encode(new MonitoringBatch(agentId, seq, VERSION, samples)));
    }
  }

  /** The processes and roles found by the last poll cycle; empty before the first. */
  public Topology lastTopology() {
    Collector c = collector;
    return c == null ? Topology.EMPTY : c.lastTopology();
  }

  /** Batches waiting in the spool to be sent. */
  public int spooledBatches() {
    Spool s = spool;
    return s == null ? 0 : s.size();
  }

  /** Batches the service acknowledged since {@link #start()}. */
  public long sentBatches() {
    BatchSender s = sender;
    return s == null ? 0 : s.sentBatches();
  }

  /** Batches the service rejected as invalid since {@link #start()} (kept in spool/rejected). */
  public long rejectedBatches() {
    BatchSender s = sender;
    return s == null ? 0 : s.rejectedBatches();
  }

  /** Samples dropped since {@link #start()} because the spool was full. */
  public long droppedSamples() {
    Spool s = spool;
    return s == null ? 0 : s.droppedSamples();
  }

  /** The stable id of this agent (from its data directory); {@code null} before start. */
  public String agentId() {
    return agentId;
  }

  /** Stops polling and sending, closes connections; rethrows the first failure. */
  @Override
  public synchronized void close() {
    List<RuntimeException> failures = new ArrayList<>();
    if (scheduler != null) {
      run(failures, () -> {
        scheduler.shutdownNow();
        await(scheduler);
      });
    }
    if (senderThread != null) {
      run(failures, () -> {
        senderThread.interrupt();
        join(senderThread);
      });
    }
    if (collector != null) {
      run(failures, () -> {
        synchronized (pollLock) {
          collector.close();
        }
      });
    }
    if (client != null) {
      run(failures, client::close);
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }

  private static void run(List<RuntimeException> failures, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
  }

  private static void await(ScheduledExecutorService s) {
    try {
      if (!s.awaitTermination(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("poll cycle did not stop within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void join(Thread t) {
    try {
      t.join(30_000);
      if (t.isAlive()) {
        throw new IllegalStateException("sender thread did not stop within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String readVersion() {
    try (InputStream in = MonitoringAgent.class.getResourceAsStream(
        "/openmms-agent.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      String v = p.getProperty("version", "dev");
      return v.startsWith("${") ? "dev" : v;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
