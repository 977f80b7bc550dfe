package io.openmms.agent.backup;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.openmms.common.util.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * A stand-in for the service side of the backup protocol on a free loopback port: assignments,
 * batches with the acknowledgement rules of docs/backup-protocol.md (acks in seq order,
 * resends answered as duplicates and not stored, 409 OUT_OF_ORDER, 409 SYNC_SUPERSEDED, 400
 * INVALID_BATCH for a broken rule) and resync. It records what it stored. It can be stopped
 * and started again on the same port (an outage), and can lose responses after storing.
 */
final class BackupReceiver implements AutoCloseable {
  static final String GROUP = "group-1";
  static final String KEY = "agent-key-secret";

  /** One stored batch: its header and documents. */
  record Stored(BsonDocument header, List<RawBsonDocument> documents) {
    String kind() {
      return header.getString("kind").getValue();
    }

    long seq() {
      return header.getInt64("seq").getValue();
    }
  }

  /** The service's state of one backup. */
  static final class Backup {
    final String backupId;
    final String replicaSetName;
    final List<String> hosts;
    String state = "INITIAL_SYNC_REQUIRED";
    String syncId;
    long lastSeq;
    BsonTimestamp lastTs;
    BsonTimestamp startTs;
    BsonTimestamp endTs;
    final List<Stored> stored = new ArrayList<>();
    final Set<String> namespaces = new HashSet<>();
    final List<String> resyncReasons = new ArrayList<>();
    int syncs = 1;

    Backup(String backupId, String replicaSetName, List<String> hosts) {
      this.backupId = backupId;
      this.replicaSetName = replicaSetName;
      this.hosts = hosts;
      this.syncId = backupId + "-sync-1";
    }
  }

  private final Map<String, Backup> backups = new LinkedHashMap<>();
  private final List<String> errors = new ArrayList<>();
  private int port;
  private HttpServer server;
  private ExecutorService executor;
  private int loseResponses;
  private int unavailable;
  private long duplicates;
  private long outOfOrder;
  private long batchPosts;

  static BackupReceiver start() throws IOException {
    BackupReceiver r = new BackupReceiver();
    r.listen();
    return r;
  }

  synchronized Backup add(String backupId, String replicaSetName, List<String> hosts) {
    Backup b = new Backup(backupId, replicaSetName, hosts);
    backups.put(backupId, b);
    return b;
  }

  private synchronized void listen() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    port = server.getAddress().getPort();
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/backup/api/v1/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** An outage: the port refuses connections until {@link #resume()}. */
  synchronized void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  synchronized void resume() throws IOException {
    listen();
  }

  /** The next {@code n} batches are stored but their answer is 503 (a lost acknowledgement). */
  synchronized void loseResponses(int n) {
    loseResponses = n;
  }

  /** The next {@code n} batch posts answer 503 without storing. */
  synchronized void unavailable(int n) {
    unavailable = n;
  }

  /** Forgets the last {@code n} stored batches, as a service restored from an older state. */
  synchronized void rewind(String backupId, int n) {
    Backup b = backups.get(backupId);
    for (int i = 0; i < n; i++) {
      b.stored.remove(b.stored.size() - 1);
    }
    b.lastSeq -= n;
    b.lastTs = null;
    for (Stored s : b.stored) {
      if (s.kind().equals(Batch.OPLOG)) {
        b.lastTs = s.header().getTimestamp("lastTs");
      }
    }
  }

  synchronized Backup backup(String id) {
    return backups.get(id);
  }

  synchronized List<Stored> stored(String id) {
    return List.copyOf(backups.get(id).stored);
  }

  synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  synchronized long duplicates() {
    return duplicates;
  }

  synchronized long outOfOrder() {
    return outOfOrder;
  }

  synchronized long batchPosts() {
    return batchPosts;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String expected = "Basic " + Base64.getEncoder().encodeToString(
          (GROUP + ":" + KEY).getBytes(StandardCharsets.UTF_8));
      if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        answer(ex, 401, error(401, "UNAUTHORIZED", "bad key"));
        return;
      }
      String path = ex.getRequestURI().getPath();
      if (path.equals(BackupClient.ASSIGNMENTS_PATH) && ex.getRequestMethod().equals("GET")) {
        answer(ex, 200, assignments());
      } else if (path.matches("/backup/api/v1/backups/[^/]+/batches")) {
        byte[] body = ex.getRequestBody().readAllBytes();
        String id = path.split("/")[5];
        Object[] r = batch(id, body);
        answer(ex, (Integer) r[0], (Map<?, ?>) r[1]);
      } else if (path.matches("/backup/api/v1/backups/[^/]+/resync")) {
        Map<?, ?> req = Json.mapper().readValue(ex.getRequestBody(), Map.class);
        answer(ex, 200, resync(path.split("/")[5], String.valueOf(req.get("reason"))));
      } else {
        answer(ex, 404, error(404, "NOT_FOUND", path));
      }
    }
  }

  private synchronized Map<String, Object> assignments() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Backup b : backups.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("backupId", b.backupId);
      m.put("clusterId", "cluster-" + b.backupId);
      m.put("replicaSetName", b.replicaSetName);
      m.put("hosts", b.hosts);
      m.put("state", b.state);
      m.put("syncId", b.syncId);
      m.put("lastSeq", b.lastSeq);
      m.put("lastTs", b.lastTs == null ? null
          : Map.of("t", b.lastTs.getTime(), "i", b.lastTs.getInc()));
      list.add(m);
    }
    return Map.of("backups", list);
  }

  private synchronized Map<String, Object> resync(String id, String reason) {
    Backup b = backups.get(id);
    b.resyncReasons.add(reason);
    b.syncs++;
    b.syncId = id + "-sync-" + b.syncs;
    b.state = "RESYNC_REQUIRED";
    b.lastSeq = 0;
    b.lastTs = null;
    b.startTs = null;
    b.endTs = null;
    b.stored.clear();
    b.namespaces.clear();
    return Map.of("ok", true);
  }

  private synchronized Object[] batch(String id, byte[] body) throws IOException {
    batchPosts++;
    if (unavailable > 0) {
      unavailable--;
      return new Object[] {503, error(503, "UNAVAILABLE", "try later")};
    }
    Backup b = backups.get(id);
    List<RawBsonDocument> docs = BsonStream.decode(new java.io.ByteArrayInputStream(body));
    BsonDocument h = docs.get(0);
    List<RawBsonDocument> rest = docs.subList(1, docs.size());
    if (!h.getString("syncId").getValue().equals(b.syncId)) {
      return new Object[] {409, error(409, "SYNC_SUPERSEDED", "not the current sync")};
    }
    long seq = h.getInt64("seq").getValue();
    if (seq <= b.lastSeq) {
      duplicates++;
      return new Object[] {200, Map.of("ack", seq, "duplicate", true)};
    }
    if (seq > b.lastSeq + 1) {
      outOfOrder++;
      Map<String, Object> e = error(409, "OUT_OF_ORDER", "expected " + (b.lastSeq + 1));
      e.put("expectedSeq", b.lastSeq + 1);
      return new Object[] {409, e};
    }
    String invalid = validate(b, h, rest);
    if (invalid != null) {
      errors.add(invalid);
      return new Object[] {400, error(400, "INVALID_BATCH", invalid)};
    }
    store(b, h, rest);
    if (loseResponses > 0) {
      loseResponses--;
      return new Object[] {503, error(503, "UNAVAILABLE", "lost answer")};
    }
    return new Object[] {200, Map.of("ack", seq)};
  }

  private static String validate(Backup b, BsonDocument h, List<RawBsonDocument> docs) {
    String kind = h.getString("kind").getValue();
    if (b.stored.isEmpty() != kind.equals(Batch.SYNC_START)) {
      return "syncStart must come first, exactly once; got " + kind;
    }
    switch (kind) {
      case Batch.SYNC_START, Batch.SYNC_END, Batch.COLLECTION -> {
        return docs.isEmpty() ? null : kind + " carries documents";
      }
      case Batch.DOCUMENTS -> {
        return b.namespaces.contains(h.getString("ns").getValue()) ? null
            : "documents before collection of " + h.getString("ns").getValue();
      }
      case Batch.OPLOG -> {
        BsonTimestamp prev = b.lastTs;
        for (RawBsonDocument e : docs) {
          if (!e.containsKey("ts") || !e.containsKey("op") || !e.containsKey("ns")) {
            return "oplog entry without ts/op/ns";
          }
          BsonTimestamp ts = e.getTimestamp("ts");
          if (prev == null ? ts.compareTo(b.startTs) < 0 : ts.compareTo(prev) <= 0) {
            return "oplog ts " + ts + " not after " + (prev == null ? b.startTs : prev);
          }
          prev = ts;
        }
        if (docs.isEmpty() || h.getInt32("count").getValue() != docs.size()
            || !h.getTimestamp("firstTs").equals(docs.get(0).getTimestamp("ts"))
            || !h.getTimestamp("lastTs").equals(prev)) {
          return "firstTs/lastTs/count do not match the entries";
        }
        return null;
      }
      default -> {
        return "unknown kind " + kind;
      }
    }
  }

  private static void store(Backup b, BsonDocument h, List<RawBsonDocument> docs) {
    String kind = h.getString("kind").getValue();
    b.stored.add(new Stored(h, List.copyOf(docs)));
    b.lastSeq = h.getInt64("seq").getValue();
    switch (kind) {
      case Batch.SYNC_START -> {
        b.state = "INITIAL_SYNC";
        b.startTs = h.getTimestamp("startTs");
      }
      case Batch.COLLECTION -> b.namespaces.add(h.getString("ns").getValue());
      case Batch.SYNC_END -> b.endTs = h.getTimestamp("endTs");
      case Batch.OPLOG -> {
        b.lastTs = h.getTimestamp("lastTs");
        if (b.endTs != null && b.lastTs.compareTo(b.endTs) >= 0) {
          b.state = "TAILING";
        }
      }
      default -> { }
    }
  }

  private static Map<String, Object> error(int status, String code, String detail) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", status);
    m.put("errorCode", code);
    m.put("detail", detail);
    return m;
  }

  private static void answer(HttpExchange ex, int status, Map<?, ?> body) throws IOException {
    byte[] bytes = Json.mapper().writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public synchronized void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
