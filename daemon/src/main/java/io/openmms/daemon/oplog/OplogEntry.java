package io.openmms.daemon.oplog;

import io.openmms.daemon.head.Namespace;
import java.util.Optional;
import java.util.UUID;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.UuidRepresentation;

/**
 * Typed access to one oplog entry's fields with errors that name the entry. {@code ts} is the
 * entry's own timestamp, or that of the enclosing {@code applyOps} for a nested operation.
 * Field reference: https://www.mongodb.com/docs/manual/core/replica-set-oplog/ and
 * https://github.com/mongodb/mongo/blob/master/src/mongo/db/repl/oplog_entry.idl
 */
record OplogEntry(BsonDocument doc, BsonTimestamp ts, String ns) {

  static OplogEntry of(BsonDocument doc, BsonTimestamp outerTs) {
    BsonValue nsValue = doc.get("ns");
    String ns = nsValue != null && nsValue.isString() ? nsValue.asString().getValue() : null;
    return new OplogEntry(doc, outerTs, ns);
  }

  String op() {
    return string(doc, "op");
  }

  Namespace namespace() {
    if (ns == null) {
      throw malformed("missing or non-string field 'ns'");
    }
    try {
      return Namespace.parse(ns);
    } catch (IllegalArgumentException e) {
      throw malformed(e.getMessage());
    }
  }

  /** The database of a command entry ({@code <db>.$cmd}). */
  String commandDb() {
    Namespace n = namespace();
    if (!n.collection().equals("$cmd")) {
      throw malformed("command entry namespace must be <db>.$cmd");
    }
    return n.db();
  }

  BsonDocument o() {
    return document(doc, "o");
  }

  /** The collection UUID {@code ui}, if present. */
  Optional<UUID> ui() {
    BsonValue ui = doc.get("ui");
    if (ui == null) {
      return Optional.empty();
    }
    if (!ui.isBinary() || ui.asBinary().getType() != BsonBinarySubType.UUID_STANDARD.getValue()) {
      throw malformed("field 'ui' must be a UUID");
    }
    return Optional.of(ui.asBinary().asUuid(UuidRepresentation.STANDARD));
  }

  BsonValue id(BsonDocument holder, String holderName) {
    BsonValue id = holder.get("_id");
    if (id == null) {
      throw malformed("'" + holderName + "' has no _id");
    }
    return id;
  }

  String string(BsonDocument d, String field) {
    BsonValue v = d.get(field);
    if (v == null || !v.isString()) {
      throw malformed("missing or non-string field '" + field + "'");
    }
    return v.asString().getValue();
  }

  BsonDocument document(BsonDocument d, String field) {
    BsonValue v = d.get(field);
    if (v == null || !v.isDocument()) {
      throw malformed("missing or non-document field '" + field + "'");
    }
    return v.asDocument();
  }

  /** {@code prevOpTime.ts}, or null when absent or the chain start {@code Timestamp(0, 0)}. */
  BsonTimestamp prevOpTimeTs() {
    BsonValue prev = doc.get("prevOpTime");
    if (prev == null) {
      return null;
    }
    if (!prev.isDocument() || !prev.asDocument().isTimestamp("ts")) {
      throw malformed("field 'prevOpTime' must be {ts: Timestamp, t: long}");
    }
    BsonTimestamp ts = prev.asDocument().getTimestamp("ts");
    return ts.getValue() == 0 ? null : ts;
  }

  static UUID uuidOrNull(BsonValue v) {
    return v instanceof BsonBinary b && b.getType() == BsonBinarySubType.UUID_STANDARD.getValue()
        ? b.asUuid(UuidRepresentation.STANDARD) : null;
  }

  MalformedOplogEntryException malformed(String message) {
    return new MalformedOplogEntryException(ts, ns, message);
  }
}
