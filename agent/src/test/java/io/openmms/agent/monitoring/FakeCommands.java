package io.openmms.agent.monitoring;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoSocketOpenException;
import com.mongodb.ServerAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.bson.BsonDocument;
import org.bson.Document;

/**
 * A scripted deployment for unit tests: each process answers commands from a table of replies
 * shaped like MongoDB's documented output. A process can be taken down (connection refused) and
 * a command can be made to fail as the server would ({@code CommandNotFound}, {@code Unauthorized}).
 */
public final class FakeCommands implements NodeCommands {
  private final Map<String, Map<String, Function<Document, Document>>> replies =
      new ConcurrentHashMap<>();
  private final Map<String, Map<String, List<Document>>> collections = new ConcurrentHashMap<>();
  private final Set<String> down = ConcurrentHashMap.newKeySet();
  public final List<String> log = new CopyOnWriteArrayList<>();
  public volatile boolean closed;
  /** When set, {@link #close()} throws it (after marking itself closed). */
  public volatile RuntimeException closeFailure;

  /** The process answers {@code command} with {@code reply}. */
  public FakeCommands reply(String hostPort, String command, Document reply) {
    return reply(hostPort, command, c -> reply);
  }

  public FakeCommands reply(String hostPort, String command, Function<Document, Document> fn) {
    replies.computeIfAbsent(hostPort, k -> new ConcurrentHashMap<>()).put(command, fn);
    return this;
  }

  /** {@code db.coll} of the process holds these documents, in natural order. */
  public FakeCommands collection(String hostPort, String ns, List<Document> docs) {
    collections.computeIfAbsent(hostPort, k -> new ConcurrentHashMap<>()).put(ns, docs);
    return this;
  }

  public void down(String hostPort) {
    down.add(hostPort);
  }

  public void up(String hostPort) {
    down.remove(hostPort);
  }

  @Override
  public Document run(String hostPort, String database, Document command) {
    String name = command.keySet().iterator().next();
    log.add(hostPort + " " + database + " " + name);
    reachable(hostPort);
    var fn = replies.getOrDefault(hostPort, Map.of()).get(name);
    if (fn == null) {
      throw commandError(hostPort, 59, "CommandNotFound", "no such command: '" + name + "'");
    }
    Document reply = fn.apply(command);
    if (reply.get("$error") instanceof Document err) {
      throw commandError(hostPort, err.getInteger("code"), err.getString("codeName"), "refused");
    }
    return reply;
  }

  @Override
  public List<Document> find(String hostPort, String database, String collection,
      Document filter, Document sort, Document projection, int limit) {
    log.add(hostPort + " find " + database + "." + collection);
    reachable(hostPort);
    List<Document> docs = new ArrayList<>(collections.getOrDefault(hostPort, Map.of())
        .getOrDefault(database + "." + collection, List.of()));
    if (sort.get("$natural") instanceof Integer i && i < 0) {
      java.util.Collections.reverse(docs);
    }
    return docs.subList(0, Math.min(limit, docs.size()));
  }

  private void reachable(String hostPort) {
    if (down.contains(hostPort)) {
      throw new MongoSocketOpenException("Exception opening socket",
          new ServerAddress(hostPort), new java.net.ConnectException("Connection refused"));
    }
  }

  /** A reply that makes the command fail as the server would. */
  public static Document error(int code, String codeName) {
    return new Document("$error", new Document("code", code).append("codeName", codeName));
  }

  private static MongoCommandException commandError(String hp, int code, String codeName,
      String msg) {
    BsonDocument body = new BsonDocument("ok", new org.bson.BsonDouble(0))
        .append("code", new org.bson.BsonInt32(code))
        .append("codeName", new org.bson.BsonString(codeName))
        .append("errmsg", new org.bson.BsonString(msg));
    return new MongoCommandException(body, new ServerAddress(hp));
  }

  @Override
  public void retain(Set<String> hostPorts, Set<String> arbiters) {}

  @Override
  public void close() {
    closed = true;
    if (closeFailure != null) {
      throw closeFailure;
    }
  }
}
