package io.openmms.daemon.head;

import java.time.Instant;
import java.util.Objects;
import org.bson.BsonTimestamp;

/**
 * The last oplog entry a head reflects: its {@code ts}, {@code t} (term, -1 when the entry has
 * none) and {@code wall} (wall-clock time, {@link Instant#EPOCH} when unknown).
 */
public record OplogPosition(BsonTimestamp ts, long term, Instant wallTime) {
  public OplogPosition {
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(wallTime, "wallTime");
  }

  /** A position known only by its timestamp (the start of oplog application after initial sync). */
  public static OplogPosition of(BsonTimestamp ts) {
    return new OplogPosition(ts, -1, Instant.EPOCH);
  }

  /** True if an entry with timestamp {@code other} is already covered by this position. */
  public boolean covers(BsonTimestamp other) {
    return other.compareTo(ts) <= 0;
  }
}
