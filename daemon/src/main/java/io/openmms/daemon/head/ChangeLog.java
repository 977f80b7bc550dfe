package io.openmms.daemon.head;

import java.util.Optional;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * Which documents of one collection commits wrote (inserted, updated, replaced or deleted) after
 * a given oplog timestamp, as of the view it was obtained from (docs/head-format.md, "Change
 * log"). A log is named by its {@link #lineage()}: two logs with the same lineage are the same
 * log at different times, so a write after {@link #since()} is in both or, if after the earlier
 * view, in the later one only. Thread-safe, like the view it reads.
 */
public interface ChangeLog {

  /**
   * The log's name: drawn anew whenever the log stops covering every write to the collection's
   * documents (the collection is created, renamed to this name, or written outside oplog
   * application, as an initial sync writes).
   */
  String lineage();

  /**
   * Every document write committed after this timestamp is in the log; writes at or before it may
   * have been pruned. {@code Timestamp(0, 0)} when nothing was pruned since the lineage began.
   */
  BsonTimestamp since();

  /**
   * The documents written after {@code after}, in {@code _id} key order, or empty when more than
   * {@code limit} were (reading no further than that). Their {@code _id} keys are gathered first
   * and held by the cursor, so {@code limit} bounds its memory. Must be closed.
   */
  Optional<Cursor> changedAfter(BsonTimestamp after, long limit);

  /** One changed document per {@link #next()}: its key, and its content now. */
  interface Cursor extends AutoCloseable {
    /** Moves to the next changed document; false at the end. */
    boolean next();

    /** The document's {@code _id} key ({@link IdKey#encode}); the cursor's own, not to be changed. */
    byte[] key();

    /** The document now, or {@code null} when it was deleted. */
    RawBsonDocument document();

    @Override
    void close();
  }
}
