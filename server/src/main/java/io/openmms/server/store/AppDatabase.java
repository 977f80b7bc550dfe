package io.openmms.server.store;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * The application database (SPEC §2): users, groups, keys, hosts and monitoring data. Given a
 * connection string it uses that MongoDB deployment; otherwise it starts {@link EmbeddedMongo} in
 * the data directory and connects to it the same way, through the official driver. Writes use
 * majority write concern so an acknowledged write survives a failover.
 *
 * <p>Thread-safe.
 */
public final class AppDatabase implements AutoCloseable {
  private final EmbeddedMongo embedded;
  private final MongoClient client;
  private final MongoDatabase db;

  private AppDatabase(EmbeddedMongo embedded, MongoClient client, String name) {
    this.embedded = embedded;
    this.client = client;
    this.db = client.getDatabase(name).withWriteConcern(WriteConcern.MAJORITY);
    ensureIndexes();
  }

  /**
   * Connects to {@code uri}, or, when it is {@code null}, starts the embedded database in
   * {@code dataDir} on {@code embeddedPort}.
   */
  public static AppDatabase open(String uri, String name, Path dataDir, int embeddedPort) {
    EmbeddedMongo embedded = null;
    try {
      if (uri == null) {
        embedded = EmbeddedMongo.start(dataDir.resolve("appdb"), embeddedPort);
        uri = embedded.connectionString();
      }
      MongoClientSettings settings = MongoClientSettings.builder()
          .applyConnectionString(new ConnectionString(uri))
          .applyToClusterSettings(b -> b.serverSelectionTimeout(10, TimeUnit.SECONDS))
          .applyToSocketSettings(b -> b.connectTimeout(5, TimeUnit.SECONDS))
          .build();
      return new AppDatabase(embedded, MongoClients.create(settings), name);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start the embedded application database in "
          + dataDir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  private void ensureIndexes() {
    collection(Collections.USERS).createIndex(Indexes.ascending("username"),
        new IndexOptions().unique(true));
    collection(Collections.API_KEYS).createIndex(Indexes.ascending("publicKey"),
        new IndexOptions().unique(true));
    collection(Collections.AGENT_KEYS).createIndex(Indexes.ascending("groupId"));
    collection(Collections.HOSTS).createIndex(Indexes.ascending("groupId"));
    for (String c : new String[] {Collections.MEAS_MINUTE, Collections.MEAS_HOUR,
        Collections.MEAS_DAY}) {
      collection(c).createIndex(Indexes.ascending("h", "t"));
      collection(c).createIndex(Indexes.ascending("t"));
    }
  }

  public MongoCollection<Document> collection(String name) {
    return db.getCollection(name);
  }

  public MongoDatabase database() {
    return db;
  }

  /** Round-trips a ping; throws when the database cannot be reached. */
  public void ping() {
    db.runCommand(new Document("ping", 1));
  }

  /** The connection string of the embedded database, or {@code null} when an external one is used. */
  public String embeddedConnectionString() {
    return embedded == null ? null : embedded.connectionString();
  }

  @Override
  public void close() {
    RuntimeException first = null;
    try {
      client.close();
    } catch (RuntimeException e) {
      first = e;
    }
    if (embedded != null) {
      try {
        embedded.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
