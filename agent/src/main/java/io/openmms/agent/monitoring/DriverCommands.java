package io.openmms.agent.monitoring;

import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.connection.ClusterConnectionMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.bson.Document;

/**
 * {@link NodeCommands} over the official driver: one {@link MongoClient} per process, each a
 * direct connection ({@code directConnection=true}) with short connect and selection timeouts so
 * a dead process costs one timeout per poll, not a hang. Clients are kept between polls (hello on
 * an open connection is cheap) and closed when the process leaves the topology.
 */
public final class DriverCommands implements NodeCommands {

  /**
   * How to connect to every monitored process.
   *
   * @param username {@code null} for a deployment without authentication
   * @param sslContext {@code null} for plain TCP
   */
  public record Options(String username, String password, String authSource,
      SSLContext sslContext, Duration connectTimeout, Duration commandTimeout) {
    @Override
    public String toString() {
      return "Options[username=" + username + ", authSource=" + authSource + ", tls="
          + (sslContext != null) + "]";
    }
  }

  private record Key(String hostPort, boolean authenticate) {}

  private final Options options;
  private final Map<Key, MongoClient> clients = new ConcurrentHashMap<>();
  private volatile Set<String> arbiters = Set.of();
  private volatile boolean closed;

  public DriverCommands(Options options) {
    this.options = options;
  }

  @Override
  public Document run(String hostPort, String database, Document command) {
    return client(hostPort).getDatabase(database).runCommand(command);
  }

  @Override
  public List<Document> find(String hostPort, String database, String collection,
      Document filter, Document sort, Document projection, int limit) {
    return client(hostPort).getDatabase(database).getCollection(collection).find(filter)
        .sort(sort).projection(projection).limit(limit).batchSize(limit)
        .into(new ArrayList<>());
  }

  @Override
  public void retain(Set<String> hostPorts, Set<String> arbiters) {
    this.arbiters = Set.copyOf(arbiters);
    clients.entrySet().removeIf(e -> {
      boolean stale = !hostPorts.contains(e.getKey().hostPort())
          || e.getKey().authenticate() != authenticates(e.getKey().hostPort());
      if (stale) {
        e.getValue().close();
      }
      return stale;
    });
  }

  private MongoClient client(String hostPort) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    return clients.computeIfAbsent(new Key(hostPort, authenticates(hostPort)), this::create);
  }

  private boolean authenticates(String hostPort) {
    return options.username() != null && !arbiters.contains(hostPort);
  }

  private MongoClient create(Key key) {
    long connectMs = options.connectTimeout().toMillis();
    long readMs = options.commandTimeout().toMillis();
    MongoClientSettings.Builder b = MongoClientSettings.builder()
        .applicationName("openmms-agent")
        .applyToClusterSettings(c -> c.hosts(List.of(new ServerAddress(key.hostPort())))
            .mode(ClusterConnectionMode.SINGLE)
            .serverSelectionTimeout(connectMs, TimeUnit.MILLISECONDS))
        .applyToSocketSettings(s -> s.connectTimeout((int) connectMs, TimeUnit.MILLISECONDS)
            .readTimeout((int) readMs, TimeUnit.MILLISECONDS))
        .applyToConnectionPoolSettings(p -> p.maxSize(4).minSize(0)
            .maxWaitTime(connectMs, TimeUnit.MILLISECONDS)
            .maxConnectionIdleTime(5, TimeUnit.MINUTES))
        .applyToSslSettings(s -> {
          s.enabled(options.sslContext() != null);
          if (options.sslContext() != null) {
            s.context(options.sslContext());
          }
        });
    if (key.authenticate()) {
      b.credential(MongoCredential.createCredential(options.username(), options.authSource(),
          options.password() == null ? new char[0] : options.password().toCharArray()));
    }
    return MongoClients.create(b.build());
  }

  @Override
  public void close() {
    closed = true;
    RuntimeException first = null;
    for (MongoClient c : clients.values()) {
      try {
        c.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    clients.clear();
    if (first != null) {
      throw first;
    }
  }
}
