package io.openmms.daemon.head;

/** Where a head is in its life; stored with the data, set by the caller (and by initial sync). */
public enum HeadState {
  /** Created, nothing applied yet. */
  EMPTY,
  /** An initial sync is being applied; the content is incomplete until it finishes. */
  INITIAL_SYNC,
  /** Initial sync finished; oplog batches are applied from the recorded position. */
  STEADY,
  /** The source oplog moved past the position (a gap): a new initial sync must replace the content. */
  RESYNC_REQUIRED
}
