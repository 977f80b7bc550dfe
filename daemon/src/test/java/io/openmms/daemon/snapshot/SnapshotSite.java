package io.openmms.daemon.snapshot;

import io.openmms.blockstore.BlockStore;
import io.openmms.daemon.head.HeadBatch;
import io.openmms.daemon.head.HeadSnapshot;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.OplogPosition;
import io.openmms.daemon.head.RocksHead;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.store.AppDatabase;
import io.openmms.testkit.ManualClock;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * A head with seeded content, the embedded application database, block stores and a snapshot
 * service on a manual clock: what the snapshot tests work on.
 */
public final class SnapshotSite implements AutoCloseable {
  public static final String GROUP = "5f0000000000000000000001";
  static final Namespace ORDERS = Namespace.parse("shop.orders");
  static final Namespace USERS = Namespace.parse("shop.users");
  static final Namespace EVENTS = Namespace.parse("logs.events");

  public final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  public final AppDatabase db;
  public final RocksHead head;
  public final SnapshotStores stores;
  public final Backups backups;
  public final SnapshotService service;
  public final Backups.Backup backup;
  private int ts = 1_000;
  private final Random random = new Random(7);

  /** {@code stores} as daemon.blockstores; relative file paths resolve in {@code dir}. */
  public SnapshotSite(Path dir, String stores, Path keysDir) {
    db = AppDatabase.open(null, "openmms", dir.resolve("app"), 0);
    head = RocksHead.open(dir.resolve("head"));
    this.stores = new SnapshotStores(SnapshotStores.parse(stores, dir), keysDir,
        new SecureRandom());
    backups = new Backups(db, new io.openmms.server.auth.Secrets(new SecureRandom()), clock);
    service = new SnapshotService(db, backups, this.stores, clock, 2, 1, Duration.ofMinutes(10),
        "test");
    backup = new Backups.Backup("rs-cluster-1", GROUP, "rs-cluster-1", "rs0", null,
        Backups.State.TAILING, "sync-1", 1, null, null, null, new Date());
  }

  public SnapshotSite(Path dir) {
    this(dir, "main=file:blocks", null);
  }

  /** Records the backup in the application database, as starting it through the API does. */
  public SnapshotSite registerBackup() {
    db.collection(io.openmms.server.store.Collections.BACKUPS).insertOne(new org.bson.Document(
        "_id", backup.id()).append("groupId", GROUP).append("configId", backup.configId())
        .append("replicaSetName", backup.replicaSetName())
        .append("state", Backups.State.TAILING.name()).append("syncId", backup.syncId())
        .append("lastSeq", 1L).append("updated", new Date()));
    return this;
  }

  /** Fills the head: three collections, {@code docs} documents in all, about 1 KB each. */
  public SnapshotSite seed(int docs) {
    head.beginInitialSync();
    head.createCollection(ORDERS, BsonDocument.parse("{validator: {qty: {$gte: 0}}}"),
        UUID.nameUUIDFromBytes("orders".getBytes()), List.of(
            BsonDocument.parse("{v: 2, key: {_id: 1}, name: '_id_'}"),
            BsonDocument.parse("{v: 2, key: {customer: 1, day: -1}, name: 'customer_1_day_-1'}")));
    head.createCollection(USERS, new BsonDocument(), UUID.nameUUIDFromBytes("users".getBytes()),
        List.of(BsonDocument.parse("{v: 2, key: {_id: 1}, name: '_id_'}"),
            BsonDocument.parse("{v: 2, key: {email: 1}, name: 'email_1', unique: true}")));
    head.createCollection(EVENTS, BsonDocument.parse("{capped: true, size: 100000000}"), null,
        List.of(BsonDocument.parse("{v: 2, key: {_id: 1}, name: '_id_'}")));
    java.util.Map<Namespace, List<RawBsonDocument>> byNs = new java.util.LinkedHashMap<>();
    for (int i = 0; i < docs; i++) {
      List<RawBsonDocument> batch = byNs.computeIfAbsent(ns(i), n -> new ArrayList<>());
      batch.add(document(i, 0));
      if (batch.size() == 1000) {
        head.insertDocuments(ns(i), batch);
        batch.clear();
      }
    }
    byNs.forEach((n, batch) -> {
      if (!batch.isEmpty()) {
        head.insertDocuments(n, batch);
      }
    });
    head.finishInitialSync(new BsonTimestamp(ts++, 1));
    return this;
  }

  /** Which collection document {@code i} goes to: users, then orders, then events. */
  private Namespace ns(int i) {
    return i % 10 < 2 ? USERS : i % 10 < 7 ? ORDERS : EVENTS;
  }

  RawBsonDocument document(int i, int version) {
    StringBuilder note = new StringBuilder();
    Random r = new Random(i * 31L + version);
    while (note.length() < 800) {
      note.append(Long.toString(r.nextLong(), 36)).append(' ');
    }
    return RawBsonDocument.parse("{_id: " + i + ", customer: 'c" + (i % 97) + "', day: " + (i % 31)
        + ", qty: " + (i % 13) + ", version: " + version + ", email: 'u" + i + "@example.com',"
        + " note: '" + note + "'}");
  }

  /** Applies a change through a head batch, moving the oplog position one entry on. */
  void change(java.util.function.Consumer<HeadBatch> change) {
    try (HeadBatch b = head.newBatch()) {
      change.accept(b);
      b.commit(new OplogPosition(new BsonTimestamp(ts++, 1), 1, clock.instant()));
    }
  }

  /** Updates document {@code i} (in whichever collection holds it) to {@code version}. */
  public void update(int i, int version) {
    change(b -> b.put(ns(i), document(i, version)));
  }

  /**
   * Updates document {@code i} at an oplog time equal to the clock's, and records that the
   * service received oplog up to it (the backup's {@code lastTs}, which places its point-in-time
   * window). Needs {@link #registerBackup}.
   */
  public void updateNow(int i, int version) {
    ts = Math.max(ts, (int) clock.instant().getEpochSecond());
    update(i, version);
    db.collection(io.openmms.server.store.Collections.BACKUPS).updateOne(
        com.mongodb.client.model.Filters.eq("_id", backup.id()),
        new org.bson.Document("$set", new org.bson.Document("lastTs",
            head.position().orElseThrow().ts())));
  }

  Random random() {
    return random;
  }

  public Snapshots snapshots() {
    return service.snapshots();
  }

  public BlockStore store() throws IOException {
    return stores.domainStore(stores.defaultStore(), GROUP);
  }

  /** Takes a snapshot now from a consistent view of the head. */
  public Snapshots.Snapshot snapshot() throws Exception {
    try (HeadSnapshot view = head.snapshot()) {
      return service.take(backup, view, false);
    }
  }

  Groom groom() {
    return new Groom(stores, snapshots(), backups, service.coordination(), clock, "test-groom");
  }

  Verifier.Report verify(Snapshots.Snapshot s) throws IOException {
    return new Verifier(2).verify(stores.domainStore(s.store(), s.groupId()), s);
  }

  @Override
  public void close() throws Exception {
    service.close();
    head.close();
    db.close();
  }
}
