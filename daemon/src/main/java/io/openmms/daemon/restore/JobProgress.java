package io.openmms.daemon.restore;

import io.openmms.server.backup.RestoreJobs;

/**
 * Where a running restore stands, written by the job's thread and read by the heartbeat, which
 * stores it on the job every second and calls {@link #cancel} when the job was killed or taken
 * over. The job's thread calls {@link #check()} often and stops with
 * {@link RestoreCancelledException}. Thread-safe.
 */
final class JobProgress {
  private volatile RestoreJobs.Phase phase = RestoreJobs.Phase.QUEUED;
  private volatile long done;
  private volatile long total;
  private volatile boolean cancelled;
  private volatile boolean killed;

  void phase(RestoreJobs.Phase p, long total) {
    this.phase = p;
    this.total = total;
    this.done = 0;
  }

  void done(long bytes) {
    this.done = bytes;
  }

  void add(long bytes) {
    this.done += bytes; // one writer
  }

  RestoreJobs.Phase phase() {
    return phase;
  }

  long done() {
    return done;
  }

  long total() {
    return total;
  }

  /** Stops the job: {@code kill} when a user asked (it ends KILLED), else it is handed back. */
  void cancel(boolean kill) {
    killed |= kill;
    cancelled = true;
  }

  boolean killed() {
    return killed;
  }

  boolean cancelled() {
    return cancelled;
  }

  /** Throws when the job must stop. */
  void check() {
    if (cancelled || Thread.currentThread().isInterrupted()) {
      throw new RestoreCancelledException();
    }
  }

  /** The job was killed, or another daemon holds it now. */
  static final class RestoreCancelledException extends RuntimeException {
    RestoreCancelledException() {
      super("the restore job was killed or taken over", null, false, false);
    }
  }
}
