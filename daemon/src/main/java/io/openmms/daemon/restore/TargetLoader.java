package io.openmms.daemon.restore;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.InsertManyOptions;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.restore.dump.DumpCollection;
import io.openmms.daemon.restore.dump.DumpDirectory;
import io.openmms.daemon.restore.dump.DumpReader;
import io.openmms.server.backup.RestoreJobs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.RawBsonDocument;

/**
 * Direct restore (delivery AUTOMATED_RESTORE, docs/restores.md, "Direct restore"): loads a dump
 * directory into a target MongoDB through the official driver — create each collection with
 * its options, insert its documents in order, build its indexes — then reads every collection
 * back and checks its count and order-free digest against what was loaded.
 *
 * <p>Before writing anything it checks every target namespace: an existing non-empty collection
 * is an error unless {@code dropExisting}, in which case it is dropped first. Namespaces can be
 * remapped: a key {@code "db.coll"} renames that collection, a key {@code "db"} moves a whole
 * database; the more specific wins.
 */
final class TargetLoader {
  private static final int BATCH_DOCS = 1000;
  private static final int BATCH_BYTES = 8 << 20;

  /** What a target collection was checked against, per source namespace. */
  record Loaded(String sourceNs, String targetNs, long count, String digest, long readCount,
      String readDigest) {
    boolean ok() {
      return count == readCount && digest.equals(readDigest);
    }
  }

  private final String uri;
  private final boolean dropExisting;
  private final Map<String, String> remap;
  private final JobProgress progress;

  TargetLoader(String uri, boolean dropExisting, Map<String, String> remap,
      JobProgress progress) {
    this.uri = uri;
    this.dropExisting = dropExisting;
    this.remap = remap;
    this.progress = progress;
  }

  /** The namespace collection {@code c} is restored to. */
  Namespace target(DumpCollection c) {
    String exact = remap.get(c.ns());
    if (exact != null) {
      return Namespace.parse(exact);
    }
    return new Namespace(remap.getOrDefault(c.db(), c.db()), c.collection());
  }

  List<Loaded> load(Path dumpDir, long totalBytes) throws RestoreException, IOException {
    ConnectionString cs = new ConnectionString(uri);
    MongoClientSettings settings = MongoClientSettings.builder().applyConnectionString(cs)
        .applyToClusterSettings(b -> {
          if (cs.getServerSelectionTimeout() == null) {
            b.serverSelectionTimeout(15, TimeUnit.SECONDS);
          }
        })
        .writeConcern(cs.getWriteConcern() != null ? cs.getWriteConcern() : WriteConcern.MAJORITY)
        .build();
    String where = String.join(",", cs.getHosts());
    try (MongoClient client = MongoClients.create(settings)) {
      List<DumpCollection> colls = DumpDirectory.collections(dumpDir);
      prepare(client, colls);
      progress.phase(RestoreJobs.Phase.DELIVERING, totalBytes);
      Map<String, DocumentSum> written = new LinkedHashMap<>();
      try (DumpReader r = DumpDirectory.read(dumpDir)) {
        Optional<DumpCollection> c;
        while ((c = r.nextCollection()).isPresent()) {
          written.put(c.get().ns(), insert(client, c.get(), r));
        }
      }
      progress.phase(RestoreJobs.Phase.VERIFYING, written.size());
      List<Loaded> out = new ArrayList<>();
      for (DumpCollection c : colls) {
        DocumentSum w = written.get(c.ns());
        Namespace t = target(c);
        DocumentSum read = readBack(client, t);
        out.add(new Loaded(c.ns(), t.toString(), w.count(), w.unorderedDigest(), read.count(),
            read.unorderedDigest()));
        progress.add(1);
      }
      return out;
    } catch (MongoTimeoutException e) {
      throw new RestoreException("Cannot reach the target MongoDB " + where + ": "
          + firstLine(e.getMessage()));
    } catch (MongoException e) {
      throw new RestoreException("The target MongoDB " + where + " refused the restore: "
          + firstLine(e.getMessage()));
    }
  }

  /** Checks (and with dropExisting, drops) every target namespace before anything is written. */
  private void prepare(MongoClient client, List<DumpCollection> colls) throws RestoreException {
    for (DumpCollection c : colls) {
      Namespace t = target(c);
      MongoDatabase db = client.getDatabase(t.db());
      boolean exists = false;
      for (String name : db.listCollectionNames()) {
        exists |= name.equals(t.collection());
      }
      if (!exists) {
        continue;
      }
      if (dropExisting) {
        db.getCollection(t.collection()).drop();
      } else {
        long n = db.getCollection(t.collection()).estimatedDocumentCount();
        if (n > 0) {
          throw new RestoreException("The target already has " + t + " with "
              + n + " documents; nothing was restored. Set delivery.dropExisting to replace"
              + " existing collections, or remap the namespace (delivery.namespaceRemap)");
        }
        db.getCollection(t.collection()).drop();
      }
    }
  }

  private DocumentSum insert(MongoClient client, DumpCollection c, DumpReader r)
      throws IOException {
    Namespace t = target(c);
    MongoDatabase db = client.getDatabase(t.db());
    BsonDocument create = new BsonDocument("create", new BsonString(t.collection()));
    c.options().forEach(create::append);
    db.runCommand(create);
    MongoCollection<RawBsonDocument> coll = db.getCollection(t.collection(),
        RawBsonDocument.class);
    DocumentSum sum = DocumentSum.orderFree();
    List<RawBsonDocument> batch = new ArrayList<>();
    long bytes = 0;
    RawBsonDocument d;
    while ((d = r.nextDocument()) != null) {
      sum.add(d);
      batch.add(d);
      bytes += d.getByteBuffer().remaining();
      if (batch.size() >= BATCH_DOCS || bytes >= BATCH_BYTES) {
        coll.insertMany(batch, new InsertManyOptions().ordered(true));
        progress.add(bytes);
        progress.check();
        batch = new ArrayList<>();
        bytes = 0;
      }
    }
    if (!batch.isEmpty()) {
      coll.insertMany(batch, new InsertManyOptions().ordered(true));
      progress.add(bytes);
    }
    BsonArray indexes = new BsonArray();
    for (BsonDocument spec : c.indexes()) {
      if (!"_id_".equals(spec.getString("name", new BsonString("")).getValue())) {
        BsonDocument s = spec.clone();
        s.remove("ns"); // MongoDB 4.4+ rejects or ignores it
        indexes.add(s);
      }
    }
    if (!indexes.isEmpty()) {
      db.runCommand(new BsonDocument("createIndexes", new BsonString(t.collection()))
          .append("indexes", indexes));
    }
    return sum;
  }

  private DocumentSum readBack(MongoClient client, Namespace ns) {
    DocumentSum sum = DocumentSum.orderFree();
    try (MongoCursor<RawBsonDocument> it = client.getDatabase(ns.db())
        .getCollection(ns.collection(), RawBsonDocument.class).find().batchSize(1000)
        .iterator()) {
      while (it.hasNext()) {
        sum.add(it.next());
        if ((sum.count() & 1023) == 0) {
          progress.check();
        }
      }
    }
    return sum;
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
  }
}
