package io.openmms.daemon.oplog;

import org.bson.BsonTimestamp;

/**
 * An entry does not have a shape MongoDB 4.4–8.0 writes (a missing or mistyped field, an unknown
 * {@code op} or command, an invalid diff, a transaction chain with a missing link).
 */
public final class MalformedOplogEntryException extends OplogApplyException {
  MalformedOplogEntryException(BsonTimestamp ts, String ns, String message) {
    super(ts, ns, message, null);
  }

  MalformedOplogEntryException(BsonTimestamp ts, String ns, String message, Throwable cause) {
    super(ts, ns, message, cause);
  }
}
