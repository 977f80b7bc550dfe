package io.openmms.daemon.head;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * A set of changes to a head that is committed atomically together with an oplog position, or
 * discarded. Reads through the batch see its own earlier writes. Not thread-safe; a head has at
 * most one open batch.
 *
 * <p>Operations are idempotent in the way oplog application needs: putting an existing
 * {@code _id} replaces the document, deleting a missing one does nothing, creating an existing
 * collection updates its options, dropping a missing one does nothing.
 */
public interface HeadBatch extends AutoCloseable {

  Optional<RawBsonDocument> get(Namespace ns, BsonValue id);

  /**
   * A hint that the documents {@code ids[i]} of {@code namespaces[i]} are about to be read or
   * written, in this order (an oplog batch's inserts, updates and deletes): the batch may read
   * their stored versions ahead. Results of later calls are the same with or without it.
   */
  default void prefetch(List<Namespace> namespaces, List<BsonValue> ids) {}

  /** Inserts or replaces the document with this {@code _id}; creates the collection if needed. */
  void put(Namespace ns, RawBsonDocument document);

  /** Removes the document with this {@code _id}; returns whether there was one. */
  boolean delete(Namespace ns, BsonValue id);

  boolean exists(Namespace ns);

  Optional<CollectionInfo> collection(Namespace ns);

  /**
   * Creates {@code ns} with these options (no {@code create} field) and the {@code _id_} index
   * described by {@code idIndex} (a default one if null, none for clustered collections). If it
   * exists, its options and UUID are replaced and its documents kept.
   */
  void createCollection(Namespace ns, BsonDocument options, UUID uuid, BsonDocument idIndex);

  void dropCollection(Namespace ns);

  void dropDatabase(String db);

  /** Renames {@code from} to {@code to}; an existing {@code to} is dropped if {@code dropTarget}. */
  void renameCollection(Namespace from, Namespace to, boolean dropTarget);

  /** Adds the index spec (its {@code name} identifies it; an index with that name is replaced). */
  void createIndex(Namespace ns, BsonDocument spec);

  /** Drops the named index; returns whether it existed. {@code _id_} cannot be dropped. */
  boolean dropIndex(Namespace ns, String name);

  /** Replaces the collection options and index specs (collMod is computed by the caller). */
  void setOptionsAndIndexes(Namespace ns, BsonDocument options, List<BsonDocument> indexes);

  /** Durably stashes an oplog entry (a transaction part waiting for its commit), keyed by ts. */
  void putPending(BsonTimestamp ts, BsonDocument entry);

  Optional<BsonDocument> pending(BsonTimestamp ts);

  void removePending(BsonTimestamp ts);

  /** Sets the state stored with this batch. */
  void state(HeadState state);

  /**
   * Writes every change, the position and the state atomically, syncing the write-ahead log.
   * After this the batch is closed.
   */
  void commit(OplogPosition position);

  /** Commits without moving the position; {@code sync=false} skips the fsync (initial sync). */
  void commitKeepingPosition(boolean sync);

  /** Discards the batch unless committed. */
  @Override
  void close();
}
