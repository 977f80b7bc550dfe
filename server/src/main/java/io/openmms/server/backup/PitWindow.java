package io.openmms.server.backup;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bson.BsonTimestamp;

/**
 * The point-in-time window of a backup (docs/restores.md, "Point in time"): the times a restore
 * can reach by replaying the stored oplog of the current sync on top of one of its snapshots.
 *
 * <p>A snapshot of the current sync is a <em>base</em> when every oplog entry after it is still
 * stored: nothing was pruned yet, or the oldest stored oplog batch starts at or before it (the
 * batches of a sync are contiguous, so everything after that batch's first entry is stored). The
 * window runs from the oldest base to the newest acknowledged oplog entry. Thread-safe.
 */
public final class PitWindow {
  /**
   * The restorable range, by oplog timestamp and by wall-clock time, with the bases it rests on
   * (newest first).
   */
  public record Window(BsonTimestamp earliest, BsonTimestamp latest, Instant earliestTime,
      Instant latestTime, List<Snapshots.Snapshot> bases) {

    /** The newest base at or before {@code target}. */
    public Optional<Snapshots.Snapshot> baseAt(BsonTimestamp target) {
      return bases.stream().filter(s -> s.ts().compareTo(target) <= 0).findFirst();
    }

    /** The newest base whose point in time is at or before {@code time}. */
    public Optional<Snapshots.Snapshot> baseAt(Instant time) {
      return bases.stream().filter(s -> !s.pointInTime().isAfter(time)).findFirst();
    }
  }

  private final Backups backups;
  private final Snapshots snapshots;
  private final BackupData data;

  public PitWindow(Backups backups, Snapshots snapshots, BackupData data) {
    this.backups = backups;
    this.snapshots = snapshots;
    this.data = data;
  }

  /** The bases among {@code list}, newest first; empty when no point in time is restorable. */
  private List<Snapshots.Snapshot> bases(Backups.Backup b, List<Snapshots.Snapshot> list) {
    if (b.lastTs() == null) {
      return List.of();
    }
    boolean pruned = backups.prunedSeq(b.id()) > 0;
    Optional<BsonTimestamp> firstStored = pruned ? data.firstOplogBatch(b.id(), b.syncId())
        .map(BackupData.OplogBatch::firstTs) : Optional.empty();
    return bases(list, b.syncId(), pruned, firstStored);
  }

  /**
   * The snapshots of {@code list} (newest first) that the stored oplog continues: those of sync
   * {@code syncId} and, when its oplog was {@code pruned}, at or after the first stored entry
   * {@code firstStored} (stored batches are contiguous: pruning removes the oldest). A daemon
   * rebuilding a head from a snapshot uses the same rule.
   */
  public static List<Snapshots.Snapshot> bases(List<Snapshots.Snapshot> list, String syncId,
      boolean pruned, Optional<BsonTimestamp> firstStored) {
    return list.stream()
        .filter(s -> syncId.equals(s.syncId()))
        .filter(s -> !pruned
            || firstStored.isPresent() && firstStored.get().compareTo(s.ts()) <= 0)
        .toList();
  }

  /** The window, or empty when the backup has no base snapshot yet. */
  public Optional<Window> window(Backups.Backup b) {
    return window(b, snapshots.list(b.id()));
  }

  /**
   * The same from {@code list}, the backup's snapshots as {@link Snapshots#list} just read them
   * (newest first), for a caller that has them already.
   */
  public Optional<Window> window(Backups.Backup b, List<Snapshots.Snapshot> list) {
    List<Snapshots.Snapshot> bases = bases(b, list);
    if (bases.isEmpty()) {
      return Optional.empty();
    }
    Snapshots.Snapshot oldest = bases.get(bases.size() - 1);
    BsonTimestamp latest = b.lastTs().compareTo(bases.get(0).ts()) > 0 ? b.lastTs()
        : bases.get(0).ts();
    return Optional.of(new Window(oldest.ts(), latest, oldest.pointInTime(),
        Instant.ofEpochSecond(latest.getTime(), 999_000_000), bases));
  }
}
