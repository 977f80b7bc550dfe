package io.openmms.agent.backup;

import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.ReadPreference;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.connection.ClusterConnectionMode;
import io.openmms.agent.monitoring.DriverCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Connects to an assignment's replica set with the official driver: its {@code hosts} as seeds,
 * its {@code replicaSetName} required, reads from the primary, with the agent's MongoDB
 * credentials and TLS ({@code agent.mongo.*}). Socket reads may take as long as a held getMore
 * plus a generous margin.
 */
final class SourceConnector implements Function<Assignment, MongoClient> {
  private static final Duration READ_MARGIN = Duration.ofMinutes(2);

  private final DriverCommands.Options mongo;
  private final Duration oplogAwait;

  SourceConnector(DriverCommands.Options mongo, Duration oplogAwait) {
    this.mongo = mongo;
    this.oplogAwait = oplogAwait;
  }

  @Override
  public MongoClient apply(Assignment a) {
    List<ServerAddress> hosts = a.hosts().stream().map(SourceConnector::address).toList();
    MongoClientSettings.Builder b = MongoClientSettings.builder()
        .applicationName("openmms-backup-agent")
        .readPreference(ReadPreference.primary())
        .applyToClusterSettings(c -> c.hosts(hosts).mode(ClusterConnectionMode.MULTIPLE)
            .requiredReplicaSetName(a.replicaSetName())
            .serverSelectionTimeout(mongo.connectTimeout().toMillis() * 5, TimeUnit.MILLISECONDS))
        .applyToSocketSettings(s -> s
            .connectTimeout((int) mongo.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .readTimeout((int) READ_MARGIN.plus(oplogAwait).toMillis(), TimeUnit.MILLISECONDS));
    if (mongo.username() != null) {
      b.credential(MongoCredential.createCredential(mongo.username(), mongo.authSource(),
          mongo.password().toCharArray()));
    }
    if (mongo.sslContext() != null) {
      b.applyToSslSettings(s -> s.enabled(true).context(mongo.sslContext()));
    }
    return MongoClients.create(b.build());
  }

  /** {@code host:port} or {@code [v6]:port}; the driver parses both. */
  private static ServerAddress address(String hostPort) {
    return new ServerAddress(hostPort);
  }
}
