package io.openmms.server.store;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded application database: a MongoDB-wire-compatible server (mongo-java-server with its
 * persistent H2 MVStore backend) bound to loopback, used when no connection string is configured.
 *
 * <p>Durability: the H2 backend on its own commits its store about once a second, so a kill -9
 * could lose writes a client had seen acknowledged. {@link DurableH2Backend} commits the store
 * after every write command before the reply is sent. The rest of openmms talks to this server
 * only through the official driver, exactly as to a production replica set.
 */
public final class EmbeddedMongo implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMongo.class);
  private final MongoServer server;
  private final H2Backend backend;
  private final String connectionString;

  private EmbeddedMongo(MongoServer server, H2Backend backend, String connectionString) {
    this.server = server;
    this.backend = backend;
    this.connectionString = connectionString;
  }

  /** Opens (or creates) the database file {@code appdb.mv} in {@code dir} and listens on 127.0.0.1. */
  public static EmbeddedMongo start(Path dir, int port) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("appdb.mv");
    H2Backend backend = new DurableH2Backend(file.toString());
    MongoServer server = new MongoServer(backend);
    server.bind("127.0.0.1", port);
    String uri = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
    LOG.info("Embedded application database {} listening on {}", file, uri);
    return new EmbeddedMongo(server, backend, uri);
  }

  /** {@code mongodb://127.0.0.1:PORT}. */
  public String connectionString() {
    return connectionString;
  }

  @Override
  public void close() {
    server.shutdownNow();
    backend.close();
  }

  /** An H2 backend that commits its store before acknowledging any write. */
  static final class DurableH2Backend extends H2Backend {
    private static final Set<String> WRITES = Set.of("insert", "update", "delete",
        "findandmodify", "create", "drop", "dropdatabase", "createindexes", "dropindexes",
        "renamecollection", "collmod");

    DurableH2Backend(String file) {
      super(file);
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command,
        Document query) {
      Document reply = super.handleCommand(channel, database, command, query);
      if (WRITES.contains(command.toLowerCase(java.util.Locale.ROOT))) {
        synchronized (this) {
          commit();
        }
      }
      return reply;
    }
  }
}
