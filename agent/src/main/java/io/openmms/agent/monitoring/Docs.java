package io.openmms.agent.monitoring;

import java.util.Date;
import java.util.List;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.types.Decimal128;

/**
 * Reads values out of command replies. MongoDB reports the same field as Int32, Int64 or Double
 * depending on version and magnitude (and Decimal128 in a few places), so every numeric read goes
 * through {@link #number}. Paths are given as separate keys because WiredTiger's statistics have
 * dots-free but space-laden names ("bytes currently in the cache").
 */
final class Docs {
  private Docs() {}

  /** The value at the path, or {@code null} when a step is missing or not a document. */
  static Object get(Document doc, String... path) {
    Object cur = doc;
    for (String key : path) {
      if (!(cur instanceof Document d)) {
        return null;
      }
      cur = d.get(key);
    }
    return cur;
  }

  static Document doc(Document doc, String... path) {
    return get(doc, path) instanceof Document d ? d : null;
  }

  /** The number at the path as a double, or {@code null} when absent or not numeric. */
  static Double number(Document doc, String... path) {
    Object v = get(doc, path);
    if (v instanceof Decimal128 d) {
      return d.isNaN() ? null : d.bigDecimalValue().doubleValue();
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    return null;
  }

  /** The number at the path rounded to a long, or {@code null}. */
  static Long whole(Document doc, String... path) {
    Object v = get(doc, path);
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    Double d = number(doc, path);
    return d == null || d.isNaN() || d.isInfinite() ? null : Math.round(d);
  }

  static String string(Document doc, String... path) {
    return get(doc, path) instanceof String s ? s : null;
  }

  /** True for a boolean {@code true} or a non-zero number (old servers send {@code ismaster: 1}). */
  static boolean flag(Document doc, String key) {
    Object v = doc.get(key);
    return v instanceof Boolean b ? b : v instanceof Number n && n.doubleValue() != 0;
  }

  @SuppressWarnings("unchecked")
  static List<String> strings(Document doc, String key) {
    Object v = doc.get(key);
    if (!(v instanceof List<?> list)) {
      return List.of();
    }
    return list.stream().filter(String.class::isInstance).map(String.class::cast).toList();
  }

  @SuppressWarnings("unchecked")
  static List<Document> docs(Document doc, String key) {
    Object v = doc.get(key);
    if (!(v instanceof List<?> list)) {
      return List.of();
    }
    return list.stream().filter(Document.class::isInstance).map(Document.class::cast).toList();
  }

  /** A date field as epoch millis, or {@code null}. */
  static Long millis(Document doc, String... path) {
    Object v = get(doc, path);
    if (v instanceof Date d) {
      return d.getTime();
    }
    if (v instanceof BsonTimestamp ts) {
      return ts.getTime() * 1000L;
    }
    return null;
  }
}
