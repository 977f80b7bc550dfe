package io.openmms.daemon.service;

/**
 * A batch the head needs was pruned from the stored oplog (it is older than the backup's
 * point-in-time window). The head cannot be rebuilt from the stored batches; a new initial sync
 * can.
 */
final class BatchPrunedException extends RuntimeException {
  final long seq;

  BatchPrunedException(long seq, String message) {
    super(message);
    this.seq = seq;
  }
}
