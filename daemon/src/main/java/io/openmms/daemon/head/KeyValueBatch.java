package io.openmms.daemon.head;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * The {@link HeadBatch} of a {@link KeyValueHead}. Writes go straight into the store batch (in
 * order, so a range deletion followed by puts behaves as written) and into an overlay map that
 * reads consult before the store. Catalog changes and per-collection count deltas are kept aside
 * and written, with the meta record, at commit. Store values the batch reads are cached; a
 * {@link #prefetch} reads them ahead on another thread ({@link Prefetch}).
 *
 * <p>A commit that moves the position in steady state logs the document keys in the overlay,
 * one record per collection under its timestamp; any other commit gives their collections a new
 * change-log lineage (docs/head-format.md, "Change log").
 */
final class KeyValueBatch implements HeadBatch {
  private static final byte[] TOMBSTONE = new byte[0];

  private final KeyValueHead head;
  private final KeyValueStore store;
  private final CatalogView base;
  private final KeyValueStore.Batch changes;
  private final Map<Key, byte[]> overlay = new HashMap<>();
  private final Map<Key, byte[]> readCache = new HashMap<>(); // store values read by this batch
  private final Map<Key, Integer> inFlight = new HashMap<>(); // key -> chunk of prefetch
  private Prefetch prefetch;
  private int prefetched; // chunks of prefetch moved into readCache
  private final Map<String, CatalogCodec.Entry> catalogChanges = new HashMap<>(); // null: dropped
  private final Set<String> touched = new HashSet<>();
  private final Map<Long, long[]> countDeltas = new HashMap<>(); // id -> {count, bytes}
  private long nextCollectionId;
  private HeadState state;
  private boolean cleared;
  private boolean closed;

  KeyValueBatch(KeyValueHead head, KeyValueStore store, CatalogView base) {
    this.head = head;
    this.store = store;
    this.base = base;
    this.changes = store.newBatch();
    this.nextCollectionId = base.meta.nextCollectionId();
    this.state = base.meta.state();
  }

  // ---- documents

  @Override
  public Optional<RawBsonDocument> get(Namespace ns, BsonValue id) {
    CatalogCodec.Entry e = entry(ns.toString());
    if (e == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(read(Keys.doc(e.id(), IdKey.encode(id)))).map(RawBsonDocument::new);
  }

  @Override
  public void prefetch(List<Namespace> namespaces, List<BsonValue> ids) {
    if (cleared) {
      return;
    }
    stopPrefetch();
    List<byte[]> keys = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      CatalogCodec.Entry e = entry(namespaces.get(i).toString());
      if (e == null) {
        continue;
      }
      Key k = new Key(Keys.doc(e.id(), IdKey.encode(ids.get(i))));
      if (!overlay.containsKey(k) && !readCache.containsKey(k) && !inFlight.containsKey(k)) {
        inFlight.put(k, keys.size() / Prefetch.CHUNK);
        keys.add(k.bytes());
      }
    }
    if (!keys.isEmpty()) {
      prefetch = new Prefetch(store, keys);
      prefetched = 0;
    }
  }

  /** Moves the prefetched values of chunks up to {@code chunk} into the read cache. */
  private void takePrefetched(int chunk) {
    for (; prefetched <= chunk; prefetched++) {
      List<byte[]> keys = prefetch.keys(prefetched);
      List<byte[]> values = prefetch.values(prefetched);
      for (int i = 0; i < keys.size(); i++) {
        Key k = new Key(keys.get(i));
        inFlight.remove(k);
        readCache.put(k, values.get(i) == null ? TOMBSTONE : values.get(i));
      }
    }
  }

  private void stopPrefetch() {
    if (prefetch != null) {
      prefetch.close();
      prefetch = null;
      inFlight.clear();
    }
  }

  @Override
  public void put(Namespace ns, RawBsonDocument document) {
    BsonValue id = document.get("_id");
    if (id == null) {
      throw new IllegalArgumentException("document for " + ns + " has no _id");
    }
    CatalogCodec.Entry e = entryOrCreate(ns);
    byte[] key = Keys.doc(e.id(), IdKey.encode(id));
    byte[] value = CatalogCodec.bytes(document);
    byte[] old = read(key);
    write(key, value);
    long[] d = countDeltas.computeIfAbsent(e.id(), k -> new long[2]);
    d[0] += old == null ? 1 : 0;
    d[1] += value.length - (old == null ? 0 : old.length);
    touched.add(ns.toString());
  }

  @Override
  public boolean delete(Namespace ns, BsonValue id) {
    CatalogCodec.Entry e = entry(ns.toString());
    if (e == null) {
      return false;
    }
    byte[] key = Keys.doc(e.id(), IdKey.encode(id));
    byte[] old = read(key);
    if (old == null) {
      return false;
    }
    overlay.put(new Key(key), TOMBSTONE);
    changes.delete(key);
    long[] d = countDeltas.computeIfAbsent(e.id(), k -> new long[2]);
    d[0]--;
    d[1] -= old.length;
    touched.add(ns.toString());
    return true;
  }

  private byte[] read(byte[] key) {
    Key k = new Key(key);
    byte[] v = overlay.get(k);
    if (v != null) {
      return v == TOMBSTONE ? null : v;
    }
    if (cleared) {
      return null;
    }
    // the batch is the only writer, so a store value stays valid until commit; an update reads
    // its document twice (get, then put's size accounting)
    v = readCache.get(k);
    Integer chunk = v == null ? inFlight.get(k) : null;
    if (chunk != null) {
      takePrefetched(chunk);
      v = readCache.get(k);
    }
    if (v == null) {
      v = store.get(key);
      readCache.put(k, v == null ? TOMBSTONE : v);
    }
    return v == TOMBSTONE ? null : v;
  }

  private void write(byte[] key, byte[] value) {
    overlay.put(new Key(key), value);
    changes.put(key, value);
  }

  // ---- catalog

  @Override
  public boolean exists(Namespace ns) {
    return entry(ns.toString()) != null;
  }

  @Override
  public Optional<CollectionInfo> collection(Namespace ns) {
    return Optional.ofNullable(entry(ns.toString())).map(e -> withDeltas(e).info());
  }

  @Override
  public void createCollection(Namespace ns, BsonDocument options, UUID uuid,
      BsonDocument idIndex) {
    CatalogCodec.Entry e = entry(ns.toString());
    if (e != null) {
      CollectionInfo info = e.info().withOptions(options);
      if (uuid != null) {
        info = info.withUuid(Optional.of(uuid));
      }
      change(ns, e.withInfo(info));
      return;
    }
    List<BsonDocument> indexes = new ArrayList<>();
    if (idIndex != null) {
      indexes.add(idIndex);
    } else if (!options.containsKey("clusteredIndex") && !options.containsKey("viewOn")) {
      indexes.add(new BsonDocument("v", new BsonInt32(2))
          .append("key", new BsonDocument("_id", new BsonInt32(1)))
          .append("name", new BsonString("_id_")));
    }
    change(ns, new CatalogCodec.Entry(nextCollectionId++,
        new CollectionInfo(ns, Optional.ofNullable(uuid), options, indexes, 0, 0)));
  }

  @Override
  public void dropCollection(Namespace ns) {
    CatalogCodec.Entry e = entry(ns.toString());
    if (e == null) {
      return;
    }
    changes.deleteRange(Keys.docPrefix(e.id()), Keys.docPrefix(e.id() + 1));
    changes.deleteRange(Keys.changePrefix(e.id()), Keys.changePrefix(e.id() + 1));
    countDeltas.remove(e.id());
    catalogChanges.put(ns.toString(), null);
  }

  @Override
  public void dropDatabase(String db) {
    String prefix = db + ".";
    Set<String> names = new TreeSet<>(base.catalog.keySet());
    names.addAll(catalogChanges.keySet());
    for (String ns : names) {
      if (ns.startsWith(prefix)) {
        dropCollection(Namespace.parse(ns));
      }
    }
  }

  @Override
  public void renameCollection(Namespace from, Namespace to, boolean dropTarget) {
    CatalogCodec.Entry e = entry(from.toString());
    if (e == null || from.equals(to)) {
      return; // already renamed (idempotent replay)
    }
    dropCollection(to); // the oplog logs dropTarget; a present target is stale on replay
    catalogChanges.put(from.toString(), null);
    // the same documents, but the name now denotes other content than its earlier log covers
    change(to, e.withInfo(e.info().withNs(to)).withNewLineage());
  }

  @Override
  public void createIndex(Namespace ns, BsonDocument spec) {
    String name = spec.getString("name").getValue();
    CatalogCodec.Entry e = entryOrCreate(ns);
    List<BsonDocument> indexes = new ArrayList<>(e.info().indexes());
    indexes.removeIf(i -> i.getString("name").getValue().equals(name));
    indexes.add(spec);
    change(ns, e.withInfo(e.info().withIndexes(indexes)));
  }

  @Override
  public boolean dropIndex(Namespace ns, String name) {
    CatalogCodec.Entry e = entry(ns.toString());
    if (e == null || name.equals("_id_")) {
      return false;
    }
    List<BsonDocument> indexes = new ArrayList<>(e.info().indexes());
    boolean removed = indexes.removeIf(i -> i.getString("name").getValue().equals(name));
    if (removed) {
      change(ns, e.withInfo(e.info().withIndexes(indexes)));
    }
    return removed;
  }

  @Override
  public void setOptionsAndIndexes(Namespace ns, BsonDocument options, List<BsonDocument> indexes) {
    CatalogCodec.Entry e = entry(ns.toString());
    if (e == null) {
      throw new IllegalStateException("collection " + ns + " does not exist");
    }
    change(ns, e.withInfo(e.info().withOptions(options).withIndexes(indexes)));
  }

  private CatalogCodec.Entry entry(String ns) {
    if (catalogChanges.containsKey(ns)) {
      return catalogChanges.get(ns);
    }
    return cleared ? null : base.catalog.get(ns);
  }

  private CatalogCodec.Entry entryOrCreate(Namespace ns) {
    CatalogCodec.Entry e = entry(ns.toString());
    if (e == null) {
      createCollection(ns, new BsonDocument(), null, null); // implicit creation, as MongoDB does
      e = entry(ns.toString());
    }
    return e;
  }

  private void change(Namespace ns, CatalogCodec.Entry e) {
    catalogChanges.put(ns.toString(), e);
  }

  private CatalogCodec.Entry withDeltas(CatalogCodec.Entry e) {
    long[] d = countDeltas.get(e.id());
    if (d == null) {
      return e;
    }
    CollectionInfo i = e.info();
    // any document write, even one that leaves the counts as they were, gets a new content tag
    return e.withDocuments(i.withCounts(i.count() + d[0], i.dataSize() + d[1]));
  }

  // ---- pending transaction entries

  @Override
  public void putPending(BsonTimestamp ts, BsonDocument entry) {
    write(Keys.pending(ts), CatalogCodec.bytes(entry));
  }

  @Override
  public Optional<BsonDocument> pending(BsonTimestamp ts) {
    return Optional.ofNullable(read(Keys.pending(ts))).map(RawBsonDocument::new);
  }

  @Override
  public void removePending(BsonTimestamp ts) {
    byte[] key = Keys.pending(ts);
    overlay.put(new Key(key), TOMBSTONE);
    changes.delete(key);
  }

  /** Deletes all content (initial sync restart); collection ids keep counting up. */
  void clearEverything() {
    changes.deleteRange(Keys.CATALOG_START, Keys.CATALOG_END);
    changes.deleteRange(Keys.PENDING_START, Keys.PENDING_END);
    changes.deleteRange(Keys.CHANGES_START, Keys.CHANGES_END);
    changes.deleteRange(Keys.DOCS_START, Keys.DOCS_END);
    stopPrefetch();
    overlay.clear();
    readCache.clear();
    catalogChanges.clear();
    countDeltas.clear();
    touched.clear();
    cleared = true;
  }

  /**
   * Prepares {@link Head#pruneChanges}: when {@code ns}'s change log has lineage {@code lineage}
   * and its {@code since} is before {@code upTo}, deletes its records at or before {@code upTo}
   * and raises {@code since} to {@code upTo}, writing no document (so neither the content tag nor
   * the lineage changes). Returns whether there is anything to commit.
   */
  boolean pruneChanges(Namespace ns, String lineage, BsonTimestamp upTo) {
    CatalogCodec.Entry e = entry(ns.toString());
    if (!base.keepsChangeLog || e == null || !e.lineage().equals(lineage)
        || Long.compareUnsigned(e.since().getValue(), upTo.getValue()) >= 0) {
      return false;
    }
    byte[] last = Keys.changeRecord(e.id(), upTo);
    changes.deleteRange(Keys.changePrefix(e.id()), last);
    changes.delete(last);
    change(ns, e.withSince(upTo));
    return true;
  }

  // ---- commit

  @Override
  public void state(HeadState newState) {
    this.state = newState;
  }

  @Override
  public void commit(OplogPosition position) {
    finish(Optional.of(position), true, true);
  }

  @Override
  public void commitKeepingPosition(boolean sync) {
    finish(cleared ? Optional.empty() : base.meta.position(), sync, false);
  }

  /**
   * Whether this commit logs its document writes: it moves the position forward ({@code moves}:
   * {@link #commit}), in steady state, on a head that keeps change logs. Otherwise the writes
   * are not logged and their collections get a new lineage.
   */
  private boolean logsWrites(Optional<OplogPosition> position, boolean moves) {
    Optional<OplogPosition> before = base.meta.position();
    return base.keepsChangeLog && moves && !cleared
        && base.meta.state() == HeadState.STEADY && state == HeadState.STEADY
        && before.isPresent() && position.isPresent()
        && Long.compareUnsigned(position.get().ts().getValue(), before.get().ts().getValue()) > 0;
  }

  private void finish(Optional<OplogPosition> position, boolean sync, boolean moves) {
    if (closed) {
      throw new IllegalStateException("batch already closed");
    }
    stopPrefetch();
    boolean logged = logsWrites(position, moves);
    // the collections whose documents were put or deleted (a drop removes its collection's)
    Set<Long> writtenIds = countDeltas.keySet();
    Set<Long> liveWrittenIds = new HashSet<>();
    TreeMap<String, CatalogCodec.Entry> catalog =
        cleared ? new TreeMap<>() : new TreeMap<>(base.catalog);
    // every collection whose documents were written is here: touched under the name it had then,
    // or in catalogChanges under the name a rename gave it since
    Set<String> written = new HashSet<>(catalogChanges.keySet());
    written.addAll(touched);
    for (String ns : written) {
      CatalogCodec.Entry e = entry(ns);
      if (e == null) {
        catalog.remove(ns);
        changes.delete(Keys.catalog(ns));
      } else {
        e = withDeltas(e);
        if (writtenIds.contains(e.id())) {
          liveWrittenIds.add(e.id());
          if (!logged) {
            e = e.withNewLineage(); // the log no longer covers every write
          }
        }
        catalog.put(ns, e);
        changes.put(Keys.catalog(ns), CatalogCodec.encodeEntry(e));
      }
    }
    if (logged && !liveWrittenIds.isEmpty()) {
      // the overlay holds every document key put or deleted; only collections still in the
      // catalog are logged (a dropped one's records stay deleted), one record per collection
      Map<Long, java.io.ByteArrayOutputStream> records = new HashMap<>();
      for (Key k : overlay.keySet()) {
        byte[] key = k.bytes();
        if (key[0] != Keys.DOCS) {
          continue;
        }
        long id = Keys.collectionId(key);
        if (liveWrittenIds.contains(id)) {
          Keys.appendChange(records.computeIfAbsent(id, x -> new java.io.ByteArrayOutputStream()),
              key);
        }
      }
      BsonTimestamp ts = position.orElseThrow().ts();
      records.forEach((id, record) -> changes.put(Keys.changeRecord(id, ts), record.toByteArray()));
    }
    CatalogCodec.Meta meta = new CatalogCodec.Meta(state, position, nextCollectionId);
    changes.put(Keys.META_KEY, CatalogCodec.encodeMeta(meta));
    head.commitAndPublish(changes, sync,
        new CatalogView(catalog, meta, store, base.keepsChangeLog));
    close();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      stopPrefetch();
      changes.close();
      head.batchClosed();
    }
  }

  /** A byte[] with value equality, for the overlay map. */
  private record Key(byte[] bytes, int hash) {
    Key(byte[] bytes) {
      this(bytes, Arrays.hashCode(bytes));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
