package io.openmms.daemon.snapshot;

import io.openmms.blockstore.BlockId;
import io.openmms.blockstore.BlockInfo;
import io.openmms.blockstore.BlockStore;
import io.openmms.blockstore.FileBlockStore;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Retention;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groom of one block store domain (docs/snapshots.md, "Groom"): deletes the snapshots whose
 * retention ran out (never a backup's newest), then a mark-and-sweep of the blocks.
 *
 * <ol>
 *   <li>take the domain's groom record ({@link Coordination#beginGroom}), or return empty when a
 *       live groom holds it;
 *   <li>list every block in the store — <em>before</em> marking, so a block stored after the
 *       listing is never a candidate;
 *   <li>mark: the list blocks and stream blocks of every manifest in the domain, read and
 *       verified; a manifest that cannot be read stops the groom before anything is deleted;
 *   <li>add the blocks live writers registered ({@link Coordination#pendingReferences}), read after
 *       the marking;
 *   <li>sweep the listed blocks not marked, renewing the groom's heartbeat and stopping at once if
 *       another groom took the domain over; on the filesystem backend, then rewrite packs that are
 *       mostly dead and remove orphan packs.
 * </ol>
 *
 * Deleting an unreferenced block twice does nothing, so a groom killed at any point is simply run
 * again. Not thread-safe; grooms of one domain exclude each other through the database.
 */
public final class Groom {
  private static final Logger LOG = LoggerFactory.getLogger(Groom.class);
  /** File packs with less than this fraction live are rewritten. */
  static final double REPACK_BELOW = 0.5;

  /** What one groom did. */
  public record Result(String domain, int snapshotsExpired, long blocksListed, long blocksMarked,
      long blocksDeleted, long bytesReclaimed, long packBytesReclaimed, Duration took) {
    Document toDocument(Instant finished) {
      return new Document("finished", Date.from(finished))
          .append("snapshotsExpired", snapshotsExpired).append("blocksListed", blocksListed)
          .append("blocksMarked", blocksMarked).append("blocksDeleted", blocksDeleted)
          .append("bytesReclaimed", bytesReclaimed)
          .append("packBytesReclaimed", packBytesReclaimed).append("tookMillis", took.toMillis());
    }
  }

  private final SnapshotStores stores;
  private final Snapshots snapshots;
  private final Backups backups;
  private final Coordination coordination;
  private final Clock clock;
  private final String owner;
  private int deletesBeforeFailure = -1;

  public Groom(SnapshotStores stores, Snapshots snapshots, Backups backups,
      Coordination coordination, Clock clock, String owner) {
    this.stores = stores;
    this.snapshots = snapshots;
    this.backups = backups;
    this.coordination = coordination;
    this.clock = clock;
    this.owner = owner;
  }

  /** Makes the sweep throw after {@code n} deletions, as a crash there would. For tests. */
  Groom failAfterDeletes(int n) {
    this.deletesBeforeFailure = n;
    return this;
  }

  /** Grooms the domain of {@code groupId} in {@code store}; empty when another groom runs it. */
  public Optional<Result> run(String store, String groupId) throws IOException {
    String domain = SnapshotStores.domain(store, groupId);
    Optional<Coordination.Groom> taken = coordination.beginGroom(domain, owner);
    if (taken.isEmpty()) {
      LOG.info("Groom of {}: another groom is running; skipped", domain);
      return Optional.empty();
    }
    Coordination.Groom g = taken.get();
    Instant started = clock.instant();
    BlockStore bs = stores.domainStore(store, groupId);
    int expired = expire(store, groupId);
    Map<BlockId, Long> listed = new HashMap<>();
    try (Stream<BlockInfo> all = bs.list()) {
      all.forEach(b -> listed.put(b.id(), b.storedBytes()));
    }
    Set<BlockId> marked = mark(bs, store, groupId);
    marked.addAll(coordination.pendingReferences(domain));
    long deleted = 0;
    long bytes = 0;
    Instant beat = clock.instant();
    for (Map.Entry<BlockId, Long> e : listed.entrySet()) {
      if (marked.contains(e.getKey())) {
        continue;
      }
      if (clock.instant().isAfter(beat.plusSeconds(5))) {
        beat = clock.instant();
        if (!coordination.heartbeat(g)) {
          throw new IOException("groom of " + domain + " lost its record to another groom after "
              + deleted + " deletions; stopped");
        }
      }
      if (deletesBeforeFailure >= 0 && deleted >= deletesBeforeFailure) {
        throw new IOException("simulated crash of the groom of " + domain + " after " + deleted
            + " deletions");
      }
      if (bs.delete(e.getKey())) {
        deleted++;
        bytes += e.getValue();
      }
    }
    long packBytes = 0;
    if (bs instanceof FileBlockStore f) {
      bs.flush();
      packBytes = f.repack(REPACK_BELOW);
      f.removeOrphanPacks();
    }
    bs.flush();
    Result r = new Result(domain, expired, listed.size(), marked.size(), deleted, bytes, packBytes,
        Duration.between(started, clock.instant()));
    coordination.endGroom(g, r.toDocument(clock.instant()));
    LOG.info("Groom of {}: {} snapshots expired, {} blocks listed, {} referenced, {} deleted,"
        + " {} bytes reclaimed ({} pack bytes rewritten away) in {} ms", domain, expired,
        r.blocksListed(), r.blocksMarked(), deleted, bytes, packBytes, r.took().toMillis());
    return Optional.of(r);
  }

  /**
   * Deletes the domain's snapshots whose expiry passed, keeping each backup's newest and the
   * newest one at or before the start of its point-in-time window (the base of a restore to the
   * window's earliest time), and any snapshot a running restore reads.
   */
  private int expire(String store, String groupId) {
    Instant now = clock.instant();
    Map<String, Snapshots.Snapshot> newest = new HashMap<>();
    List<Snapshots.Snapshot> all = snapshots.inDomain(store, groupId);
    for (Snapshots.Snapshot s : all) {
      newest.merge(s.backupId(), s, (a, b) -> a.ts().compareTo(b.ts()) >= 0 ? a : b);
    }
    Set<String> keep = new HashSet<>();
    for (String backupId : newest.keySet()) {
      keep.add(newest.get(backupId).id());
      pitBase(backupId, all).ifPresent(s -> keep.add(s.id()));
    }
    keep.addAll(snapshots.inUseByRestores());
    int n = 0;
    for (Snapshots.Snapshot s : all) {
      if (Retention.isExpired(s.expires(), keep.contains(s.id()), now)) {
        if (snapshots.delete(s.id())) {
          n++;
          LOG.info("Snapshot {} of backup {} (at {}) expired on {}; deleted", s.id(),
              s.backupId(), s.ts(), s.expires());
        }
      }
    }
    return n;
  }

  /** The base snapshot of a backup's point-in-time window (the oplog pruner keeps its oplog). */
  private Optional<Snapshots.Snapshot> pitBase(String backupId, List<Snapshots.Snapshot> all) {
    Backups.Backup b = backups.get(backupId);
    java.util.OptionalLong windowStart = b == null ? java.util.OptionalLong.empty()
        : backups.pitWindowStart(b);
    if (windowStart.isEmpty()) {
      return Optional.empty();
    }
    return Snapshots.pitBase(all.stream().filter(s -> s.backupId().equals(backupId)).toList(),
        windowStart.getAsLong());
  }

  /** Every block the domain's manifests reference, their list blocks included. */
  private Set<BlockId> mark(BlockStore bs, String store, String groupId) throws IOException {
    Set<BlockId> marked = new HashSet<>();
    for (Snapshots.Snapshot s : snapshots.inDomain(store, groupId)) {
      s.blockLists().forEach(hex -> marked.add(BlockId.parse(hex)));
      try {
        SnapshotInput.blocks(bs, s).forEach(r -> marked.add(r.id()));
      } catch (IOException | IllegalArgumentException e) {
        throw new IOException("groom of " + SnapshotStores.domain(store, groupId)
            + " stopped before deleting anything: the block list of snapshot " + s.id()
            + " cannot be read (" + e.getMessage() + "); run openmms verify", e);
      }
    }
    return marked;
  }
}
