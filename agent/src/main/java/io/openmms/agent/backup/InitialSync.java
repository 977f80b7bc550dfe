package io.openmms.agent.backup;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies every collection of a replica set through a {@link Shipper}: for each one a
 * {@code collection} batch (type, options, uuid, indexes), then its documents in
 * {@code documents} batches within the request limits (docs/backup-protocol.md).
 *
 * <p>What is copied: every database but {@code local} and {@code config}; of {@code admin} only
 * {@code system.users}, {@code system.roles} and {@code system.version}. Views and time-series
 * collections are shipped as a {@code collection} batch only: a view has no documents of its
 * own, and a time-series collection's data is its {@code system.buckets.*} collection, copied
 * as an ordinary collection (as the oplog records writes to it). {@code system.profile} and
 * {@code system.views} are skipped (views come from listCollections). Databases and collections
 * are copied in name order, documents in the order the server returns them.
 *
 * <p>Reads always carry an explicit {@code batchSize}: the configured one, lowered for a
 * collection whose average document is large so that one reply stays near 16 MiB (a real
 * server caps replies at 16 MiB anyway; the bound keeps any server under the driver's 48 MiB
 * message limit). Not thread-safe.
 */
final class InitialSync {
  private static final Logger LOG = LoggerFactory.getLogger(InitialSync.class);
  private static final Set<String> ADMIN_COLLECTIONS =
      Set.of("system.users", "system.roles", "system.version");
  private static final long REPLY_BYTES = 16L * 1024 * 1024;

  private final MongoClient source;
  private final Shipper shipper;
  private final long maxBytes;
  private final int maxDocs;
  private final int copyBatchSize;
  private final String label;
  private long documents;
  private int collections;

  InitialSync(MongoClient source, Shipper shipper, long maxBytes, int maxDocs,
      int copyBatchSize, String label) {
    this.source = source;
    this.shipper = shipper;
    this.maxBytes = maxBytes;
    this.maxDocs = maxDocs;
    this.copyBatchSize = copyBatchSize;
    this.label = label;
  }

  /** Ships every collection; returns the number of documents copied. */
  long copy() throws InterruptedException, BackupStop {
    for (String db : new TreeSet<>(source.listDatabaseNames().into(new ArrayList<>()))) {
      if (!db.equals("local") && !db.equals("config")) {
        copyDatabase(source.getDatabase(db));
      }
    }
    LOG.info("{}: copied {} collections, {} documents", label, collections, documents);
    return documents;
  }

  private void copyDatabase(MongoDatabase db) throws InterruptedException, BackupStop {
    List<Document> infos = db.listCollections().into(new ArrayList<>());
    infos.sort((a, b) -> a.getString("name").compareTo(b.getString("name")));
    for (Document info : infos) {
      String name = info.getString("name");
      if (db.getName().equals("admin") ? ADMIN_COLLECTIONS.contains(name) : copied(name)) {
        copyCollection(db, info.toBsonDocument());
      }
    }
  }

  private static boolean copied(String name) {
    return !name.equals("system.profile") && !name.equals("system.views");
  }

  private void copyCollection(MongoDatabase db, BsonDocument info)
      throws InterruptedException, BackupStop {
    String name = info.getString("name").getValue();
    String ns = db.getName() + "." + name;
    String type = info.containsKey("type") ? info.getString("type").getValue() : "collection";
    BsonDocument options = info.containsKey("options") ? info.getDocument("options")
        : new BsonDocument();
    BsonValue uuid = info.isDocument("info") ? info.getDocument("info").get("uuid") : null;
    List<BsonDocument> indexes = type.equals("collection")
        ? db.getCollection(name).listIndexes(BsonDocument.class).into(new ArrayList<>())
        : List.of();
    shipper.ship(Batch.collection(ns, type, options, uuid, indexes));
    collections++;
    if (type.equals("collection")) {
      copyDocuments(db, name, ns);
    }
  }

  private void copyDocuments(MongoDatabase db, String name, String ns)
      throws InterruptedException, BackupStop {
    MongoCollection<RawBsonDocument> coll = db.getCollection(name, RawBsonDocument.class);
    List<RawBsonDocument> batch = new ArrayList<>();
    long bytes = 0;
    try (MongoCursor<RawBsonDocument> cursor = coll.find().batchSize(batchSize(db, name))
        .cursor()) {
      while (cursor.hasNext()) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        RawBsonDocument d = cursor.next();
        int size = BsonStream.size(d);
        if (!batch.isEmpty() && (bytes + size > maxBytes || batch.size() >= maxDocs)) {
          shipper.ship(Batch.documents(ns, batch));
          batch.clear();
          bytes = 0;
        }
        batch.add(d);
        bytes += size;
        documents++;
      }
    }
    if (!batch.isEmpty()) {
      shipper.ship(Batch.documents(ns, batch));
    }
  }

  /** The configured batch size, lowered so that a reply of average documents is ~16 MiB. */
  private int batchSize(MongoDatabase db, String name) {
    try {
      Document stats = db.runCommand(new Document("collStats", name));
      Number avg = stats.get("avgObjSize", Number.class);
      if (avg != null && avg.longValue() > 0) {
        return (int) Math.max(1, Math.min(copyBatchSize, REPLY_BYTES / avg.longValue()));
      }
    } catch (MongoCommandException e) {
      LOG.debug("{}: collStats of {} failed ({}); batchSize {}", label, name, e.getMessage(),
          copyBatchSize);
    }
    return copyBatchSize;
  }
}
