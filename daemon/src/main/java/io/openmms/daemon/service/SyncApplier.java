package io.openmms.daemon.service;

import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.HeadState;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.oplog.OplogApplier;
import io.openmms.server.backup.BsonStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongFunction;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Applies the stored batches of one sync to a head, one at a time in {@code seq} order
 * (docs/backup-protocol.md, "Batches"):
 *
 * <ul>
 *   <li>{@code syncStart}: {@link Head#beginInitialSync()} (clears the head) and remember T0;
 *   <li>{@code collection}: {@link Head#createCollection} with the options, UUID and index specs;
 *   <li>{@code documents}: {@link Head#insertDocuments};
 *   <li>{@code oplog} while the head is in INITIAL_SYNC: only remembered by {@code seq}. The agent
 *       tails from T0 while it copies, so these batches interleave with the copy; applying them
 *       before the copy is complete would let older copied documents overwrite newer changes;
 *   <li>{@code syncEnd}: {@link Head#finishInitialSync}(T0), then every remembered oplog batch
 *       (read again from the store, so memory holds only their numbers) through the
 *       {@link OplogApplier}, which skips entries at or before T0. The head is then STEADY;
 *   <li>{@code oplog} once STEADY: the {@link OplogApplier}.
 * </ul>
 *
 * <p>Re-applying the last batch after a crash is harmless: copied documents replace, the applier
 * skips covered entries, and {@code syncEnd} on a head already STEADY does nothing. The caller
 * restarts a sync from {@code seq} 1 when it finds the head in INITIAL_SYNC (initial-sync writes
 * are not synced one by one, so their durability is only known at {@code syncEnd}).
 *
 * <p>A batch that does not fit raises {@link BatchUnreadableException}; an oplog entry that
 * cannot be applied raises the applier's {@code OplogApplyException}. Either way nothing of the
 * failing oplog batch was written. Not thread-safe.
 */
final class SyncApplier {
  private final Head head;
  private final OplogApplier oplog;
  private final LongFunction<BsonStream> reader;
  private final List<Long> deferred = new ArrayList<>();
  private BsonTimestamp startTs;

  /** {@code reader} reads a batch of this sync by its seq (for the deferred oplog batches). */
  SyncApplier(Head head, LongFunction<BsonStream> reader) {
    this.head = head;
    this.oplog = new OplogApplier(head);
    this.reader = reader;
  }

  /** True for a batch of kind {@code oplog}. */
  static boolean isOplog(BsonStream batch) {
    BsonDocument h = batch.header();
    return h.isString("kind") && h.getString("kind").getValue().equals("oplog");
  }

  /** Applies the entries of consecutive oplog batches to a STEADY head, with one commit. */
  void applyOplog(List<RawBsonDocument> entries) {
    if (head.state() != HeadState.STEADY) {
      throw new IllegalStateException("oplog batches are applied together only to a STEADY head");
    }
    oplog.apply(entries);
  }

  void apply(long seq, BsonStream batch) {
    // a mutable copy: the head may keep and edit the options and index specs it is given
    BsonDocument h = batch.header() instanceof RawBsonDocument raw
        ? raw.decode(new BsonDocumentCodec()) : batch.header();
    String kind = h.isString("kind") ? h.getString("kind").getValue() : "<none>";
    switch (kind) {
      case "syncStart" -> {
        startTs = timestamp(seq, h, "startTs");
        deferred.clear();
        head.beginInitialSync();
      }
      case "collection" -> {
        requireInitialSync(seq, kind);
        head.createCollection(namespace(seq, h), document(seq, h, "options"), uuid(seq, h),
            indexes(seq, h));
      }
      case "documents" -> {
        requireInitialSync(seq, kind);
        head.insertDocuments(namespace(seq, h), batch.documents());
      }
      case "oplog" -> {
        if (head.state() == HeadState.INITIAL_SYNC) {
          deferred.add(seq);
        } else {
          requireSteady(seq, kind);
          oplog.apply(batch.documents());
        }
      }
      case "syncEnd" -> {
        if (head.state() == HeadState.INITIAL_SYNC) {
          if (startTs == null) {
            throw new BatchUnreadableException(seq, "syncEnd batch " + seq
                + " without a syncStart before it");
          }
          head.finishInitialSync(startTs);
          for (long s : deferred) {
            oplog.apply(reader.apply(s).documents());
          }
          deferred.clear();
        } else {
          requireSteady(seq, kind); // applied before a crash; nothing to do again
        }
      }
      default -> throw new BatchUnreadableException(seq, "batch " + seq + " has unknown kind '"
          + kind + "'");
    }
  }

  private void requireInitialSync(long seq, String kind) {
    if (head.state() != HeadState.INITIAL_SYNC) {
      throw new BatchUnreadableException(seq, "a " + kind + " batch (" + seq
          + ") while the head is " + head.state() + ", not INITIAL_SYNC");
    }
  }

  private void requireSteady(long seq, String kind) {
    if (head.state() != HeadState.STEADY) {
      throw new BatchUnreadableException(seq, "a " + kind + " batch (" + seq
          + ") while the head is " + head.state() + ", not STEADY");
    }
  }

  private static Namespace namespace(long seq, BsonDocument h) {
    if (!h.isString("ns")) {
      throw new BatchUnreadableException(seq, "batch " + seq + " has no string ns");
    }
    try {
      return Namespace.parse(h.getString("ns").getValue());
    } catch (IllegalArgumentException e) {
      throw new BatchUnreadableException(seq, "batch " + seq + ": " + e.getMessage());
    }
  }

  private static BsonDocument document(long seq, BsonDocument h, String key) {
    if (!h.isDocument(key)) {
      throw new BatchUnreadableException(seq, "batch " + seq + " has no document " + key);
    }
    return h.getDocument(key);
  }

  private static BsonTimestamp timestamp(long seq, BsonDocument h, String key) {
    if (!h.isTimestamp(key)) {
      throw new BatchUnreadableException(seq, "batch " + seq + " has no timestamp " + key);
    }
    return h.getTimestamp(key);
  }

  private static UUID uuid(long seq, BsonDocument h) {
    BsonValue v = h.get("uuid");
    if (v == null || v.isNull()) {
      return null;
    }
    if (v instanceof BsonBinary b && b.getType() == BsonBinarySubType.UUID_STANDARD.getValue()) {
      return b.asUuid(UuidRepresentation.STANDARD);
    }
    throw new BatchUnreadableException(seq, "batch " + seq + ": uuid is not a UUID (binary"
        + " subtype 4)");
  }

  private static List<BsonDocument> indexes(long seq, BsonDocument h) {
    if (!h.isArray("indexes")) {
      throw new BatchUnreadableException(seq, "batch " + seq + " has no array indexes");
    }
    List<BsonDocument> out = new ArrayList<>();
    for (BsonValue v : h.getArray("indexes")) {
      if (!v.isDocument() || !v.asDocument().isString("name")) {
        throw new BatchUnreadableException(seq, "batch " + seq + ": an index spec is not a"
            + " document with a name");
      }
      out.add(v.asDocument());
    }
    return out;
  }
}
