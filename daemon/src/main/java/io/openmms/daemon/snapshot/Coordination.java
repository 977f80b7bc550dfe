package io.openmms.daemon.snapshot;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.WriteModel;
import io.openmms.blockstore.BlockId;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/**
 * How snapshot writers and grooms of one block store domain stay out of each other's way
 * (docs/snapshots.md, "Groom"), through two collections of the application database:
 *
 * <ul>
 *   <li>{@code snapshotsPending}: a writer's record ({@code _id: "w:" + snapshotId}, domain,
 *       heartbeat) and one document per block it references, inserted <em>before</em> it checks
 *       for or stores the block. A groom keeps every block named there.
 *   <li>{@code grooms}: per domain, whether a groom runs, its heartbeat, and an epoch counting the
 *       grooms started. A writer about to publish its manifest waits for a running groom to end;
 *       if any groom started since the writer began, it re-checks that the blocks it found already
 *       stored are still there (a groom that marked before the writer registered a block may have
 *       deleted it after the writer saw it), and fails rather than publish a snapshot with a hole.
 * </ul>
 *
 * A writer or groom whose heartbeat is older than {@code staleAfter} is dead: a groom removes dead
 * writers' records (their blocks become orphans for the next groom), and a new groom takes over a
 * dead groom's domain. Thread-safe.
 */
public final class Coordination {
  private final MongoCollection<Document> pending;
  private final MongoCollection<Document> grooms;
  private final Clock clock;
  private final Duration staleAfter;

  public Coordination(AppDatabase db, Clock clock, Duration staleAfter) {
    this.pending = db.collection(Collections.SNAPSHOTS_PENDING);
    this.grooms = db.collection(Collections.GROOMS);
    this.clock = clock;
    this.staleAfter = staleAfter;
  }

  public Duration staleAfter() {
    return staleAfter;
  }

  // ---- writers

  /** A registered writer. */
  public record Writer(String snapshotId, String domain, long groomEpoch) {
    String recordId() {
      return "w:" + snapshotId;
    }
  }

  /**
   * Registers a writer of {@code snapshotId} in {@code domain}; {@code estimatedBytes} (the
   * head's data size) lets others show its progress.
   */
  public Writer beginWriter(String snapshotId, String backupId, String domain,
      long estimatedBytes) {
    Writer w = new Writer(snapshotId, domain, groomEpoch(domain));
    pending.insertOne(new Document("_id", w.recordId()).append("kind", "writer")
        .append("domain", domain).append("backupId", backupId).append("started", now())
        .append("heartbeat", now()).append("bytes", 0L)
        .append("estimatedBytes", estimatedBytes));
    return w;
  }

  /** Renews a writer's heartbeat with the stream bytes written so far. */
  public boolean heartbeat(Writer w, long bytes) {
    return pending.updateOne(Filters.eq("_id", w.recordId()), new Document("$set",
        new Document("heartbeat", now()).append("bytes", bytes))).getMatchedCount() == 1;
  }

  /** How far a snapshot being written is: stream bytes so far, of about {@code estimatedBytes}. */
  public record Progress(long bytes, long estimatedBytes) {}

  /** The progress of a backup's snapshot being written, if one is. */
  public Optional<Progress> progress(String backupId) {
    Document d = pending.find(Filters.and(Filters.eq("kind", "writer"),
        Filters.eq("backupId", backupId))).first();
    if (d == null) {
      return Optional.empty();
    }
    return Optional.of(new Progress(((Number) d.get("bytes")).longValue(),
        ((Number) d.get("estimatedBytes")).longValue()));
  }

  /**
   * Records, in one write, that writer {@code w} references blocks {@code ids}: its references
   * {@code firstSeq}, {@code firstSeq + 1}, … (one record each; recording a seq again replaces
   * the block it named).
   */
  public void referenceAll(Writer w, long firstSeq, List<BlockId> ids) {
    if (ids.isEmpty()) {
      return;
    }
    List<WriteModel<Document>> writes = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      String id = w.snapshotId() + "#" + (firstSeq + i);
      writes.add(new ReplaceOneModel<>(Filters.eq("_id", id), refDocument(w, id, ids.get(i)),
          new ReplaceOptions().upsert(true)));
    }
    pending.bulkWrite(writes, new BulkWriteOptions().ordered(false));
  }

  private static Document refDocument(Writer w, String id, BlockId block) {
    return new Document("_id", id).append("kind", "ref").append("w", w.snapshotId())
        .append("domain", w.domain()).append("id", block.hex());
  }

  /** Renews a writer's heartbeat; false when a groom declared it dead and removed its record. */
  public boolean heartbeat(Writer w) {
    return pending.updateOne(Filters.eq("_id", w.recordId()),
        new Document("$set", new Document("heartbeat", now()))).getMatchedCount() == 1;
  }

  /**
   * Waits until no live groom runs in the writer's domain, then says whether a groom started
   * since the writer began (its found-already-stored blocks must then be re-checked).
   */
  public boolean awaitGroomsAfter(Writer w, Duration poll) throws InterruptedException {
    while (true) {
      Document g = grooms.find(Filters.eq("_id", w.domain())).first();
      if (g == null) {
        return false;
      }
      if (!g.getBoolean("running", false) || stale(g)) {
        return ((Number) g.get("epoch")).longValue() != w.groomEpoch();
      }
      Thread.sleep(poll.toMillis());
    }
  }

  /** Removes a writer's record and references (after its manifest is stored, or on failure). */
  public void endWriter(Writer w) {
    pending.deleteMany(Filters.eq("w", w.snapshotId()));
    pending.deleteOne(Filters.eq("_id", w.recordId()));
  }

  private long groomEpoch(String domain) {
    Document g = grooms.find(Filters.eq("_id", domain)).first();
    return g == null ? 0 : ((Number) g.get("epoch")).longValue();
  }

  // ---- grooms

  /** A running groom. */
  public record Groom(String domain, String owner, long epoch) {}

  /** Starts a groom of {@code domain} unless a live one runs. */
  public Optional<Groom> beginGroom(String domain, String owner) {
    Date staleBefore = Date.from(clock.instant().minus(staleAfter));
    try {
      Document d = grooms.findOneAndUpdate(Filters.and(Filters.eq("_id", domain),
          Filters.or(Filters.ne("running", true), Filters.lt("heartbeat", staleBefore))),
          new Document("$set", new Document("running", true).append("owner", owner)
              .append("started", now()).append("heartbeat", now()))
              .append("$inc", new Document("epoch", 1L)),
          new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
      return Optional.of(new Groom(domain, owner, ((Number) d.get("epoch")).longValue()));
    } catch (MongoException e) {
      // findAndModify reports the duplicate key of the refused upsert as a command error
      if (ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY) {
        return Optional.empty(); // a live groom holds the domain
      }
      throw e;
    }
  }

  /** Renews a groom's heartbeat; false when another groom took the domain over. */
  public boolean heartbeat(Groom g) {
    return grooms.updateOne(Filters.and(Filters.eq("_id", g.domain()), Filters.eq("epoch",
        g.epoch()), Filters.eq("running", true)), new Document("$set",
        new Document("heartbeat", now()))).getMatchedCount() == 1;
  }

  /** Ends a groom, recording its result for the status pages. */
  public void endGroom(Groom g, Document result) {
    grooms.updateOne(Filters.and(Filters.eq("_id", g.domain()), Filters.eq("epoch", g.epoch())),
        new Document("$set", new Document("running", false).append("heartbeat", now())
            .append("lastResult", result)));
  }

  /** The last finished groom's result in {@code domain}, if any. */
  public Optional<Document> lastGroom(String domain) {
    Document g = grooms.find(Filters.eq("_id", domain)).first();
    return g == null ? Optional.empty() : Optional.ofNullable(g.get("lastResult", Document.class));
  }

  /**
   * The blocks live writers of {@code domain} reference. Dead writers' records are removed on
   * the way (their snapshot can no longer be published).
   */
  public Set<BlockId> pendingReferences(String domain) {
    Set<String> live = new HashSet<>();
    List<String> dead = new ArrayList<>();
    for (Document d : pending.find(Filters.and(Filters.eq("domain", domain),
        Filters.eq("kind", "writer")))) {
      String id = d.getString("_id").substring(2);
      if (stale(d)) {
        dead.add(id);
      } else {
        live.add(id);
      }
    }
    for (String id : dead) {
      endWriter(new Writer(id, domain, 0));
    }
    Set<BlockId> out = new HashSet<>();
    for (Document d : pending.find(Filters.and(Filters.eq("domain", domain),
        Filters.eq("kind", "ref")))) {
      if (live.contains(d.getString("w"))) {
        out.add(BlockId.parse(d.getString("id")));
      }
    }
    return out;
  }

  private boolean stale(Document d) {
    Date hb = d.getDate("heartbeat");
    return hb == null || hb.toInstant().isBefore(clock.instant().minus(staleAfter));
  }

  private Date now() {
    return Date.from(clock.instant());
  }
}
