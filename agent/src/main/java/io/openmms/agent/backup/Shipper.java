package io.openmms.agent.backup;

import io.openmms.agent.ship.Backoff;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.bson.BsonTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the batches of one sync ({@code syncId}) of one backup in sequence: each batch gets
 * the next {@code seq} and is sent until the service acknowledges it; only then does
 * {@link #ship} return and the next batch go out. So the position ({@link #ackedSeq()},
 * {@link #ackedTs()}) moves only after an acknowledgement.
 *
 * <ul>
 *   <li>I/O errors, timeouts, 408, 429 and 5xx: the same bytes are resent after a bounded
 *       exponential backoff; a resend the service already stored is answered as a duplicate.
 *   <li>409 OUT_OF_ORDER: resend from {@code expectedSeq} out of a bounded window of recently
 *       sent batches (the last {@value #WINDOW_BATCHES} batches, at most
 *       {@value #WINDOW_BYTES} compressed bytes besides the current one); if the window no
 *       longer reaches back, {@link BackupStop.Reassign}.
 *   <li>409 SYNC_SUPERSEDED (any other 409), 401, 403, 404: {@link BackupStop.Reassign}.
 *   <li>A first attempt answered as a duplicate means the service holds another batch under
 *       that seq (say a second agent ships the same backup): {@link BackupStop.Reassign}
 *       rather than a silent loss.
 *   <li>400 and other 4xx: {@link BackupStop.Rejected}.
 * </ul>
 *
 * <p>Not thread-safe: one worker thread ships.
 */
final class Shipper {
  private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
  static final int WINDOW_BATCHES = 16;
  static final long WINDOW_BYTES = 64L * 1024 * 1024;

  private final BackupClient client;
  private final String backupId;
  private final String syncId;
  private final String label;
  private final Backoff backoff;
  private final TreeMap<Long, byte[]> window = new TreeMap<>();
  private long windowBytes;
  private long acked;
  private BsonTimestamp ackedTs;
  private boolean failing;

  /** @param lastSeq the service's acknowledged seq for {@code syncId} */
  Shipper(BackupClient client, Assignment a, long lastSeq, BsonTimestamp lastTs,
      Duration retryInitial, Duration retryMax) {
    this.client = client;
    this.backupId = a.backupId();
    this.syncId = a.syncId();
    this.label = a.label();
    this.acked = lastSeq;
    this.ackedTs = lastTs;
    this.backoff = new Backoff(retryInitial, retryMax);
  }

  /** Sends {@code batch} as the next seq until acknowledged; returns its seq. */
  long ship(Batch batch) throws InterruptedException, BackupStop {
    long seq = acked + 1;
    byte[] body = BsonStream.encode(batch.header(backupId, syncId, seq), batch.documents());
    remember(seq, body);
    deliverThrough(seq);
    if (batch.lastTs() != null) {
      ackedTs = batch.lastTs();
    }
    return seq;
  }

  private void deliverThrough(long target) throws InterruptedException, BackupStop {
    boolean firstAttempt = true;
    while (acked < target) {
      long seq = acked + 1;
      PostResult r = client.postBatch(backupId, window.get(seq));
      switch (r.outcome()) {
        case ACKNOWLEDGED -> {
          if (firstAttempt && r.duplicate()) {
            throw new BackupStop.Reassign(label + ": the service already holds another batch "
                + "with seq " + seq + " of sync " + syncId);
          }
          acked = seq;
          recovered();
        }
        case OUT_OF_ORDER -> resendFrom(r.expectedSeq(), target);
        case REASSIGN -> throw new BackupStop.Reassign(label + ": the service answered HTTP "
            + r.status() + " (" + r.detail() + ") to batch " + seq + " of sync " + syncId);
        case REJECTED -> throw new BackupStop.Rejected(label + ": the service rejected batch "
            + seq + " of sync " + syncId + " (HTTP " + r.status() + ": " + r.detail() + ")");
        case UNAVAILABLE -> {
          failed(r);
          Thread.sleep(backoff.next().toMillis());
        }
      }
      firstAttempt = false;
    }
  }

  private void resendFrom(long expected, long target) throws BackupStop {
    if (expected < 1 || expected > target || !window.containsKey(expected)) {
      throw new BackupStop.Reassign(label + ": the service expects seq " + expected
          + " of sync " + syncId + " but the agent can resend only from "
          + (window.isEmpty() ? target : window.firstKey()) + "; resuming from the service's "
          + "position");
    }
    LOG.warn("{}: the service expects seq {}; resending batches {} to {}", label, expected,
        expected, target);
    acked = expected - 1;
  }

  private void remember(long seq, byte[] body) {
    window.put(seq, body);
    windowBytes += body.length;
    while (window.size() > 1 && (window.size() > WINDOW_BATCHES + 1
        || windowBytes - body.length > WINDOW_BYTES)) {
      Map.Entry<Long, byte[]> oldest = window.pollFirstEntry();
      windowBytes -= oldest.getValue().length;
    }
  }

  private void failed(PostResult r) {
    if (!failing) {
      failing = true;
      LOG.warn("{}: cannot send to the backup service at {} ({}); retrying with backoff", label,
          client.endpoint(), r.detail());
    }
  }

  private void recovered() {
    backoff.reset();
    if (failing) {
      failing = false;
      LOG.info("{}: the backup service acknowledges again", label);
    }
  }

  /** The highest seq the service acknowledged. */
  long ackedSeq() {
    return acked;
  }

  /** The last oplog {@code ts} the service acknowledged, or {@code null}. */
  BsonTimestamp ackedTs() {
    return ackedTs;
  }
}
