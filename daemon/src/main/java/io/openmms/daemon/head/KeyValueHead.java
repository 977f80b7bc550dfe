package io.openmms.daemon.head;

import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * A {@link Head} on any ordered {@link KeyValueStore}, in the layout of docs/head-format.md.
 *
 * <p>The catalog (namespace → internal collection id, options, indexes, counts) is cached in
 * memory as an immutable map, replaced on each commit. Documents live under their collection's
 * internal id, never under its name, so a rename is a catalog change and a drop is one range
 * deletion; ids are never reused, so a dropped collection's keys can never be read again.
 *
 * <p>Each collection has a change log ({@link #changeLog}): per logged commit that wrote its
 * documents, one record of their {@code _id} keys under the commit's timestamp, written in the
 * same commit (docs/head-format.md, "Change log").
 *
 * <p>Writers are serialized by a one-permit semaphore held from {@link #newBatch()} until the
 * batch closes. {@link #snapshot()} and the commit's publish step share a monitor so a snapshot
 * always pairs a store snapshot with the catalog of the same commit.
 */
public class KeyValueHead implements Head {
  /** How long {@link #close()} waits for open snapshot views. */
  static final java.time.Duration VIEW_WAIT = java.time.Duration.ofSeconds(60);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(
      KeyValueHead.class);
  private final KeyValueStore store;
  private final Semaphore writer = new Semaphore(1);
  private final Object publish = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private int openViews; // guarded by publish
  private volatile CatalogView committed;

  /** A head on {@code store} that keeps change logs. */
  protected KeyValueHead(KeyValueStore store) {
    this(store, true);
  }

  /**
   * A head on {@code store}; with {@code keepChangeLog} false it writes no change-log entries and
   * answers no {@link #changeLog} (a throwaway head, which no snapshot reads), and every document
   * write draws a new lineage, as a write outside oplog application does.
   */
  protected KeyValueHead(KeyValueStore store, boolean keepChangeLog) {
    this.store = store;
    try {
      this.committed = load(store, keepChangeLog);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static CatalogView load(KeyValueStore store, boolean keepChangeLog) {
    byte[] meta = store.get(Keys.META_KEY);
    CatalogCodec.Meta m = meta == null
        ? new CatalogCodec.Meta(HeadState.EMPTY, Optional.empty(), 1)
        : CatalogCodec.decodeMeta(meta);
    TreeMap<String, CatalogCodec.Entry> catalog = new TreeMap<>();
    try (KeyValueReader.Cursor c = store.scan(Keys.CATALOG_START, Keys.CATALOG_END)) {
      while (c.next()) {
        String ns = Keys.catalogNs(c.key());
        catalog.put(ns, CatalogCodec.decodeEntry(ns, c.value()));
      }
    }
    return new CatalogView(catalog, m, store, keepChangeLog);
  }

  // ---- reads: the latest commit

  @Override
  public Optional<OplogPosition> position() {
    return committed.position();
  }

  @Override
  public HeadState state() {
    return committed.state();
  }

  @Override
  public List<Namespace> namespaces() {
    return committed.namespaces();
  }

  @Override
  public Optional<CollectionInfo> collection(Namespace ns) {
    return committed.collection(ns);
  }

  @Override
  public Optional<RawBsonDocument> get(Namespace ns, BsonValue id) {
    return committed.get(ns, id);
  }

  @Override
  public DocumentCursor scan(Namespace ns) {
    return committed.scan(ns);
  }

  @Override
  public Optional<String> contentTag(Namespace ns) {
    return committed.contentTag(ns);
  }

  @Override
  public Optional<ChangeLog> changeLog(Namespace ns) {
    return committed.changeLog(ns);
  }

  @Override
  public HeadSnapshot snapshot() {
    synchronized (publish) {
      if (closed.get()) {
        throw new IllegalStateException("the head is closed");
      }
      CatalogView c = committed;
      KeyValueStore.Snapshot snap = store.snapshot();
      class View extends CatalogView implements HeadSnapshot {
        private boolean viewClosed;

        View() {
          super(c.catalog, c.meta, snap, c.keepsChangeLog);
        }

        @Override
        public void close() {
          synchronized (publish) {
            if (!viewClosed) {
              viewClosed = true;
              snap.close();
              openViews--;
              publish.notifyAll();
            }
          }
        }
      }
      openViews++;
      return new View();
    }
  }

  @Override
  public long sizeOnDisk() {
    return store.sizeOnDisk();
  }

  // ---- writes

  @Override
  public HeadBatch newBatch() {
    writer.acquireUninterruptibly();
    return openBatch();
  }

  /** A batch for a writer that holds the permit; the permit is released if that fails. */
  private KeyValueBatch openBatch() {
    try {
      return new KeyValueBatch(this, store, committed);
    } catch (RuntimeException e) {
      writer.release();
      throw e;
    }
  }

  /** Commits a batch's store changes and makes {@code next} the visible state, as one step. */
  void commitAndPublish(KeyValueStore.Batch changes, boolean sync, CatalogView next) {
    synchronized (publish) {
      changes.commit(sync);
      committed = next;
    }
  }

  /** Called once by a batch when it closes (committed or not). */
  void batchClosed() {
    writer.release();
  }

  @Override
  public void setState(HeadState state) {
    try (HeadBatch b = newBatch()) {
      b.state(state);
      b.commitKeepingPosition(true);
    }
  }

  @Override
  public void pruneChanges(Namespace ns, String lineage, BsonTimestamp upTo) {
    // a closed head keeps the writer's permit: give up rather than wait for it forever
    try {
      while (!writer.tryAcquire(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        if (closed.get()) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try (KeyValueBatch b = openBatch()) {
      if (b.pruneChanges(ns, lineage, upTo)) {
        b.commitKeepingPosition(false); // losing it in a crash only brings pruned entries back
      }
    }
  }

  @Override
  public void beginInitialSync() {
    try (KeyValueBatch b = (KeyValueBatch) newBatch()) {
      b.clearEverything();
      b.state(HeadState.INITIAL_SYNC);
      b.commitKeepingPosition(true);
    }
  }

  @Override
  public void createCollection(Namespace ns, BsonDocument options, UUID uuid,
      List<BsonDocument> indexes) {
    requireState(HeadState.INITIAL_SYNC, "createCollection");
    try (HeadBatch b = newBatch()) {
      BsonDocument idIndex = indexes.stream()
          .filter(i -> i.get("name") instanceof BsonString n && n.getValue().equals("_id_"))
          .findFirst().orElse(null);
      b.createCollection(ns, options, uuid, idIndex);
      for (BsonDocument spec : indexes) {
        if (spec != idIndex) {
          b.createIndex(ns, spec);
        }
      }
      b.commitKeepingPosition(false);
    }
  }

  @Override
  public void insertDocuments(Namespace ns, List<RawBsonDocument> documents) {
    requireState(HeadState.INITIAL_SYNC, "insertDocuments");
    try (HeadBatch b = newBatch()) {
      for (RawBsonDocument d : documents) {
        b.put(ns, d);
      }
      b.commitKeepingPosition(false);
    }
  }

  @Override
  public void finishInitialSync(BsonTimestamp startTs) {
    requireState(HeadState.INITIAL_SYNC, "finishInitialSync");
    try (HeadBatch b = newBatch()) {
      b.state(HeadState.STEADY);
      b.commit(OplogPosition.of(startTs));
    }
  }

  private void requireState(HeadState expected, String operation) {
    HeadState actual = committed.state();
    if (actual != expected) {
      throw new IllegalStateException(operation + " needs head state " + expected + " but it is "
          + actual + " (call beginInitialSync first)");
    }
  }

  /**
   * Waits for an open batch and for the open {@link #snapshot() views} to close, then closes the
   * store; later calls do nothing. Closing the store under a view would free what its readers
   * still use (in RocksDB, a crash of the process), so when a view stays open longer than
   * {@link #VIEW_WAIT} the store is left open and the leak is logged.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      writer.acquireUninterruptibly(); // never released: no batch can start after close
      if (awaitViewsClosed()) {
        store.close();
      }
    }
  }

  private boolean awaitViewsClosed() {
    long deadline = System.nanoTime() + VIEW_WAIT.toNanos();
    synchronized (publish) {
      while (openViews > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          LOG.error("{} snapshot view(s) of the head still open after {} s; its store is left"
              + " open rather than freed under them", openViews, VIEW_WAIT.toSeconds());
          return false;
        }
        try {
          java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(publish, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          LOG.error("Interrupted while waiting for the head's snapshot views; its store is left"
              + " open");
          return false;
        }
      }
      return true;
    }
  }

}
