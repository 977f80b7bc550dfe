package io.openmms.daemon.restore;

import io.openmms.blockstore.BlockStore;
import io.openmms.common.util.FileTrees;
import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.DocumentCursor;
import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.HeadBatch;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.RocksHead;
import io.openmms.daemon.oplog.OplogApplier;
import io.openmms.daemon.restore.dump.DumpCollection;
import io.openmms.daemon.restore.dump.DumpDirectory;
import io.openmms.daemon.service.BatchSource;
import io.openmms.daemon.snapshot.SnapshotInput;
import io.openmms.daemon.snapshot.SnapshotStreamReader;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Writes what a restore job restores into a mongodump directory (docs/restores.md, "How a
 * restore runs") and returns, per namespace, the sums the delivered data must match.
 *
 * <p>A snapshot restore streams the snapshot's blocks (each verified by its hash) straight into
 * the directory and checks every collection's count and SHA-256 against the manifest as it goes.
 * A point-in-time restore loads the base snapshot (checked the same way) into a temporary head,
 * replays the stored oplog of the snapshot's sync up to the target — the last entry at or before
 * {@code targetTs} and, for a wall-clock target, whose {@code wall} time is at or before it —
 * through the same {@link OplogApplier} the live heads use, and writes the directory from that
 * head. A transaction is one oplog entry (or a chain committed by its last entry), so it is
 * restored whole or not at all.
 *
 * <p>A snapshot holds the head's collections but not the transaction parts the head had stashed
 * waiting for their commit (a chain of {@code partialTxn} entries, or a prepared transaction, cut
 * by the snapshot). So before the replay applies an entry that links back to a part at or before
 * the snapshot, those parts are read from the stored oplog and stashed in the temporary head, as
 * the live head had them.
 */
final class RestoreSource {
  private static final int INSERT_BATCH = 1000;
  private static final int INSERT_BYTES = 8 << 20;

  /** The directory's sums per namespace and the oplog time the restored data stands at. */
  record Result(Map<String, Expected> expected, BsonTimestamp restoredTs, long entriesReplayed) {}

  /** What a namespace must hold: its count and ordered SHA-256. */
  record Expected(long count, String sha256) {}

  private final BlockStore store;
  private final Snapshots.Snapshot snapshot;
  private final JobProgress progress;
  /**
   * The stored batches read for transaction parts before the snapshot, kept so a chain of parts
   * in one batch reads it once (the last few only: a batch is up to 16 MiB).
   */
  private final Map<Long, List<RawBsonDocument>> partsBatches = new LinkedHashMap<>(8, 0.75f,
      true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, List<RawBsonDocument>> eldest) {
      return size() > 4;
    }
  };

  RestoreSource(BlockStore store, Snapshots.Snapshot snapshot, JobProgress progress) {
    this.store = store;
    this.snapshot = snapshot;
    this.progress = progress;
  }

  /** A snapshot restore into {@code dir}. */
  Result snapshotTo(Path dir) throws IOException, RestoreException {
    try (DumpDirectory.Writer out = DumpDirectory.create(dir)) {
      Map<String, Expected> expected = walk(new Sink() {
        @Override
        public void begin(Namespace ns, SnapshotStreamReader.CollectionHeader h)
            throws IOException {
          out.begin(new DumpCollection(ns.db(), ns.collection(), h.uuid(), h.options(),
              h.indexes()));
        }

        @Override
        public void document(RawBsonDocument d) throws IOException {
          out.document(d);
        }

        @Override
        public void end() throws IOException {
          out.end();
        }
      });
      return new Result(expected, snapshot.ts(), 0);
    }
  }

  /** Where {@link #walk} puts each collection of the snapshot. */
  private interface Sink {
    void begin(Namespace ns, SnapshotStreamReader.CollectionHeader h) throws IOException;

    void document(RawBsonDocument d) throws IOException;

    void end() throws IOException;
  }

  /**
   * Reads the snapshot into {@code sink}, checking each collection's count, bytes and SHA-256 against
   * the manifest (see the class comment); returns the checked sums per namespace.
   */
  private Map<String, Expected> walk(Sink sink) throws IOException, RestoreException {
    progress.phase(RestoreJobs.Phase.READING_SNAPSHOT, snapshot.logicalSizeBytes());
    Map<String, Expected> expected = new LinkedHashMap<>();
    try (SnapshotStreamReader r = open()) {
      Iterator<Snapshots.Collection> manifest = snapshot.collections().iterator();
      Optional<SnapshotStreamReader.CollectionHeader> c;
      while ((c = r.nextCollection()).isPresent()) {
        SnapshotStreamReader.CollectionHeader h = c.get();
        sink.begin(Namespace.parse(h.ns()), h);
        DocumentSum sum = DocumentSum.inOrder();
        RawBsonDocument d;
        while ((d = r.nextDocument()) != null) {
          sink.document(d);
          sum.add(d);
          if ((sum.count() & 255) == 0) {
            progress.done(r.offset());
            progress.check();
          }
        }
        sink.end();
        expected.put(h.ns(), check(manifest, h.ns(), sum));
      }
      checkEnd(manifest);
    }
    return expected;
  }

  /**
   * A point-in-time restore into {@code dir}, with a temporary head in {@code headDir}, deleted
   * once the directory is written; the oplog comes from {@code batches} (the stored batches of
   * the snapshot's sync).
   */
  Result pointInTimeTo(Path dir, Path headDir, BatchSource batches,
      List<BackupData.OplogBatch> stored, BsonTimestamp targetTs, Long targetMillis)
      throws IOException, RestoreException {
    Result result;
    try (Head head = RocksHead.openScratch(headDir)) { // rebuilt by any new attempt
      load(head);
      long replayed = replay(head, batches, stored, targetTs, targetMillis);
      BsonTimestamp at = head.position().orElseThrow().ts();
      result = new Result(write(head, dir), at, replayed);
    }
    FileTrees.delete(headDir);
    return result;
  }

  /**
   * Makes {@code head} the snapshot's data with every stored oplog entry after it applied: loads
   * the snapshot (clearing the head), then replays all of {@code stored}. Returns the entries
   * applied.
   */
  long rebuild(Head head, BatchSource batches, List<BackupData.OplogBatch> stored)
      throws IOException, RestoreException {
    load(head);
    return stored.isEmpty() ? 0
        : replay(head, batches, stored, stored.get(stored.size() - 1).lastTs(), null);
  }

  /** Loads the snapshot into a new head, in batches as an initial sync does. */
  private void load(Head head) throws IOException, RestoreException {
    head.beginInitialSync();
    walk(new Sink() {
      private Namespace ns;
      private List<RawBsonDocument> batch = new ArrayList<>();
      private long batchBytes;

      @Override
      public void begin(Namespace ns, SnapshotStreamReader.CollectionHeader h) {
        this.ns = ns;
        head.createCollection(ns, h.options(), h.uuid().orElse(null), h.indexes());
      }

      @Override
      public void document(RawBsonDocument d) {
        batch.add(d);
        batchBytes += d.getByteBuffer().remaining();
        if (batch.size() >= INSERT_BATCH || batchBytes >= INSERT_BYTES) {
          end();
        }
      }

      @Override
      public void end() {
        if (!batch.isEmpty()) {
          head.insertDocuments(ns, batch);
          batch = new ArrayList<>();
          batchBytes = 0;
        }
      }
    });
    head.finishInitialSync(snapshot.ts());
  }

  private long replay(Head head, BatchSource batches, List<BackupData.OplogBatch> stored,
      BsonTimestamp targetTs, Long targetMillis) throws RestoreException {
    List<BackupData.OplogBatch> needed = stored.stream()
        .filter(b -> b.lastTs().compareTo(snapshot.ts()) > 0
            && b.firstTs().compareTo(targetTs) <= 0)
        .toList();
    progress.phase(RestoreJobs.Phase.REPLAYING_OPLOG, needed.size());
    OplogApplier applier = new OplogApplier(head);
    long replayed = 0;
    long done = 0;
    for (BackupData.OplogBatch b : needed) {
      progress.check();
      List<RawBsonDocument> entries;
      try {
        entries = batches.read(snapshot.backupId(), snapshot.syncId(), b.seq()).documents();
      } catch (RuntimeException e) {
        throw new RestoreException("The stored oplog needed for this point in time cannot be"
            + " read: " + e.getMessage());
      }
      List<RawBsonDocument> upTo = new ArrayList<>(entries.size());
      boolean reached = false;
      for (RawBsonDocument e : entries) {
        if (after(e, targetTs, targetMillis)) {
          reached = true;
          break;
        }
        upTo.add(e);
      }
      stashPartsBeforeSnapshot(head, upTo, batches, stored);
      if (!upTo.isEmpty()) {
        replayed += applier.apply(upTo).applied();
      }
      progress.done(++done);
      if (reached) {
        break;
      }
    }
    return replayed;
  }

  /**
   * Stashes in {@code head} the parts at or before the snapshot of the transactions that
   * entries after it continue or commit (see the class comment).
   */
  private void stashPartsBeforeSnapshot(Head head, List<RawBsonDocument> entries,
      BatchSource batches, List<BackupData.OplogBatch> stored) throws RestoreException {
    for (RawBsonDocument e : entries) {
      BsonTimestamp prev = OplogApplier.previousTransactionPart(e);
      if (prev == null || prev.compareTo(snapshot.ts()) > 0
          || e.getTimestamp("ts").compareTo(snapshot.ts()) <= 0) {
        continue;
      }
      try (HeadBatch batch = head.newBatch()) {
        BsonTimestamp ts = prev;
        while (ts != null) {
          RawBsonDocument part = storedEntry(batches, stored, ts, e.getTimestamp("ts"));
          batch.putPending(ts, part);
          BsonTimestamp earlier = OplogApplier.previousTransactionPart(part);
          ts = earlier != null && earlier.compareTo(ts) < 0 ? earlier : null;
        }
        batch.commitKeepingPosition(false);
      }
    }
  }

  /** The stored oplog entry at {@code ts}, a part of the transaction ended at {@code end}. */
  private RawBsonDocument storedEntry(BatchSource batches, List<BackupData.OplogBatch> stored,
      BsonTimestamp ts, BsonTimestamp end) throws RestoreException {
    Optional<BackupData.OplogBatch> holder = stored.stream().filter(b ->
        b.firstTs().compareTo(ts) <= 0 && b.lastTs().compareTo(ts) >= 0).findFirst();
    if (holder.isPresent()) {
      try {
        for (RawBsonDocument d : partsBatches.computeIfAbsent(holder.get().seq(),
            seq -> batches.read(snapshot.backupId(), snapshot.syncId(), seq).documents())) {
          if (d.getTimestamp("ts").equals(ts)) {
            return d;
          }
        }
      } catch (RuntimeException ex) {
        throw new RestoreException("The stored oplog needed for this point in time cannot be"
            + " read: " + ex.getMessage());
      }
    }
    throw new RestoreException("The transaction that continues at oplog time " + show(end)
        + " began before snapshot " + snapshot.id() + " (at " + show(snapshot.ts()) + "), and"
        + " its part at " + show(ts) + " is no longer stored; restore to a point before "
        + show(end) + " or from another snapshot");
  }

  /** An oplog timestamp as {@code openmms restore --oplog} takes it. */
  private static String show(BsonTimestamp ts) {
    return Integer.toUnsignedString(ts.getTime()) + ":" + Integer.toUnsignedString(ts.getInc());
  }

  /** True for an entry past the target: a later ts, or a wall time after the target's. */
  static boolean after(BsonDocument entry, BsonTimestamp targetTs, Long targetMillis) {
    BsonTimestamp ts = entry.getTimestamp("ts");
    if (ts.compareTo(targetTs) > 0) {
      return true;
    }
    if (targetMillis == null) {
      return false;
    }
    BsonValue wall = entry.get("wall");
    long millis = wall instanceof BsonDateTime dt ? dt.getValue() : ts.getTime() * 1000L;
    return millis > targetMillis;
  }

  private Map<String, Expected> write(Head head, Path dir) throws IOException {
    long total = 0;
    for (Namespace ns : head.namespaces()) {
      total += head.dataSize(ns);
    }
    progress.phase(RestoreJobs.Phase.PACKAGING, total);
    Map<String, Expected> expected = new LinkedHashMap<>();
    long done = 0;
    try (DumpDirectory.Writer out = DumpDirectory.create(dir)) {
      for (Namespace ns : head.namespaces()) {
        Optional<CollectionInfo> info = head.collection(ns);
        if (info.isEmpty()) {
          continue;
        }
        CollectionInfo c = info.get();
        out.begin(new DumpCollection(ns.db(), ns.collection(), c.uuid(), c.options(),
            c.indexes()));
        DocumentSum sum = DocumentSum.inOrder();
        try (DocumentCursor docs = head.scan(ns)) {
          while (docs.hasNext()) {
            RawBsonDocument d = docs.next();
            out.document(d);
            sum.add(d);
            done += d.getByteBuffer().remaining();
            if ((sum.count() & 255) == 0) {
              progress.done(done);
              progress.check();
            }
          }
        }
        out.end();
        expected.put(ns.toString(), new Expected(sum.count(), sum.sha256()));
      }
    }
    return expected;
  }

  private SnapshotStreamReader open() throws IOException {
    return SnapshotInput.reader(store, snapshot, 4);
  }

  private void checkEnd(Iterator<Snapshots.Collection> manifest) throws RestoreException {
    if (manifest.hasNext()) {
      throw new RestoreException("Verification failed: the manifest of snapshot "
          + snapshot.id() + " lists " + manifest.next().ns() + " which its stream lacks; run"
          + " openmms verify --snapshot " + snapshot.id());
    }
  }

  /** Checks a collection read from the snapshot against its manifest entry. */
  private Expected check(Iterator<Snapshots.Collection> manifest, String ns, DocumentSum sum)
      throws RestoreException {
    Snapshots.Collection m = manifest.hasNext() ? manifest.next() : null;
    // a patched collection has no SHA-256 of its own: the reader checked its base's and its
    // patch's (docs/snapshot-format.md, "Patched collections")
    if (m == null || !m.ns().equals(ns) || m.count() != sum.count() || m.bytes() != sum.bytes()
        || m.sha256() != null && !m.sha256().equals(sum.sha256())) {
      throw new RestoreException("Verification failed: snapshot " + snapshot.id() + " gives "
          + ns + " " + sum.count() + " documents (" + sum.bytes() + " bytes) with SHA-256 "
          + sum.sha256() + " but its manifest says " + (m == null ? "nothing" : m.ns() + " "
          + m.count() + " documents (" + m.bytes() + " bytes) with SHA-256 " + m.sha256())
          + "; run openmms verify --snapshot " + snapshot.id());
    }
    return new Expected(sum.count(), sum.sha256());
  }
}
