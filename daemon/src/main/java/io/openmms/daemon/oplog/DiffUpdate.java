package io.openmms.daemon.oplog;

import java.util.Map;
import java.util.TreeMap;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * Applies a {@code $v: 2} update diff (MongoDB 5.0+, {@code o: {$v: 2, diff: {...}}}) to a
 * document, in place, with the semantics of MongoDB's document_diff_applier.cpp:
 * https://github.com/mongodb/mongo/blob/master/src/mongo/db/update/document_diff_applier.cpp
 * and the format of document_diff_serialization.h in the same directory.
 *
 * <p>Document diff: {@code d: {f: false}} deletes, {@code u: {f: v}} updates in place (appends
 * when absent), {@code i: {f: v}} inserts at the end (moving an existing field), {@code s<f>:
 * {diff}} recurses into a sub-document or array. Array diff: {@code a: true}, optional {@code l:
 * newLength}, {@code u<idx>: v} sets an element, {@code s<idx>: {diff}} recurses.
 *
 * <p>Re-application (idempotent replay onto a newer document) follows MongoDB: a sub-diff whose
 * target has another type becomes null, one whose field is missing is skipped, an array shorter
 * than the diff expects is padded with nulls — a later entry rewrites those values.
 *
 * <p>The document may hold sub-documents as {@link org.bson.RawBsonDocument}s (see
 * {@link ShallowBson}): one is decoded, one level at a time, only when a sub-diff enters it.
 */
final class DiffUpdate {
  private DiffUpdate() {}

  static void applyToDocument(BsonDocument doc, BsonDocument diff) {
    BsonDocument deletes = null;
    BsonDocument updates = null;
    BsonDocument inserts = null;
    Map<String, BsonDocument> subDiffs = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, BsonValue> e : diff.entrySet()) {
      String k = e.getKey();
      switch (k) {
        case "d" -> deletes = section(e);
        case "u" -> updates = section(e);
        case "i" -> inserts = section(e);
        default -> {
          if (k.length() < 2 || k.charAt(0) != 's') {
            throw new IllegalArgumentException("unknown field '" + k + "' in $v:2 document diff");
          }
          subDiffs.put(k.substring(1), section(e));
        }
      }
    }
    if (deletes != null) {
      deletes.keySet().forEach(doc::remove);
    }
    if (updates != null) {
      updates.forEach(doc::put);
    }
    if (inserts != null) {
      inserts.forEach((f, v) -> {
        doc.remove(f);
        doc.put(f, v);
      });
    }
    subDiffs.forEach((field, sub) -> {
      BsonValue current = doc.get(field);
      if (current != null) {
        doc.put(field, applySubDiff(current, sub));
      }
    });
  }

  private static BsonValue applySubDiff(BsonValue current, BsonDocument sub) {
    if (isArrayDiff(sub)) {
      return current.isArray() ? applyToArray(current.asArray(), sub) : BsonNull.VALUE;
    }
    if (current.isDocument()) {
      BsonDocument doc = ShallowBson.of(current.asDocument()); // a raw one becomes mutable
      applyToDocument(doc, sub);
      return doc;
    }
    return BsonNull.VALUE;
  }

  private static boolean isArrayDiff(BsonDocument sub) {
    BsonValue a = sub.get("a");
    if (a == null) {
      return false;
    }
    if (!a.equals(BsonBoolean.TRUE)) {
      throw new IllegalArgumentException("array diff header 'a' must be true, got " + a);
    }
    return true;
  }

  private static BsonArray applyToArray(BsonArray pre, BsonDocument diff) {
    Integer resize = null;
    TreeMap<Integer, BsonValue> mods = new TreeMap<>(); // update value, or a sub-diff wrapper
    TreeMap<Integer, BsonDocument> subs = new TreeMap<>();
    for (Map.Entry<String, BsonValue> e : diff.entrySet()) {
      String k = e.getKey();
      if (k.equals("a")) {
        continue;
      }
      if (k.equals("l")) {
        if (!e.getValue().isNumber()) {
          throw new IllegalArgumentException("array diff 'l' must be a number, got " + e.getValue());
        }
        resize = e.getValue().asNumber().intValue();
      } else if (k.length() >= 2 && (k.charAt(0) == 'u' || k.charAt(0) == 's')) {
        int idx = index(k);
        if (k.charAt(0) == 'u') {
          mods.put(idx, e.getValue());
        } else {
          subs.put(idx, section(e));
          mods.put(idx, null);
        }
      } else {
        throw new IllegalArgumentException("unknown field '" + k + "' in $v:2 array diff");
      }
    }
    BsonArray out = new BsonArray();
    int idx = 0;
    for (; idx < pre.size() && (resize == null || idx < resize); idx++) {
      out.add(mods.containsKey(idx) ? newValue(pre.get(idx), mods.get(idx), subs.get(idx)) : pre.get(idx));
    }
    for (; (resize != null && idx < resize) || mods.ceilingKey(idx) != null; idx++) {
      out.add(mods.containsKey(idx) ? newValue(null, mods.get(idx), subs.get(idx)) : BsonNull.VALUE);
    }
    return out;
  }

  private static BsonValue newValue(BsonValue pre, BsonValue update, BsonDocument sub) {
    if (sub == null) {
      return update;
    }
    return pre == null ? BsonNull.VALUE : applySubDiff(pre, sub);
  }

  private static int index(String key) {
    try {
      int idx = Integer.parseInt(key.substring(1));
      if (idx >= 0) {
        return idx;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("invalid array index in $v:2 array diff field '" + key + "'");
  }

  private static BsonDocument section(Map.Entry<String, BsonValue> e) {
    if (!e.getValue().isDocument()) {
      throw new IllegalArgumentException("$v:2 diff field '" + e.getKey() + "' must be a document, got "
          + e.getValue().getBsonType());
    }
    return e.getValue().asDocument();
  }
}
