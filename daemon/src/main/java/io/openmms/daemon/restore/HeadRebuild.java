package io.openmms.daemon.restore;

import io.openmms.blockstore.BlockStore;
import io.openmms.daemon.head.Head;
import io.openmms.daemon.service.BatchSource;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.PitWindow;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Rebuilds a backup's head from its newest usable snapshot and the stored oplog after it, for a
 * daemon that has no head (another machine, a lost disk) when the oplog from the start of the
 * sync is pruned (docs/backup-daemon.md, "Rebuilding a head"). The snapshot is read and checked
 * as a restore reads it, and the oplog replayed as a point-in-time restore replays it, into the
 * live head. {@link #cancel} stops a rebuild from another thread.
 */
public final class HeadRebuild {
  private final JobProgress progress = new JobProgress();

  /**
   * The snapshot to rebuild from: the newest of {@code newestFirst} whose every later oplog entry
   * is stored ({@link PitWindow#bases}: the oplog was pruned, and the first of the sync's
   * {@code stored} oplog batches starts at or before it).
   */
  public static Optional<Snapshots.Snapshot> base(List<Snapshots.Snapshot> newestFirst,
      String syncId, List<BackupData.OplogBatch> stored) {
    return PitWindow.bases(newestFirst, syncId, true,
        stored.stream().findFirst().map(BackupData.OplogBatch::firstTs)).stream().findFirst();
  }

  /**
   * Clears {@code head}, loads snapshot {@code s} from {@code store} and replays every batch of
   * {@code stored} after it; returns the entries replayed. Throws when the snapshot cannot be read
   * or does not match its manifest, or the oplog cannot be applied; the head is then left in
   * INITIAL_SYNC.
   */
  public long run(Head head, BlockStore store, Snapshots.Snapshot s, BatchSource batches,
      List<BackupData.OplogBatch> stored) throws IOException, RestoreException {
    return new RestoreSource(store, s, progress).rebuild(head, batches, stored);
  }

  /** Stops a running {@link #run} (it throws); for a worker that lost its lease. */
  public void cancel() {
    progress.cancel(false);
  }
}
