package io.openmms.daemon.head;

import java.util.Objects;

/**
 * A collection's full name, {@code <db>.<collection>}. The database part never contains a dot;
 * the collection part may ({@code db.system.buckets.x}).
 */
public record Namespace(String db, String collection) {
  public Namespace {
    Objects.requireNonNull(db, "db");
    Objects.requireNonNull(collection, "collection");
    if (db.isEmpty() || db.indexOf('.') >= 0) {
      throw new IllegalArgumentException("invalid database name '" + db + "'");
    }
    if (collection.isEmpty()) {
      throw new IllegalArgumentException("empty collection name in database '" + db + "'");
    }
  }

  /** Parses {@code "db.coll"}; the first dot separates the database from the collection. */
  public static Namespace parse(String ns) {
    int dot = ns.indexOf('.');
    if (dot <= 0 || dot == ns.length() - 1) {
      throw new IllegalArgumentException("namespace '" + ns + "' is not of the form <db>.<collection>");
    }
    return new Namespace(ns.substring(0, dot), ns.substring(dot + 1));
  }

  @Override
  public String toString() {
    return db + "." + collection;
  }
}
