package io.openmms.daemon.service;

/**
 * A stored, acknowledged batch cannot be read or does not make sense for the head (missing,
 * corrupt, malformed header, a kind out of place). Permanent: reading it again gives the same
 * result, so the backup's head is marked as needing a resync.
 */
final class BatchUnreadableException extends RuntimeException {
  final long seq;

  BatchUnreadableException(long seq, String message) {
    super(message);
    this.seq = seq;
  }
}
