package io.openmms.agent.monitoring;

import java.util.List;
import java.util.Set;
import org.bson.Document;

/**
 * How the monitoring code talks to individual MongoDB processes: each call goes to exactly the
 * named process (a direct connection, never routed by the driver to another member). Failures
 * surface as the driver's {@link com.mongodb.MongoException}s; {@link Failures} classifies them.
 * Implementations are thread-safe.
 */
public interface NodeCommands extends AutoCloseable {

  /** Runs a command on one process and returns its reply. */
  Document run(String hostPort, String database, Document command);

  /** A find with at most {@code limit} results, fetched in a single batch. */
  List<Document> find(String hostPort, String database, String collection, Document filter,
      Document sort, Document projection, int limit);

  /**
   * Releases connections to processes no longer in the topology. {@code arbiters} are connected
   * to without credentials: an arbiter holds no users, so authenticating against it fails.
   */
  void retain(Set<String> hostPorts, Set<String> arbiters);

  @Override
  void close();
}
