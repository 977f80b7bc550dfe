package io.openmms.daemon.oplog;

import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.HeadBatch;
import io.openmms.daemon.head.Namespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The catalog commands of {@code op: "c"} entries (ns {@code <db>.$cmd}), as listed in
 * https://github.com/mongodb/mongo/blob/master/src/mongo/db/repl/oplog.cpp ({@code kOpsMap}):
 * create, drop, renameCollection, dropDatabase, createIndexes, startIndexBuild /
 * commitIndexBuild / abortIndexBuild (two-phase index builds, 4.4+:
 * https://www.mongodb.com/docs/manual/core/index-creation/), dropIndexes, collMod, emptycapped.
 * Index builds are recorded (specs only) when they commit.
 */
final class DdlCommands {
  /** Commands with no effect on a head's content. */
  private static final Set<String> NO_EFFECT = Set.of("startIndexBuild", "abortIndexBuild", "dbCheck");

  private DdlCommands() {}

  static boolean handles(String command) {
    return switch (command) {
      case "create", "drop", "renameCollection", "dropDatabase", "createIndexes", "commitIndexBuild",
          "dropIndexes", "deleteIndexes", "collMod", "emptycapped" -> true;
      default -> NO_EFFECT.contains(command);
    };
  }

  static void apply(HeadBatch batch, OplogEntry e, String command) {
    String db = e.commandDb();
    BsonDocument o = e.o();
    switch (command) {
      case "create" -> create(batch, e, new Namespace(db, e.string(o, "create")), o);
      case "drop" -> batch.dropCollection(new Namespace(db, e.string(o, "drop")));
      case "renameCollection" -> rename(batch, e, o);
      case "dropDatabase" -> batch.dropDatabase(db);
      case "createIndexes" -> {
        BsonDocument spec = withoutField(o, "createIndexes");
        batch.createIndex(new Namespace(db, e.string(o, "createIndexes")), checkedSpec(e, spec));
      }
      case "commitIndexBuild" -> {
        Namespace ns = new Namespace(db, e.string(o, "commitIndexBuild"));
        BsonValue specs = o.get("indexes");
        if (specs == null || !specs.isArray()) {
          throw e.malformed("commitIndexBuild without an 'indexes' array");
        }
        for (BsonValue spec : specs.asArray()) {
          batch.createIndex(ns, checkedSpec(e, spec.isDocument() ? spec.asDocument() : null));
        }
      }
      case "dropIndexes", "deleteIndexes" -> dropIndexes(batch, e, new Namespace(db, e.string(o, command)), o);
      case "collMod" -> collMod(batch, e, new Namespace(db, e.string(o, "collMod")), o);
      case "emptycapped" -> emptyCapped(batch, new Namespace(db, e.string(o, "emptycapped")));
      default -> { } // NO_EFFECT
    }
  }

  private static void create(HeadBatch batch, OplogEntry e, Namespace ns, BsonDocument o) {
    BsonDocument options = withoutField(o, "create");
    BsonValue idIndex = options.remove("idIndex");
    if (idIndex != null && !idIndex.isDocument()) {
      throw e.malformed("create: 'idIndex' must be a document");
    }
    batch.createCollection(ns, options, e.ui().orElse(null), idIndex == null ? null : idIndex.asDocument());
  }

  private static void rename(HeadBatch batch, OplogEntry e, BsonDocument o) {
    Namespace from;
    Namespace to;
    try {
      from = Namespace.parse(e.string(o, "renameCollection"));
      to = Namespace.parse(e.string(o, "to"));
    } catch (IllegalArgumentException ex) {
      throw e.malformed("renameCollection: " + ex.getMessage());
    }
    // dropTarget is a boolean, or since 4.2 the UUID of the target collection being dropped
    BsonValue dropTarget = o.get("dropTarget");
    boolean drop = dropTarget != null && (dropTarget.isBinary() || dropTarget.equals(BsonBoolean.TRUE));
    batch.renameCollection(from, to, drop);
  }

  private static void dropIndexes(HeadBatch batch, OplogEntry e, Namespace ns, BsonDocument o) {
    BsonValue index = o.get("index");
    if (index == null) {
      throw e.malformed("dropIndexes without 'index'");
    }
    CollectionInfo info = batch.collection(ns).orElse(null);
    if (info == null) {
      return; // collection already dropped (replay)
    }
    if (index.isString() && index.asString().getValue().equals("*")) {
      info.indexNames().forEach(name -> batch.dropIndex(ns, name));
    } else if (index.isString()) {
      batch.dropIndex(ns, index.asString().getValue());
    } else if (index.isArray()) {
      index.asArray().forEach(n -> batch.dropIndex(ns, e.string(new BsonDocument("n", n), "n")));
    } else if (index.isDocument()) {
      info.indexes().stream().filter(s -> index.equals(s.get("key")))
          .forEach(s -> batch.dropIndex(ns, s.getString("name").getValue()));
    } else {
      throw e.malformed("dropIndexes: 'index' must be a name, '*', names or a key pattern");
    }
  }

  /** collMod: options replaced field by field; {@code index: {name|keyPattern, ...}} edits a spec. */
  private static void collMod(HeadBatch batch, OplogEntry e, Namespace ns, BsonDocument o) {
    CollectionInfo info = batch.collection(ns).orElse(null);
    if (info == null) {
      return; // dropped later in the oplog (replay)
    }
    BsonDocument options = info.options();
    List<BsonDocument> indexes = new ArrayList<>(info.indexes());
    for (Map.Entry<String, BsonValue> f : o.entrySet()) {
      switch (f.getKey()) {
        case "collMod" -> { }
        case "index" -> modifyIndex(e, indexes, f.getValue());
        case "cappedSize" -> options.put("size", f.getValue());
        case "cappedMax" -> options.put("max", f.getValue());
        default -> options.put(f.getKey(), f.getValue());
      }
    }
    batch.setOptionsAndIndexes(ns, options, indexes);
  }

  private static void modifyIndex(OplogEntry e, List<BsonDocument> indexes, BsonValue change) {
    if (!change.isDocument()) {
      throw e.malformed("collMod: 'index' must be a document");
    }
    BsonDocument c = change.asDocument();
    for (BsonDocument spec : indexes) {
      boolean match = c.containsKey("name") ? c.get("name").equals(spec.get("name"))
          : c.containsKey("keyPattern") && c.get("keyPattern").equals(spec.get("key"));
      if (match) {
        c.forEach((k, v) -> {
          if (!k.equals("name") && !k.equals("keyPattern")) {
            spec.put(k, v);
          }
        });
      }
    }
  }

  private static void emptyCapped(HeadBatch batch, Namespace ns) {
    CollectionInfo info = batch.collection(ns).orElse(null);
    if (info == null) {
      return;
    }
    batch.dropCollection(ns);
    batch.createCollection(ns, info.options(), info.uuid().orElse(null), info.index("_id_").orElse(null));
    batch.setOptionsAndIndexes(ns, info.options(), info.indexes());
  }

  private static BsonDocument checkedSpec(OplogEntry e, BsonDocument spec) {
    if (spec == null || !spec.isString("name") || !spec.isDocument("key")) {
      throw e.malformed("index spec needs a string 'name' and a document 'key': " + spec);
    }
    return spec;
  }

  private static BsonDocument withoutField(BsonDocument o, String field) {
    BsonDocument copy = new BsonDocument();
    o.forEach((k, v) -> {
      if (!k.equals(field)) {
        copy.put(k, v);
      }
    });
    return copy;
  }
}
