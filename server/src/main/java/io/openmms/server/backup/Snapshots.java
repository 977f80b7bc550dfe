package io.openmms.server.backup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.bson.BsonTimestamp;
import org.bson.Document;

/**
 * Snapshot manifests (docs/snapshot-format.md, "Manifest") in the {@code snapshots} collection,
 * and on-demand snapshot requests in {@code snapshotRequests}. The backup daemon inserts a
 * manifest only after every block it names is durable in the block store, so a manifest here is
 * always a complete snapshot; deleting one leaves its blocks to the groom. Thread-safe.
 */
public final class Snapshots {
  /** The manifest format version this code writes; it also reads version 1. */
  public static final int MANIFEST_VERSION = 2;

  /**
   * One collection of a snapshot: its document count, the bytes of its documents, the stream
   * offset of its collection document and the SHA-256 (hex) of its documents' bytes (null for a
   * patched collection, whose stream sections carry their own checksums). When the snapshot was
   * chunked and its head tracks content, also the head's content tag of the documents, and which
   * stream blocks hold them: {@code blocks} blocks from the {@code firstBlock}-th (null and -1
   * otherwise). A later snapshot whose head has the same tag reuses those blocks without reading
   * the documents. When the head keeps a change log, {@code base} says how the documents lie in
   * the stream (docs/snapshot-format.md, "Patched collections"); null otherwise.
   */
  public record Collection(String ns, long count, long bytes, long offset, String sha256,
      String contentTag, long firstBlock, long blocks, Base base) {
    /** A collection without a content tag or block range. */
    public Collection(String ns, long count, long bytes, long offset, String sha256) {
      this(ns, count, bytes, offset, sha256, null, -1, -1, null);
    }

    /**
     * The same documents, laid out the same way, as collection {@code name} (a rename keeps
     * them) at stream offset {@code at}, without a content tag or block range.
     */
    public Collection placed(String name, long at) {
      return new Collection(name, count, bytes, at, sha256, null, -1, -1, base);
    }

    /** The same entry with the head's content tag and the block range of the documents. */
    public Collection inBlocks(String tag, long first, long n) {
      return new Collection(ns, count, bytes, offset, sha256, tag, first, n, base);
    }

    /** The same entry with {@code b} as its layout. */
    public Collection withBase(Base b) {
      return new Collection(ns, count, bytes, offset, sha256, contentTag, firstBlock, blocks, b);
    }

    /**
     * Whether {@code o} sums up the same documents at the same place of the stream; the SHA-256
     * only when both have one (a patched collection has none: its sections carry theirs).
     */
    public boolean sameContent(Collection o) {
      return ns.equals(o.ns) && count == o.count && bytes == o.bytes && offset == o.offset
          && (sha256 == null || o.sha256 == null || sha256.equals(o.sha256));
    }

    /** Whether a later snapshot may reuse this collection's blocks. */
    public boolean reusable() {
      return contentTag != null && firstBlock >= 0 && blocks >= 0;
    }

    /** Whether the stream holds this collection as base documents plus a patch. */
    public boolean patched() {
      return base != null && base.patched();
    }

    /** The bytes the collection's documents take in the stream (base and patch). */
    public long streamBytes() {
      return patched() ? base.bytes() + base.patchBytes() : bytes;
    }
  }

  /**
   * How a collection's documents lie in the stream (docs/snapshot-format.md, "Patched
   * collections"): first {@code count} base documents of {@code bytes} bytes with SHA-256
   * {@code sha256}, in the first {@code blocks} blocks of the collection's block range: the
   * collection as the head held it at oplog time {@code ts}, when its change log had lineage
   * {@code lineage}. When {@code patchBytes} is positive, a patch of that many bytes follows:
   * the documents the head wrote after {@code ts}. An unpatched collection has {@code ts} equal
   * to its snapshot's and {@code patchBytes} 0.
   */
  public record Base(String lineage, BsonTimestamp ts, long count, long bytes, String sha256,
      long blocks, long patchBytes) {
    public boolean patched() {
      return patchBytes > 0;
    }
  }

  /**
   * A complete snapshot. {@code ts} is the oplog timestamp the snapshot stands at, {@code taken}
   * when it was written; {@code blockLists} are the ids of the list blocks that name the stream
   * blocks in order; {@code tiers} its retention frequencies; {@code expires} when the groom may
   * delete it; {@code syncId} the backup's sync whose oplog continues from it (a point-in-time
   * restore replays only that sync's oplog on top of it).
   */
  public record Snapshot(String id, String backupId, String groupId, String store,
      BsonTimestamp ts, Instant wallTime, Instant taken, Duration took, long logicalSizeBytes,
      long newStoredBytes, long blockCount, List<String> blockLists, List<Collection> collections,
      Set<String> tiers, Instant expires, boolean onDemand, String syncId) {

    /** The point in time the snapshot stands at: the oplog entry's wall time when known. */
    public Instant pointInTime() {
      return wallTime.equals(Instant.EPOCH) ? Instant.ofEpochSecond(ts.getTime()) : wallTime;
    }
  }

  private final MongoCollection<Document> snapshots;
  private final MongoCollection<Document> requests;
  private final MongoCollection<Document> failures;
  private final MongoCollection<Document> backups;
  private final RestoreJobs restoreJobs;

  public Snapshots(AppDatabase db) {
    this.snapshots = db.collection(Collections.SNAPSHOTS);
    this.requests = db.collection(Collections.SNAPSHOT_REQUESTS);
    this.failures = db.collection(Collections.SNAPSHOT_FAILURES);
    this.backups = db.collection(Collections.BACKUPS);
    this.restoreJobs = new RestoreJobs(db, java.time.Clock.systemUTC());
  }

  /**
   * The snapshots that running restore jobs read (the base of a point-in-time restore included):
   * retention does not delete them until the restore ends.
   */
  public Set<String> inUseByRestores() {
    Set<String> out = new TreeSet<>();
    restoreJobs.running().forEach(j -> out.add(j.snapshotId()));
    return out;
  }

  // ---- block store assignment (field blockstore of the backups document)

  /** The block store a backup's snapshots go to, once assigned (at its first snapshot). */
  public Optional<String> assignedStore(String backupId) {
    Document d = backups.find(Filters.eq("_id", backupId)).first();
    return d == null ? Optional.empty() : Optional.ofNullable(d.getString("blockstore"));
  }

  /** Moves a backup's future snapshots to {@code store} (earlier ones stay where they are). */
  public void setStore(String backupId, String store) {
    backups.updateOne(Filters.eq("_id", backupId),
        new Document("$set", new Document("blockstore", store)));
  }

  /** Deletes every snapshot manifest of a backup (its backup was terminated); returns how many. */
  public long deleteAll(String backupId) {
    requests.deleteOne(Filters.eq("_id", backupId));
    failures.deleteOne(Filters.eq("_id", backupId));
    return snapshots.deleteMany(Filters.eq("backupId", backupId)).getDeletedCount();
  }

  /** Assigns a backup to a block store unless it already has one; returns its store. */
  public String assignStore(String backupId, String store) {
    backups.updateOne(Filters.and(Filters.eq("_id", backupId), Filters.eq("blockstore", null)),
        new Document("$set", new Document("blockstore", store)));
    return assignedStore(backupId).orElse(store);
  }

  /** Inserts a complete snapshot's manifest. */
  public void insert(Snapshot s) {
    snapshots.insertOne(toDocument(s));
  }

  /** A backup's snapshots, newest first (by oplog time, then by when they were taken). */
  public List<Snapshot> list(String backupId) {
    List<Snapshot> out = new ArrayList<>();
    snapshots.find(Filters.eq("backupId", backupId)).batchSize(500)
        .forEach(d -> out.add(of(d)));
    // an on-demand snapshot may stand at the same oplog time as the one before it
    out.sort(Comparator.comparing(Snapshot::ts).thenComparing(Snapshot::taken).reversed());
    return out;
  }

  /** Every snapshot whose blocks live in the store domain {@code store} of {@code groupId}. */
  public List<Snapshot> inDomain(String store, String groupId) {
    List<Snapshot> out = new ArrayList<>();
    snapshots.find(Filters.and(Filters.eq("store", store), Filters.eq("groupId", groupId)))
        .batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  /** Every snapshot of every backup. */
  public List<Snapshot> all() {
    List<Snapshot> out = new ArrayList<>();
    snapshots.find().batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  public Optional<Snapshot> get(String id) {
    return Optional.ofNullable(snapshots.find(Filters.eq("_id", id)).first()).map(Snapshots::of);
  }

  /** The newest snapshot of a backup. */
  public Optional<Snapshot> latest(String backupId) {
    return list(backupId).stream().findFirst();
  }

  /** Removes a manifest; its blocks are reclaimed by the next groom. Returns false if absent. */
  public boolean delete(String id) {
    return snapshots.deleteOne(Filters.eq("_id", id)).getDeletedCount() == 1;
  }

  /** Sets a snapshot's expiry (after a schedule change). */
  public void setExpires(String id, Instant expires) {
    snapshots.updateOne(Filters.eq("_id", id),
        new Document("$set", new Document("expires", Date.from(expires))));
  }

  /** The backups (replica sets) a backup configuration covers. */
  public List<String> backupsOf(String configId) {
    List<String> out = new ArrayList<>();
    backups.find(Filters.eq("configId", configId)).forEach(d -> out.add(d.getString("_id")));
    return out;
  }

  /** Recomputes the expiry of the backups' snapshots from their tiers under schedule {@code s}. */
  public void recomputeExpiry(List<String> backupIds, SnapshotSchedule s) {
    for (String id : backupIds) {
      for (Snapshot snap : list(id)) {
        Set<Retention.Tier> tiers = EnumSet.noneOf(Retention.Tier.class);
        snap.tiers().forEach(t -> tiers.add(Retention.Tier.valueOf(t)));
        setExpires(snap.id(), Retention.expires(snap.taken(), tiers, s));
      }
    }
  }

  // ---- on-demand requests

  /** Asks the daemon owning {@code backupId}'s head for a snapshot now. */
  public void request(String backupId, Instant at) {
    requests.replaceOne(Filters.eq("_id", backupId), new Document("_id", backupId)
        .append("requested", Date.from(at)), new ReplaceOptions().upsert(true));
  }

  /** When a snapshot was requested and not yet taken, if it was. */
  public Optional<Instant> requested(String backupId) {
    Document d = requests.find(Filters.eq("_id", backupId)).first();
    return d == null ? Optional.empty() : Optional.of(d.getDate("requested").toInstant());
  }

  /** Clears a request made at or before {@code upTo} (one made later stays). */
  public void clearRequest(String backupId, Instant upTo) {
    requests.deleteOne(Filters.and(Filters.eq("_id", backupId),
        Filters.lte("requested", Date.from(upTo))));
  }

  /**
   * The base of a point-in-time window starting at {@code windowStart} (seconds): the newest of
   * {@code backupSnapshots} (one backup's) at or before it. Every time in the window is restored
   * from it or a later snapshot, so the groom keeps it and the oplog after it is kept.
   */
  public static Optional<Snapshot> pitBase(List<Snapshot> backupSnapshots, long windowStart) {
    return backupSnapshots.stream().filter(s -> s.ts().getTime() <= windowStart)
        .max(Comparator.comparing(Snapshot::ts));
  }

  // ---- failures

  /**
   * A backup's snapshot attempts failing since its last success: the newest failure's message,
   * when it happened, when the daemon tries again, how many attempts failed in a row, and the
   * on-demand request ({@link #requested}) the newest attempt served, if it served one.
   */
  public record Failure(String message, Instant at, Instant retryAt, int attempts,
      Optional<Instant> request) {}

  /** Records a failed snapshot attempt (one more in a row). */
  public void failed(String backupId, String message, Instant at, Instant retryAt,
      Optional<Instant> request) {
    failures.updateOne(Filters.eq("_id", backupId), new Document("$set",
        new Document("message", message).append("at", Date.from(at))
            .append("retryAt", Date.from(retryAt))
            .append("request", request.map(Date::from).orElse(null)))
        .append("$inc", new Document("attempts", 1)), new UpdateOptions().upsert(true));
  }

  /** Forgets the failures of a backup (a snapshot succeeded). */
  public void succeeded(String backupId) {
    failures.deleteOne(Filters.eq("_id", backupId));
  }

  /** The failing attempts of a backup's snapshots since its last success, if any. */
  public Optional<Failure> failure(String backupId) {
    Document d = failures.find(Filters.eq("_id", backupId)).first();
    return d == null ? Optional.empty() : Optional.of(new Failure(d.getString("message"),
        d.getDate("at").toInstant(), d.getDate("retryAt").toInstant(),
        ((Number) d.get("attempts")).intValue(),
        Optional.ofNullable(d.getDate("request")).map(Date::toInstant)));
  }

  // ---- mapping

  static Document toDocument(Snapshot s) {
    List<Document> colls = new ArrayList<>();
    for (Collection c : s.collections()) {
      Document cd = new Document("ns", c.ns()).append("count", c.count())
          .append("bytes", c.bytes()).append("offset", c.offset()).append("sha256", c.sha256());
      if (c.reusable()) {
        cd.append("contentTag", c.contentTag()).append("firstBlock", c.firstBlock())
            .append("blocks", c.blocks());
      }
      if (c.base() != null) {
        Base b = c.base();
        cd.append("base", new Document("lineage", b.lineage()).append("ts", b.ts())
            .append("count", b.count()).append("bytes", b.bytes()).append("sha256", b.sha256())
            .append("blocks", b.blocks()).append("patchBytes", b.patchBytes()));
      }
      colls.add(cd);
    }
    return new Document("_id", s.id()).append("format", MANIFEST_VERSION)
        .append("backupId", s.backupId()).append("groupId", s.groupId()).append("store", s.store())
        .append("ts", s.ts()).append("wallTime", Date.from(s.wallTime()))
        .append("taken", Date.from(s.taken())).append("tookMillis", s.took().toMillis())
        .append("logicalSizeBytes", s.logicalSizeBytes())
        .append("newStoredBytes", s.newStoredBytes()).append("blockCount", s.blockCount())
        .append("blockLists", s.blockLists()).append("collections", colls)
        .append("tiers", new ArrayList<>(s.tiers())).append("expires", Date.from(s.expires()))
        .append("onDemand", s.onDemand()).append("syncId", s.syncId());
  }

  static Snapshot of(Document d) {
    int format = d.getInteger("format", 0);
    if (format != MANIFEST_VERSION && format != 1) {
      throw new IllegalStateException("snapshot " + d.get("_id") + " has manifest format "
          + format + "; this version reads 1 and " + MANIFEST_VERSION);
    }
    List<Collection> colls = new ArrayList<>();
    for (Document c : d.getList("collections", Document.class)) {
      boolean tagged = c.containsKey("contentTag");
      Document b = c.get("base", Document.class);
      Base base = b == null ? null : new Base(b.getString("lineage"),
          b.get("ts", BsonTimestamp.class), num(b, "count"), num(b, "bytes"),
          b.getString("sha256"), num(b, "blocks"), num(b, "patchBytes"));
      colls.add(new Collection(c.getString("ns"), num(c, "count"), num(c, "bytes"),
          num(c, "offset"), c.getString("sha256"), c.getString("contentTag"),
          tagged ? num(c, "firstBlock") : -1, tagged ? num(c, "blocks") : -1, base));
    }
    return new Snapshot(d.getString("_id"), d.getString("backupId"), d.getString("groupId"),
        d.getString("store"), d.get("ts", BsonTimestamp.class),
        d.getDate("wallTime").toInstant(), d.getDate("taken").toInstant(),
        Duration.ofMillis(num(d, "tookMillis")), num(d, "logicalSizeBytes"),
        num(d, "newStoredBytes"), num(d, "blockCount"), d.getList("blockLists", String.class),
        colls, new TreeSet<>(d.getList("tiers", String.class)),
        d.getDate("expires").toInstant(), d.getBoolean("onDemand", false),
        d.getString("syncId"));
  }

  private static long num(Document d, String field) {
    return ((Number) d.get(field)).longValue();
  }
}
