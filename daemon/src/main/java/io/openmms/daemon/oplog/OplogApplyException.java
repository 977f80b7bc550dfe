package io.openmms.daemon.oplog;

import org.bson.BsonTimestamp;

/**
 * An oplog entry could not be applied. Permanent: the same entry fails again, so the caller stops
 * applying this replica set and reports it (nothing of the failed batch was written).
 */
public abstract class OplogApplyException extends RuntimeException {
  private final BsonTimestamp ts;
  private final String ns;

  OplogApplyException(BsonTimestamp ts, String ns, String message, Throwable cause) {
    super("oplog entry ts=" + describe(ts) + " ns=" + (ns == null ? "<none>" : ns) + ": " + message,
        cause);
    this.ts = ts;
    this.ns = ns;
  }

  /** The failing entry's timestamp (the enclosing entry's for an entry inside applyOps); may be null. */
  public BsonTimestamp ts() {
    return ts;
  }

  /** The failing entry's namespace; may be null when the entry has none. */
  public String ns() {
    return ns;
  }

  static String describe(BsonTimestamp ts) {
    return ts == null ? "<none>" : "Timestamp(" + ts.getTime() + ", " + ts.getInc() + ")";
  }
}
