package io.openmms.daemon.oplog;

import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.HeadBatch;
import io.openmms.daemon.head.HeadState;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.OplogPosition;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.bson.BsonBinaryWriter;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInvalidOperationException;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;

/**
 * Applies batches of oplog entries (MongoDB 4.4–8.0 shapes) to a {@link Head}, in order, each
 * batch as one atomic head commit that also records the position of its last entry.
 *
 * <p>Idempotent: entries at or before the head's position are skipped, so a resent or
 * overlapping batch changes nothing it already applied; within an entry, inserts overwrite,
 * deletes of missing documents and drops of missing collections do nothing, and operator updates
 * of a missing document are skipped and counted ({@link ApplyResult#missingDocuments()}).
 *
 * <p>Entry forms (https://www.mongodb.com/docs/manual/core/replica-set-oplog/):
 * <ul>
 *   <li>{@code i} insert, {@code o} the document ({@code o2} may repeat _id and the shard key);
 *   <li>{@code u} update of {@code o2._id}: {@code o} is a replacement document, the
 *       {@code $set}/{@code $unset} form ({@link SetUnsetUpdate}) or a {@code $v: 2} diff
 *       ({@link DiffUpdate}); any other update operator is refused
 *       ({@link ForbiddenOperatorException});
 *   <li>{@code d} delete of {@code o._id}; {@code n} no-op (only moves the position);
 *   <li>{@code c} commands ({@link DdlCommands}) and {@code applyOps}, including transactions.
 * </ul>
 *
 * <p>Transactions (https://github.com/mongodb/mongo/blob/master/src/mongo/db/repl/README.md,
 * "Transaction Oplog Application"): a large unprepared transaction is a chain of {@code applyOps}
 * entries with {@code o.partialTxn: true}, each pointing to the previous one by
 * {@code prevOpTime}, ended by an {@code applyOps} without {@code partialTxn} that commits it; a
 * prepared transaction ends with {@code o.prepare: true} and is committed by a
 * {@code commitTransaction} command (or discarded by {@code abortTransaction}). Waiting parts are
 * stashed in the head ({@link HeadBatch#putPending}) in the same commit as the position that
 * covers them, so a crash between a part and its commit loses nothing; at the commit the chain
 * is followed back through {@code prevOpTime} and every operation is applied in the commit's
 * batch — all or nothing.
 *
 * <p>Any failure discards the whole batch (nothing is written) and raises an
 * {@link OplogApplyException} naming the entry. Not thread-safe; one applier per head.
 */
public final class OplogApplier {
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();
  private static final EncoderContext ENCODE = EncoderContext.builder().build();

  private final Head head;

  public OplogApplier(Head head) {
    this.head = head;
  }

  /** Applies {@code entries} in order; see the class comment. */
  public ApplyResult apply(List<? extends BsonDocument> entries) {
    if (head.state() != HeadState.STEADY) {
      throw new IllegalStateException("cannot apply oplog to a head in state " + head.state()
          + "; finish an initial sync first");
    }
    OplogPosition position = head.position().orElseThrow();
    Counters counters = new Counters();
    int skipped = 0;
    List<OplogEntry> todo = new ArrayList<>(entries.size());
    for (BsonDocument entry : entries) {
      BsonDocument doc = ShallowBson.of(entry);
      BsonTimestamp ts = timestamp(doc);
      if (position.covers(ts)) {
        skipped++;
        continue;
      }
      position = new OplogPosition(ts, term(doc), wall(doc));
      todo.add(OplogEntry.of(doc, ts));
    }
    try (HeadBatch batch = head.newBatch()) {
      for (int i = 0; i < todo.size(); i++) {
        if (i == 0 || "c".equals(opOrNull(todo.get(i - 1)))) {
          prefetch(batch, todo, i); // a command is a barrier: prefetch again after it
        }
        applyTopLevel(batch, todo.get(i), counters);
        counters.applied++;
      }
      if (counters.applied > 0) {
        batch.commit(position);
      }
    }
    return new ApplyResult(counters.applied, skipped, counters.missing, position);
  }

  /**
   * Hands the batch the {@code _id}s of the CRUD entries from {@code from} up to the next command,
   * so the head reads their stored documents ahead, in order, while earlier entries are applied.
   * Only a hint: an entry it cannot read (malformed ones included) is left out and fails, if at
   * all, when applied.
   */
  private static void prefetch(HeadBatch batch, List<OplogEntry> entries, int from) {
    List<Namespace> namespaces = new ArrayList<>();
    List<BsonValue> ids = new ArrayList<>();
    Map<String, Namespace> parsed = new HashMap<>();
    for (int i = from; i < entries.size(); i++) {
      OplogEntry e = entries.get(i);
      String op = opOrNull(e);
      if (op == null || op.equals("c")) {
        break;
      }
      BsonValue holder = e.doc().get(op.equals("u") ? "o2" : "o");
      BsonValue id = holder != null && holder.isDocument() ? holder.asDocument().get("_id") : null;
      Namespace ns = e.ns() == null ? null : parsed.computeIfAbsent(e.ns(), OplogApplier::nsOrNull);
      if (!op.equals("n") && id != null && ns != null) {
        namespaces.add(ns);
        ids.add(id);
      }
    }
    batch.prefetch(namespaces, ids);
  }

  private static Namespace nsOrNull(String ns) {
    try {
      return Namespace.parse(ns);
    } catch (IllegalArgumentException e) {
      return null; // reported when the entry is applied
    }
  }

  private static String opOrNull(OplogEntry e) {
    BsonValue op = e.doc().get("op");
    return op != null && op.isString() ? op.asString().getValue() : null;
  }

  private static final class Counters {
    int applied;
    int missing;
  }

  private void applyTopLevel(HeadBatch batch, OplogEntry e, Counters counters) {
    try {
      applyOne(batch, e, counters, true);
    } catch (OplogApplyException ex) {
      throw ex;
    } catch (IllegalArgumentException | IllegalStateException | BsonInvalidOperationException
        | ClassCastException ex) {
      throw new MalformedOplogEntryException(e.ts(), e.ns(), ex.getMessage(), ex);
    }
  }

  private void applyOne(HeadBatch batch, OplogEntry e, Counters counters, boolean topLevel) {
    switch (e.op()) {
      case "n" -> { }
      case "i" -> insert(batch, e);
      case "u" -> update(batch, e, counters);
      case "d" -> batch.delete(e.namespace(), e.id(e.o(), "o"));
      case "c" -> command(batch, e, counters, topLevel);
      default -> throw e.malformed("unknown op '" + e.op() + "'");
    }
  }

  private static void insert(HeadBatch batch, OplogEntry e) {
    Namespace ns = e.namespace();
    BsonDocument o = e.o();
    e.id(o, "o");
    if (!batch.exists(ns)) {
      batch.createCollection(ns, new BsonDocument(), e.ui().orElse(null), null);
    }
    batch.put(ns, raw(o));
  }

  private static void update(HeadBatch batch, OplogEntry e, Counters counters) {
    Namespace ns = e.namespace();
    BsonDocument o = e.o();
    BsonValue id = e.id(e.document(e.doc(), "o2"), "o2");
    BsonDocument fields = ShallowBson.of(o); // a raw o would be decoded by every key lookup
    UpdateForm form = UpdateForm.of(e, fields);
    if (form == UpdateForm.REPLACEMENT) {
      BsonDocument replacement = o;
      if (!fields.containsKey("_id")) {
        replacement = new BsonDocument("_id", id);
        replacement.putAll(fields);
      }
      batch.put(ns, raw(replacement));
      return;
    }
    Optional<RawBsonDocument> current = batch.get(ns, id);
    if (current.isEmpty()) {
      counters.missing++;
      return;
    }
    BsonDocument doc;
    if (form == UpdateForm.DIFF) {
      doc = ShallowBson.of(current.get()); // sub-documents the diff does not touch stay raw
      BsonDocument diff = e.document(fields, "diff");
      DiffUpdate.applyToDocument(doc, diff instanceof RawBsonDocument r ? r.decode(CODEC) : diff);
    } else {
      doc = current.get().decode(CODEC);
      SetUnsetUpdate.apply(doc, optionalDoc(e, fields, "$set"), optionalDoc(e, fields, "$unset"));
    }
    batch.put(ns, raw(doc));
  }

  private static BsonDocument optionalDoc(OplogEntry e, BsonDocument o, String field) {
    return o.containsKey(field) ? e.document(o, field) : null;
  }

  /** How an update entry's {@code o} describes the change. */
  private enum UpdateForm {
    REPLACEMENT, SET_UNSET, DIFF;

    static UpdateForm of(OplogEntry e, BsonDocument o) {
      boolean operators = false;
      boolean fields = false;
      for (String k : o.keySet()) {
        if (k.startsWith("$")) {
          operators = true;
          if (!k.equals("$v") && !k.equals("$set") && !k.equals("$unset") && !k.equals("diff")) {
            throw new ForbiddenOperatorException(e.ts(), e.ns(), k);
          }
        } else if (!k.equals("diff")) {
          fields = true;
        }
      }
      BsonValue v = o.get("$v");
      if (v != null && v.isNumber() && v.asNumber().doubleValue() == 2) {
        if (o.size() != 2 || !o.containsKey("diff")) {
          throw e.malformed("a $v:2 update must be exactly {$v: 2, diff: {...}}");
        }
        return DIFF;
      }
      if (v != null && !(v.isNumber() && v.asNumber().doubleValue() == 1)) {
        throw e.malformed("unsupported update version $v: " + v);
      }
      if (o.containsKey("diff") && operators) {
        throw e.malformed("'diff' without $v: 2");
      }
      if (operators && fields) {
        throw e.malformed("update mixes operators and plain fields");
      }
      return operators ? SET_UNSET : REPLACEMENT;
    }
  }

  // ---- commands, applyOps and transactions

  private void command(HeadBatch batch, OplogEntry e, Counters counters, boolean topLevel) {
    BsonDocument o = e.o();
    if (o.isEmpty()) {
      throw e.malformed("empty command");
    }
    String command = o.getFirstKey();
    switch (command) {
      case "applyOps" -> applyOps(batch, e, counters, topLevel);
      case "commitTransaction" -> {
        requireTopLevel(e, command, topLevel);
        chain(batch, e, e.prevOpTimeTs()).forEach(part -> applyNested(batch, part, e, counters));
      }
      case "abortTransaction" -> {
        requireTopLevel(e, command, topLevel);
        chain(batch, e, e.prevOpTimeTs());
      }
      default -> {
        if (!DdlCommands.handles(command)) {
          throw e.malformed("unsupported command '" + command + "'");
        }
        DdlCommands.apply(batch, e, command);
      }
    }
  }

  private void applyOps(HeadBatch batch, OplogEntry e, Counters counters, boolean topLevel) {
    BsonDocument o = e.o();
    if (!o.isArray("applyOps")) {
      throw e.malformed("'applyOps' must be an array");
    }
    // partialTxn is a subfield of 'o' (repl README); also accepted beside it
    boolean partial = o.getBoolean("partialTxn", BsonBoolean.FALSE).getValue()
        || e.doc().getBoolean("partialTxn", BsonBoolean.FALSE).getValue();
    boolean prepare = o.getBoolean("prepare", BsonBoolean.FALSE).getValue();
    if (partial || prepare) {
      requireTopLevel(e, "a transaction part", topLevel);
      batch.putPending(e.ts(), e.doc()); // applied at its commit
      return;
    }
    BsonTimestamp prev = topLevel ? e.prevOpTimeTs() : null;
    if (prev != null) {
      chain(batch, e, prev).forEach(part -> applyNested(batch, part, e, counters));
    }
    applyNested(batch, e.doc(), e, counters);
  }

  private void applyNested(HeadBatch batch, BsonDocument applyOpsEntry, OplogEntry outer,
      Counters counters) {
    for (BsonValue op : applyOpsEntry.getDocument("o").getArray("applyOps")) {
      if (!op.isDocument()) {
        throw outer.malformed("applyOps element is not a document: " + op);
      }
      applyOne(batch, OplogEntry.of(ShallowBson.of(op.asDocument()), outer.ts()), counters, false);
    }
  }

  /**
   * Removes the stashed parts ending at {@code last} (following {@code prevOpTime}) and returns
   * them oldest first.
   */
  private static Deque<BsonDocument> chain(HeadBatch batch, OplogEntry e, BsonTimestamp last) {
    Deque<BsonDocument> parts = new ArrayDeque<>();
    for (BsonTimestamp ts = last; ts != null; ) {
      BsonTimestamp link = ts;
      BsonDocument part = batch.pending(link).orElseThrow(() -> e.malformed("transaction part at "
          + "prevOpTime " + OplogApplyException.describe(link) + " was never received (did oplog "
          + "application start inside a transaction?)"));
      batch.removePending(ts);
      parts.addFirst(part);
      ts = OplogEntry.of(part, ts).prevOpTimeTs();
    }
    return parts;
  }

  /**
   * The timestamp of the earlier part of the transaction that {@code entry} continues, prepares
   * or ends ({@code prevOpTime} of a top-level {@code applyOps}, {@code commitTransaction} or
   * {@code abortTransaction}); null for any other entry and for the first part of a chain.
   */
  public static BsonTimestamp previousTransactionPart(BsonDocument entry) {
    BsonDocument doc = ShallowBson.of(entry);
    BsonValue op = doc.get("op");
    BsonValue o = doc.get("o");
    if (op == null || !op.isString() || !op.asString().getValue().equals("c") || o == null
        || !o.isDocument() || o.asDocument().isEmpty()) {
      return null;
    }
    String command = o.asDocument().getFirstKey();
    if (!command.equals("applyOps") && !command.equals("commitTransaction")
        && !command.equals("abortTransaction")) {
      return null;
    }
    return OplogEntry.of(doc, timestamp(doc)).prevOpTimeTs();
  }

  private static void requireTopLevel(OplogEntry e, String what, boolean topLevel) {
    if (!topLevel) {
      throw e.malformed(what + " inside applyOps");
    }
  }

  // ---- entry fields

  private static BsonTimestamp timestamp(BsonDocument doc) {
    BsonValue ts = doc.get("ts");
    if (ts == null || !ts.isTimestamp()) {
      BsonValue ns = doc.get("ns");
      throw new MalformedOplogEntryException(null, ns != null && ns.isString()
          ? ns.asString().getValue() : null, "missing or non-timestamp field 'ts' in " + doc.toJson());
    }
    return ts.asTimestamp();
  }

  private static long term(BsonDocument doc) {
    BsonValue t = doc.get("t");
    return t != null && t.isNumber() ? t.asNumber().longValue() : -1;
  }

  private static Instant wall(BsonDocument doc) {
    BsonValue wall = doc.get("wall");
    return wall != null && wall.isDateTime() ? Instant.ofEpochMilli(wall.asDateTime().getValue())
        : Instant.EPOCH;
  }

  private static RawBsonDocument raw(BsonDocument d) {
    if (d instanceof RawBsonDocument r) {
      return r;
    }
    BasicOutputBuffer buf = new BasicOutputBuffer(512);
    try (BsonBinaryWriter w = new BsonBinaryWriter(buf)) {
      CODEC.encode(w, d, ENCODE);
    }
    return new RawBsonDocument(buf.toByteArray()); // exactly sized: the head stores this array
  }
}
