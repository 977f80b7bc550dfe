package io.openmms.agent.backup;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.LinkedHashMap;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonDouble;
import org.bson.BsonNumber;
import org.bson.BsonValue;

import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Rebuilds a replica set's user data from what the receiver stored: the copied collections,
 * then the oplog from {@code startTs} replayed over them — as the daemon does, in a few lines.
 * Handles inserts, deletes, replacements, {@code $set}/{@code $unset}/{@code $inc} (the
 * stand-ins log the client's operators), simple {@code $v: 2} diffs and drop commands.
 */
final class Replay {
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

  private Replay() {}

  /** ns → (_id → document) of the stored backup. */
  static Map<String, Map<BsonValue, BsonDocument>> of(List<BackupReceiver.Stored> stored) {
    Map<String, Map<BsonValue, BsonDocument>> data = new TreeMap<>();
    for (BackupReceiver.Stored s : stored) {
      switch (s.kind()) {
        case Batch.COLLECTION -> data.put(ns(s), new LinkedHashMap<>());
        case Batch.DOCUMENTS -> s.documents().forEach(d -> put(data.get(ns(s)), d));
        case Batch.OPLOG -> s.documents().forEach(e -> apply(data, e));
        default -> { }
      }
    }
    data.values().removeIf(Map::isEmpty);
    return data;
  }

  private static String ns(BackupReceiver.Stored s) {
    return s.header().getString("ns").getValue();
  }

  private static BsonDocument copy(BsonDocument d) {
    return (d instanceof RawBsonDocument raw ? raw : new RawBsonDocument(d, CODEC)).decode(CODEC);
  }

  private static void put(Map<BsonValue, BsonDocument> coll, BsonDocument d) {
    BsonDocument c = copy(d);
    coll.put(c.get("_id"), c);
  }

  private static void apply(Map<String, Map<BsonValue, BsonDocument>> data, BsonDocument e) {
    String op = e.getString("op").getValue();
    String ns = e.getString("ns").getValue();
    if (ns.startsWith("config.") || ns.startsWith("admin.") || ns.isEmpty()) {
      return;
    }
    switch (op) {
      case "i" -> put(coll(data, ns), e.getDocument("o"));
      case "d" -> coll(data, ns).remove(copy(e.getDocument("o")).get("_id"));
      case "u" -> update(coll(data, ns), copy(e.getDocument("o2")).get("_id"),
          copy(e.getDocument("o")));
      case "c" -> {
        BsonDocument o = e.getDocument("o");
        String db = ns.substring(0, ns.indexOf('.'));
        if (o.containsKey("drop")) {
          data.remove(db + "." + o.getString("drop").getValue());
        }
      }
      default -> { }
    }
  }

  private static Map<BsonValue, BsonDocument> coll(Map<String, Map<BsonValue, BsonDocument>> d,
      String ns) {
    return d.computeIfAbsent(ns, k -> new LinkedHashMap<>());
  }

  private static void update(Map<BsonValue, BsonDocument> coll, BsonValue id, BsonDocument o) {
    BsonDocument doc = coll.get(id);
    if (doc == null) {
      return;
    }
    if (o.containsKey("$v") && o.containsKey("diff")) {
      BsonDocument diff = o.getDocument("diff");
      diff.getDocument("u", new BsonDocument()).forEach(doc::put);
      diff.getDocument("i", new BsonDocument()).forEach(doc::put);
      diff.getDocument("d", new BsonDocument()).keySet().forEach(doc::remove);
      return;
    }
    if (o.keySet().stream().noneMatch(k -> k.startsWith("$"))) {
      BsonDocument replacement = copy(o);
      replacement.put("_id", id);
      coll.put(id, replacement);
      return;
    }
    o.getDocument("$set", new BsonDocument()).forEach(doc::put);
    o.getDocument("$unset", new BsonDocument()).keySet().forEach(doc::remove);
    o.getDocument("$inc", new BsonDocument()).forEach((k, v) -> doc.put(k, add(doc.get(k), v)));
  }

  private static BsonValue add(BsonValue a, BsonValue b) {
    if (a == null) {
      return b;
    }
    BsonNumber x = a.asNumber();
    BsonNumber y = b.asNumber();
    if (x.isDouble() || y.isDouble()) {
      return new BsonDouble(x.doubleValue() + y.doubleValue());
    }
    if (x.isInt64() || y.isInt64()) {
      return new BsonInt64(x.longValue() + y.longValue());
    }
    return new BsonInt32(x.intValue() + y.intValue());
  }

  /** ns → (_id → document) of the source's user databases. */
  static Map<String, Map<BsonValue, BsonDocument>> source(MongoClient client) {
    Map<String, Map<BsonValue, BsonDocument>> data = new TreeMap<>();
    for (String db : client.listDatabaseNames().into(new ArrayList<>())) {
      if (List.of("local", "config", "admin").contains(db)) {
        continue;
      }
      MongoDatabase d = client.getDatabase(db);
      for (String c : d.listCollectionNames()) {
        Map<BsonValue, BsonDocument> docs = new LinkedHashMap<>();
        for (RawBsonDocument doc : d.getCollection(c, RawBsonDocument.class).find()
            .batchSize(2)) { // a reply of three 16 MB documents exceeds 48 MB on the stand-ins
          put(docs, doc);
        }
        if (!docs.isEmpty()) {
          data.put(db + "." + c, docs);
        }
      }
    }
    return data;
  }


  /** Compares without printing whole documents (some are 16 MB). */
  static void assertSame(Map<String, Map<BsonValue, BsonDocument>> replayed,
      Map<String, Map<BsonValue, BsonDocument>> source) {
    List<String> diffs = new ArrayList<>();
    for (String ns : union(replayed.keySet(), source.keySet())) {
      Map<BsonValue, BsonDocument> r = replayed.getOrDefault(ns, Map.of());
      Map<BsonValue, BsonDocument> s = source.getOrDefault(ns, Map.of());
      for (BsonValue id : union(r.keySet(), s.keySet())) {
        if (!java.util.Objects.equals(r.get(id), s.get(id))) {
          diffs.add(ns + " _id " + shorten(id) + ": replayed " + shorten(r.get(id))
              + " source " + shorten(s.get(id)));
        }
      }
    }
    if (!diffs.isEmpty()) {
      throw new AssertionError(diffs.size() + " documents differ, e.g.\n"
          + String.join("\n", diffs.subList(0, Math.min(10, diffs.size()))));
    }
  }

  private static <T> java.util.Set<T> union(java.util.Set<T> a, java.util.Set<T> b) {
    java.util.Set<T> u = new java.util.LinkedHashSet<>(a);
    u.addAll(b);
    return u;
  }

  private static String shorten(Object o) {
    String t = String.valueOf(o);
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }
}
