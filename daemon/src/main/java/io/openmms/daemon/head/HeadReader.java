package io.openmms.daemon.head;

import java.util.List;
import java.util.Optional;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/** Read access to a head's content. Implementations are thread-safe. */
public interface HeadReader {

  /** The last applied oplog position, empty before the first initial sync finished. */
  Optional<OplogPosition> position();

  HeadState state();

  /** Every collection, in namespace order. */
  List<Namespace> namespaces();

  Optional<CollectionInfo> collection(Namespace ns);

  /** The document whose {@code _id} equals {@code id} (MongoDB equality: 1 == 1L == 1.0). */
  Optional<RawBsonDocument> get(Namespace ns, BsonValue id);

  /** The documents of {@code ns} in {@code _id} key order (see docs/head-format.md); empty if none. */
  DocumentCursor scan(Namespace ns);

  /**
   * A name for the current content of {@code ns}'s documents: a random tag drawn anew, in the same
   * commit, whenever a commit changes them, so two reads with equal tags (of this head's store,
   * at any time, even after its files were copied or rolled back) see the same documents.
   * Snapshots use it to reuse an earlier snapshot's blocks for a collection that did not change
   * (docs/snapshot-format.md, "Unchanged collections"). Empty when the head does not track it or
   * the collection does not exist.
   */
  default Optional<String> contentTag(Namespace ns) {
    return Optional.empty();
  }

  /**
   * The change log of {@code ns}: which of its documents commits wrote after a given oplog
   * timestamp. Snapshots use it to write a collection as an earlier snapshot's documents plus a
   * patch (docs/snapshot-format.md, "Patched collections"). Empty when the head does not keep one
   * or the collection does not exist.
   */
  default Optional<ChangeLog> changeLog(Namespace ns) {
    return Optional.empty();
  }

  /** Number of documents in {@code ns}, 0 if it does not exist. */
  default long count(Namespace ns) {
    return collection(ns).map(CollectionInfo::count).orElse(0L);
  }

  /** Sum of the BSON sizes of the documents in {@code ns}, 0 if it does not exist. */
  default long dataSize(Namespace ns) {
    return collection(ns).map(CollectionInfo::dataSize).orElse(0L);
  }
}
