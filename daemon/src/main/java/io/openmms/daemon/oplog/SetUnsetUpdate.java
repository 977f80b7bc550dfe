package io.openmms.daemon.oplog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonNull;
import org.bson.BsonValue;

/**
 * Applies the {@code $set}/{@code $unset} oplog update form (MongoDB 4.4 and earlier FCVs,
 * {@code o: {$v: 1, $set: {...}, $unset: {...}}} or without {@code $v}) to a document in place.
 * Paths are dotted; a numeric component indexes an array (padding with nulls, as
 * https://www.mongodb.com/docs/manual/reference/operator/update/set/ describes) and names a field
 * in a document. {@code $unset} of an array element sets it to null
 * (https://www.mongodb.com/docs/manual/reference/operator/update/unset/). As MongoDB's update
 * system does, paths are applied in field-name order so new fields land in that order.
 *
 * <p>A path through a scalar replaces the scalar with a document (replay leniency); a non-numeric
 * component on an array is an error.
 */
final class SetUnsetUpdate {
  private static final Comparator<String[]> PATH_ORDER = (a, b) -> {
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      int c = compareComponent(a[i], b[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.length, b.length);
  };

  private SetUnsetUpdate() {}

  static void apply(BsonDocument doc, BsonDocument set, BsonDocument unset) {
    if (set != null) {
      for (Map.Entry<String[], BsonValue> e : sorted(set)) {
        setPath(doc, e.getKey(), e.getValue());
      }
    }
    if (unset != null) {
      for (Map.Entry<String[], BsonValue> e : sorted(unset)) {
        unsetPath(doc, e.getKey());
      }
    }
  }

  private static List<Map.Entry<String[], BsonValue>> sorted(BsonDocument paths) {
    List<Map.Entry<String[], BsonValue>> out = new ArrayList<>();
    paths.forEach((p, v) -> {
      if (p.isEmpty() || p.startsWith(".") || p.endsWith(".") || p.contains("..")) {
        throw new IllegalArgumentException("invalid update path '" + p + "'");
      }
      out.add(Map.entry(p.split("\\.", -1), v));
    });
    out.sort(Map.Entry.comparingByKey(PATH_ORDER));
    return out;
  }

  private static void setPath(BsonDocument doc, String[] path, BsonValue value) {
    BsonValue container = doc;
    for (int i = 0; i < path.length - 1; i++) {
      BsonValue next = child(container, path[i]);
      if (next == null || !(next.isDocument() || next.isArray())) {
        next = new BsonDocument();
        setChild(container, path[i], next, path);
      }
      container = next;
    }
    setChild(container, path[path.length - 1], value, path);
  }

  private static void unsetPath(BsonDocument doc, String[] path) {
    BsonValue container = doc;
    for (int i = 0; i < path.length - 1; i++) {
      container = child(container, path[i]);
      if (container == null) {
        return;
      }
    }
    String last = path[path.length - 1];
    if (container.isDocument()) {
      container.asDocument().remove(last);
    } else if (container.isArray() && isIndex(last)) {
      BsonArray arr = container.asArray();
      int idx = Integer.parseInt(last);
      if (idx < arr.size()) {
        arr.set(idx, BsonNull.VALUE);
      }
    }
  }

  private static BsonValue child(BsonValue container, String name) {
    if (container.isDocument()) {
      return container.asDocument().get(name);
    }
    if (container.isArray() && isIndex(name)) {
      BsonArray arr = container.asArray();
      int idx = Integer.parseInt(name);
      return idx < arr.size() ? arr.get(idx) : null;
    }
    return null;
  }

  private static void setChild(BsonValue container, String name, BsonValue value, String[] path) {
    if (container.isDocument()) {
      container.asDocument().put(name, value);
      return;
    }
    BsonArray arr = container.asArray();
    if (!isIndex(name)) {
      throw new IllegalArgumentException("cannot set field '" + name + "' of an array (path '"
          + String.join(".", path) + "')");
    }
    int idx = Integer.parseInt(name);
    while (arr.size() < idx) {
      arr.add(BsonNull.VALUE);
    }
    if (idx == arr.size()) {
      arr.add(value);
    } else {
      arr.set(idx, value);
    }
  }

  private static boolean isIndex(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static int compareComponent(String a, String b) {
    if (isIndex(a) && isIndex(b)) {
      return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
    }
    return a.compareTo(b);
  }
}
