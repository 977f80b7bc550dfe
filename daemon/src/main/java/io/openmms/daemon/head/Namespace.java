package io.openmms.daemon.head;

import java.util.Objects;

/**
 * A collection's full name, {@code <db>.<collection>}. The database part never contains a dot;
 * the collection part may ({@code db.system.buckets.x}). Immutable; the full name is computed
 * once because it is the catalog's key on every applied entry.
 */
public final class Namespace implements Comparable<Namespace> {
  private final String db;
  private final String collection;
  private final String full;

  public Namespace(String db, String collection) {
    Objects.requireNonNull(db, "db");
    Objects.requireNonNull(collection, "collection");
    if (db.isEmpty() || db.indexOf('.') >= 0) {
      throw new IllegalArgumentException("invalid database name '" + db + "'");
    }
    if (collection.isEmpty()) {
      throw new IllegalArgumentException("empty collection name in database '" + db + "'");
    }
    this.db = db;
    this.collection = collection;
    this.full = db + "." + collection;
  }

  /** Parses {@code "db.coll"}; the first dot separates the database from the collection. */
  public static Namespace parse(String ns) {
    int dot = ns.indexOf('.');
    if (dot <= 0 || dot == ns.length() - 1) {
      throw new IllegalArgumentException("namespace '" + ns + "' is not of the form <db>.<collection>");
    }
    return new Namespace(ns.substring(0, dot), ns.substring(dot + 1));
  }

  public String db() {
    return db;
  }

  public String collection() {
    return collection;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Namespace n && n.full.equals(full);
  }

  @Override
  public int hashCode() {
    return full.hashCode();
  }

  @Override
  public int compareTo(Namespace o) {
    return full.compareTo(o.full);
  }

  @Override
  public String toString() {
    return full;
  }
}
