package io.openmms.daemon.head;

import java.util.List;
import java.util.UUID;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * The daemon's local copy of one backed-up replica set: the same collections, options, index
 * specs and documents as the source primary up to {@link #position()}. Changes arrive in
 * {@link HeadBatch}es, each committed atomically with the oplog position it reaches, so after a
 * crash the head reopens at a position whose data is exactly what it holds.
 *
 * <p>Thread-safety: reads and {@link #snapshot()} from any thread; one writer (batch or initial
 * sync call) at a time — a second concurrent {@link #newBatch()} blocks until the first closes.
 * The format is described in docs/head-format.md.
 */
public interface Head extends HeadReader, AutoCloseable {

  /** Starts a batch; the caller must commit or close it. */
  HeadBatch newBatch();

  /** A consistent view of the committed state, for snapshots taken while application continues. */
  HeadSnapshot snapshot();

  /** Sets the state without changing data (e.g. {@link HeadState#RESYNC_REQUIRED}). */
  void setState(HeadState state);

  /**
   * Forgets the change-log entries of {@code ns} written at or before {@code upTo}, when its
   * change log still has lineage {@code lineage}; afterwards its {@link ChangeLog#since()} is at
   * least {@code upTo}. Does nothing otherwise. Serialized with batches, like any write.
   */
  default void pruneChanges(Namespace ns, String lineage, BsonTimestamp upTo) {}

  /** Bytes on disk. */
  long sizeOnDisk();

  // ---- initial sync (SPEC §3.1): begin, collections, documents, finish

  /** Removes all content and the position and sets {@link HeadState#INITIAL_SYNC}. */
  void beginInitialSync();

  /** Creates a collection as copied from the source: options, UUID (may be null), index specs. */
  void createCollection(Namespace ns, BsonDocument options, UUID uuid, List<BsonDocument> indexes);

  /** Inserts (or replaces) copied documents; one unsynced write per call. */
  void insertDocuments(Namespace ns, List<RawBsonDocument> documents);

  /**
   * Makes the copy durable, sets the position to {@code startTs} (the oplog is applied from the
   * first entry after it) and the state to {@link HeadState#STEADY}.
   */
  void finishInitialSync(BsonTimestamp startTs);

  @Override
  void close();
}
