package io.openmms.daemon.head;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.daemon.oplog.OplogApplier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The head's change log (docs/head-format.md, "Change log"). */
class ChangeLogTest {
  static final Namespace NS = Namespace.parse("app.c");
  static final Namespace OTHER = Namespace.parse("app.other");
  static final BsonTimestamp ZERO = new BsonTimestamp(0, 0);

  @TempDir Path dir;

  private static RawBsonDocument raw(String json) {
    return RawBsonDocument.parse(json);
  }

  private static BsonTimestamp ts(int seconds) {
    return new BsonTimestamp(seconds, 1);
  }

  /** A steady head after an initial sync of {@code _id} 1 to 5 in NS, at ts(100). */
  private static RocksHead synced(Path dir) {
    RocksHead head = RocksHead.open(dir);
    head.beginInitialSync();
    head.insertDocuments(NS, List.of(raw("{_id: 1, v: 0}"), raw("{_id: 2, v: 0}"),
        raw("{_id: 3, v: 0}"), raw("{_id: 4, v: 0}"), raw("{_id: 5, v: 0}")));
    head.insertDocuments(OTHER, List.of(raw("{_id: 1}")));
    head.finishInitialSync(ts(100));
    return head;
  }

  private static void commit(Head head, int seconds, Consumer<HeadBatch> change) {
    try (HeadBatch b = head.newBatch()) {
      change.accept(b);
      b.commit(OplogPosition.of(ts(seconds)));
    }
  }

  private static ChangeLog log(HeadReader head) {
    return head.changeLog(NS).orElseThrow();
  }

  /** How many documents {@code changedAfter(after, limit)} lists, or -1 when more than limit. */
  private static long count(ChangeLog log, BsonTimestamp after, long limit) {
    java.util.Optional<ChangeLog.Cursor> c = log.changedAfter(after, limit);
    if (c.isEmpty()) {
      return -1;
    }
    long n = 0;
    try (ChangeLog.Cursor cursor = c.get()) {
      while (cursor.next()) {
        n++;
      }
    }
    return n;
  }

  /** What {@code changedAfter(after)} lists: _id key (hex) → document JSON, or null. */
  private static Map<String, String> changed(ChangeLog log, BsonTimestamp after) {
    Map<String, String> out = new LinkedHashMap<>();
    byte[] previous = null;
    try (ChangeLog.Cursor c = log.changedAfter(after, Long.MAX_VALUE).orElseThrow()) {
      while (c.next()) {
        byte[] key = c.key();
        if (previous != null) {
          assertThat(Arrays.compareUnsigned(previous, key)).as("in _id key order").isNegative();
        }
        previous = key;
        out.put(hex(key), c.document() == null ? null : c.document().toJson());
      }
      assertThat(c.next()).as("stays at the end").isFalse();
    }
    return out;
  }

  private static String hex(byte[] key) {
    return HexFormat.of().formatHex(key);
  }

  private static String key(BsonValue id) {
    return hex(IdKey.encode(id));
  }

  private static String key(int id) {
    return key(new BsonInt32(id));
  }

  private static Map<String, String> entries(Object... keysAndDocs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < keysAndDocs.length; i += 2) {
      Object k = keysAndDocs[i];
      String doc = (String) keysAndDocs[i + 1];
      out.put(k instanceof Integer n ? key(n) : key((BsonValue) k),
          doc == null ? null : raw(doc).toJson());
    }
    return out;
  }

  @Test
  void changedAfterListsTheDocumentsWrittenLaterInIdKeyOrderWithTheirContentNow() {
    try (RocksHead head = synced(dir)) {
      commit(head, 101, b -> {
        b.put(NS, raw("{_id: 2, v: 1}"));
        b.put(NS, raw("{_id: 10, v: 1}"));
        b.put(OTHER, raw("{_id: 7}"));
      });
      commit(head, 102, b -> {
        assertThat(b.delete(NS, new BsonInt32(3))).isTrue();
        assertThat(b.delete(NS, new BsonInt32(99))).as("not there: no write").isFalse();
        b.put(NS, raw("{_id: 'a', v: 2}"));
        b.put(NS, raw("{_id: 7, v: 2}"));
      });
      commit(head, 103, b -> {
        b.put(NS, raw("{_id: 2, v: 3}"));
        b.put(NS, raw("{_id: 8, v: 3}"));
        b.delete(NS, new BsonInt32(8)); // written and deleted in one commit
      });

      ChangeLog log = log(head);
      assertThat(changed(log, ts(101))).isEqualTo(entries(
          2, "{_id: 2, v: 3}", 3, null, 7, "{_id: 7, v: 2}", 8, null,
          new BsonString("a"), "{_id: 'a', v: 2}"));
      assertThat(changed(log, ts(102))).isEqualTo(entries(2, "{_id: 2, v: 3}", 8, null));
      assertThat(changed(log, ts(103))).isEmpty();
      assertThat(changed(log, ts(100))).as("the initial sync's documents are not logged")
          .isEqualTo(entries(2, "{_id: 2, v: 3}", 3, null, 7, "{_id: 7, v: 2}", 8, null,
              10, "{_id: 10, v: 1}", new BsonString("a"), "{_id: 'a', v: 2}"));
      // timestamps within one second: unsigned, increment included
      assertThat(changed(log, new BsonTimestamp(102, 0)).keySet())
          .containsExactly(key(2), key(3), key(7), key(8), key(new BsonString("a")));
      assertThat(changed(log, new BsonTimestamp(102, 2)).keySet()).containsExactly(key(2), key(8));
      assertThat(changed(head.changeLog(OTHER).orElseThrow(), ZERO)).isEqualTo(entries(7, "{_id: 7}"));

      assertThat(count(log, ts(101), 100)).isEqualTo(5);
      assertThat(count(log, ts(101), 5)).as("exactly the limit").isEqualTo(5);
      assertThat(count(log, ts(101), 4)).as("one more than the limit").isEqualTo(-1);
      assertThat(count(log, ts(101), 0)).isEqualTo(-1);
      assertThat(count(log, ts(101), Long.MAX_VALUE)).isEqualTo(5);
      assertThat(count(log, ts(103), 0)).isZero();
      assertThat(log.since()).isEqualTo(ZERO);
      assertThat(head.changeLog(Namespace.parse("app.none"))).isEmpty();
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(10)
  void pruningAClosedHeadReturnsAtOnceInsteadOfWaitingForeverForItsWriter() {
    RocksHead head = synced(dir);
    commit(head, 101, b -> b.put(NS, raw("{_id: 2, v: 1}")));
    String lineage = log(head).lineage();
    head.close();
    head.pruneChanges(NS, lineage, ts(101)); // a snapshot finishing as its head closes
    try (RocksHead reopened = RocksHead.open(dir)) {
      assertThat(log(reopened).since()).as("nothing was pruned").isEqualTo(ZERO);
      assertThat(count(log(reopened), ZERO, 10)).isEqualTo(1);
    }
  }

  @Test
  void aViewSeesTheLogOfItsOwnCommitOnly() {
    try (RocksHead head = synced(dir)) {
      commit(head, 101, b -> b.put(NS, raw("{_id: 2, v: 1}")));
      try (HeadSnapshot view = head.snapshot()) {
        ChangeLog before = log(view);
        commit(head, 102, b -> {
          b.put(NS, raw("{_id: 2, v: 2}"));
          b.put(NS, raw("{_id: 6, v: 2}"));
          b.delete(NS, new BsonInt32(1));
        });
        assertThat(changed(before, ts(100))).isEqualTo(entries(2, "{_id: 2, v: 1}"));
        assertThat(count(before, ts(100), 10)).isEqualTo(1);
        assertThat(changed(log(view), ts(101))).isEmpty();
        // a patch of the view by the later log gives the head's documents
        ChangeLog now = log(head);
        assertThat(now.lineage()).isEqualTo(before.lineage());
        assertThat(patched(view, now, view.position().orElseThrow().ts()))
            .isEqualTo(documents(head));
      }
    }
  }

  /** {@code earlier}'s documents patched with {@code log}'s changes after {@code after}. */
  private static Map<String, String> patched(HeadReader earlier, ChangeLog log,
      BsonTimestamp after) {
    Map<String, String> docs = documents(earlier);
    changed(log, after).forEach((k, v) -> {
      if (v == null) {
        docs.remove(k);
      } else {
        docs.put(k, v);
      }
    });
    return docs;
  }

  private static Map<String, String> documents(HeadReader head) {
    Map<String, String> out = new TreeMap<>();
    try (DocumentCursor c = head.scan(NS)) {
      c.forEachRemaining(d -> out.put(key(d.get("_id")), d.toJson()));
    }
    return out;
  }

  @Test
  void theLineageIsKeptByLoggedWritesIndexesOptionsAndRestarts() {
    String lineage;
    try (RocksHead head = synced(dir)) {
      lineage = log(head).lineage();
      assertThat(head.changeLog(OTHER).orElseThrow().lineage()).isNotEqualTo(lineage);
      commit(head, 101, b -> b.put(NS, raw("{_id: 2, v: 1}")));
      commit(head, 102, b -> b.delete(NS, new BsonInt32(1)));
      commit(head, 103, b -> b.createIndex(NS, BsonDocument.parse("{v: 2, key: {v: 1}, name: 'v_1'}")));
      commit(head, 104, b -> b.dropIndex(NS, "v_1"));
      commit(head, 105, b -> b.setOptionsAndIndexes(NS, BsonDocument.parse("{validationLevel: 'off'}"),
          head.collection(NS).orElseThrow().indexes()));
      commit(head, 106, b -> b.createCollection(NS, BsonDocument.parse("{}"), null, null));
      commit(head, 107, b -> b.put(OTHER, raw("{_id: 2}")));
      assertThat(log(head).lineage()).isEqualTo(lineage);
    }
    try (RocksHead head = RocksHead.open(dir)) {
      assertThat(log(head).lineage()).as("stored").isEqualTo(lineage);
      assertThat(changed(log(head), ts(100)).keySet()).containsExactly(key(1), key(2));
    }
  }

  @Test
  void aNewLineageWhenTheNameDenotesOtherContentOrWritesWereNotLogged() {
    try (RocksHead head = synced(dir)) {
      List<String> seen = new ArrayList<>();
      seen.add(log(head).lineage());

      commit(head, 101, b -> {
        b.dropCollection(NS);
        b.put(NS, raw("{_id: 1, v: 'recreated'}"));
      });
      assertThat(seen).as("dropped and re-created").doesNotContain(log(head).lineage());
      assertThat(changed(log(head), ZERO)).as("a new collection's own writes are logged")
          .isEqualTo(entries(1, "{_id: 1, v: 'recreated'}"));
      seen.add(log(head).lineage());

      commit(head, 102, b -> b.renameCollection(OTHER, NS, true));
      assertThat(seen).as("renamed onto the name").doesNotContain(log(head).lineage());
      assertThat(head.changeLog(OTHER)).isEmpty();
      seen.add(log(head).lineage());

      try (HeadBatch b = head.newBatch()) { // written without moving the position
        b.put(NS, raw("{_id: 5}"));
        b.commitKeepingPosition(true);
      }
      assertThat(seen).as("a write kept at the position").doesNotContain(log(head).lineage());
      assertThat(changed(log(head), ts(102))).as("not logged").isEmpty();
      seen.add(log(head).lineage());

      try (HeadBatch b = head.newBatch()) { // a position that does not move forward
        b.put(NS, raw("{_id: 6}"));
        b.commit(OplogPosition.of(ts(102)));
      }
      assertThat(seen).as("a commit at the same position").doesNotContain(log(head).lineage());
      assertThat(changed(log(head), ts(101))).isEmpty();
      seen.add(log(head).lineage());

      head.setState(HeadState.RESYNC_REQUIRED);
      assertThat(log(head).lineage()).as("no document written").isEqualTo(seen.getLast());
      commit(head, 103, b -> b.put(NS, raw("{_id: 7}")));
      assertThat(seen).as("a write outside steady state").doesNotContain(log(head).lineage());
      assertThat(changed(log(head), ts(102))).isEmpty();
      seen.add(log(head).lineage());

      head.beginInitialSync();
      head.insertDocuments(NS, List.of(raw("{_id: 1}")));
      String copied = log(head).lineage();
      head.insertDocuments(NS, List.of(raw("{_id: 2}")));
      assertThat(log(head).lineage()).as("each initial-sync write").isNotEqualTo(copied);
      head.finishInitialSync(ts(90)); // an earlier time than the old log's entries
      assertThat(seen).as("a fresh initial sync").doesNotContain(log(head).lineage());
      assertThat(changed(log(head), ZERO)).as("nothing from before it, nor its copy").isEmpty();
      commit(head, 91, b -> b.put(NS, raw("{_id: 3}")));
      assertThat(changed(log(head), ZERO)).isEqualTo(entries(3, "{_id: 3}"));
    }
  }

  @Test
  void aWriteThenARenameOrDropInOneCommit() {
    Namespace moved = Namespace.parse("app.moved");
    try (RocksHead head = synced(dir)) {
      String lineage = log(head).lineage();
      commit(head, 101, b -> {
        b.put(NS, raw("{_id: 1, v: 1}"));
        b.renameCollection(NS, moved, false);
        b.put(OTHER, raw("{_id: 9}"));
        b.dropCollection(OTHER);
      });
      ChangeLog log = head.changeLog(moved).orElseThrow();
      assertThat(log.lineage()).isNotEqualTo(lineage);
      assertThat(changed(log, ts(100))).isEqualTo(entries(1, "{_id: 1, v: 1}"));
    }
    try (RocksStore store = new RocksStore(dir)) {
      assertThat(logKeys(store)).as("the dropped collection's entries are gone")
          .containsExactly(hex(Keys.changeRecord(1, ts(101))));
    }
  }

  /** Every change-log key in {@code store}. */
  private static List<String> logKeys(KeyValueReader store) {
    return keys(store, Keys.CHANGES_START, Keys.CHANGES_END);
  }

  private static List<String> keys(KeyValueReader store, byte[] from, byte[] to) {
    List<String> keys = new ArrayList<>();
    try (KeyValueReader.Cursor c = store.scan(from, to)) {
      while (c.next()) {
        keys.add(hex(c.key()));
      }
    }
    return keys;
  }

  @Test
  void dropsAndAFreshInitialSyncRemoveTheEntries() {
    try (RocksHead head = synced(dir)) {
      commit(head, 101, b -> {
        b.put(NS, raw("{_id: 1, v: 1}"));
        b.put(OTHER, raw("{_id: 1, v: 1}"));
      });
      commit(head, 102, b -> b.dropCollection(OTHER));
    }
    try (RocksStore store = new RocksStore(dir)) {
      assertThat(logKeys(store)).hasSize(1);
    }
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
    }
    try (RocksStore store = new RocksStore(dir)) {
      assertThat(logKeys(store)).isEmpty();
    }
  }

  @Test
  void pruneForgetsEntriesUpToTheTimestampAndKeepsLineageAndContent() {
    try (RocksHead head = synced(dir)) {
      commit(head, 101, b -> b.put(NS, raw("{_id: 1, v: 1}")));
      commit(head, 102, b -> b.put(NS, raw("{_id: 2, v: 2}")));
      commit(head, 103, b -> {
        b.put(NS, raw("{_id: 3, v: 3}"));
        b.put(OTHER, raw("{_id: 3}"));
      });
      String lineage = log(head).lineage();
      String tag = head.contentTag(NS).orElseThrow();
      OplogPosition position = head.position().orElseThrow();

      try (HeadSnapshot view = head.snapshot()) {
        head.pruneChanges(NS, "another lineage", ts(103));
        assertThat(log(head).since()).as("wrong lineage: nothing").isEqualTo(ZERO);
        assertThat(changed(log(head), ZERO)).hasSize(3);

        head.pruneChanges(NS, lineage, ts(102));
        ChangeLog log = log(head);
        assertThat(log.since()).isEqualTo(ts(102));
        assertThat(log.lineage()).isEqualTo(lineage);
        assertThat(head.contentTag(NS)).contains(tag);
        assertThat(head.position()).contains(position);
        assertThat(changed(log, ZERO)).isEqualTo(entries(3, "{_id: 3, v: 3}"));
        assertThat(changed(log, ts(102))).isEqualTo(entries(3, "{_id: 3, v: 3}"));
        assertThat(changed(head.changeLog(OTHER).orElseThrow(), ZERO)).as("another collection")
            .hasSize(1);
        assertThat(changed(log(view), ZERO)).as("an earlier view keeps its entries").hasSize(3);
        assertThat(log(view).since()).isEqualTo(ZERO);

        head.pruneChanges(NS, lineage, ts(101));
        assertThat(log(head).since()).as("never lowered").isEqualTo(ts(102));
      }
      commit(head, 104, b -> b.put(NS, raw("{_id: 1, v: 4}")));
      assertThat(log(head).since()).as("kept by writes").isEqualTo(ts(102));
    }
    try (RocksHead head = RocksHead.open(dir)) {
      ChangeLog log = log(head);
      assertThat(log.since()).as("stored").isEqualTo(ts(102));
      assertThat(changed(log, ZERO).keySet()).containsExactly(key(1), key(3));
      head.pruneChanges(NS, log.lineage(), ts(200)); // past the position: all entries
      assertThat(log(head).since()).isEqualTo(ts(200));
      assertThat(changed(log(head), ZERO)).isEmpty();
    }
  }

  @Test
  void aScratchHeadKeepsNoChangeLog() {
    try (RocksHead head = RocksHead.openScratch(dir)) {
      head.beginInitialSync();
      head.insertDocuments(NS, List.of(raw("{_id: 1}")));
      head.finishInitialSync(ts(100));
      commit(head, 101, b -> b.put(NS, raw("{_id: 2}")));
      assertThat(head.changeLog(NS)).isEmpty();
      try (HeadSnapshot view = head.snapshot()) {
        assertThat(view.changeLog(NS)).isEmpty();
      }
      head.pruneChanges(NS, "any", ts(101)); // nothing to do
    }
    try (RocksStore store = new RocksStore(dir)) {
      assertThat(logKeys(store)).isEmpty();
    }
  }

  @Test
  void anEntryStoredWithoutAChangeLogGetsAFreshLineageAtEveryRead() {
    CollectionInfo info = new CollectionInfo(NS, java.util.Optional.empty(), new BsonDocument(),
        List.of(), 3, 42);
    CatalogCodec.Entry e = new CatalogCodec.Entry(7, info).withSince(ts(5));
    CatalogCodec.Entry back = CatalogCodec.decodeEntry(NS.toString(), CatalogCodec.encodeEntry(e));
    assertThat(back).isEqualTo(e);

    BsonDocument old = new RawBsonDocument(CatalogCodec.encodeEntry(e)).decode(
        new org.bson.codecs.BsonDocumentCodec());
    old.remove("changes");
    byte[] bytes = CatalogCodec.bytes(old);
    CatalogCodec.Entry first = CatalogCodec.decodeEntry(NS.toString(), bytes);
    CatalogCodec.Entry second = CatalogCodec.decodeEntry(NS.toString(), bytes);
    assertThat(first.lineage()).isNotEqualTo(e.lineage()).isNotEqualTo(second.lineage());
    assertThat(first.since()).isEqualTo(ZERO);
    assertThat(first.contentTag()).isEqualTo(e.contentTag());
  }

  @Test
  void aDamagedRecordIsReportedInsteadOfReadAsKeys() {
    try (RocksHead head = synced(dir)) {
      commit(head, 101, b -> b.put(NS, raw("{_id: 1, v: 1}")));
    }
    try (RocksStore store = new RocksStore(dir); KeyValueStore.Batch b = store.newBatch()) {
      b.put(Keys.changeRecord(1, ts(101)), new byte[] {0, 0, 0, 9, 1}); // 9 bytes promised, 1 there
      b.commit(true);
    }
    try (RocksHead head = RocksHead.open(dir)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
          () -> log(head).changedAfter(ZERO, 10)).isInstanceOf(HeadStorageException.class)
          .hasMessageContaining("damaged at byte 0");
    }
  }

  @Test
  void oplogApplicationLogsTheWritesOfEachBatchIncludingTransactions() {
    String wall = ", t: NumberLong(1), v: NumberLong(2), wall: ISODate('2026-11-01T00:00:00Z')}";
    try (RocksHead head = synced(dir)) {
      OplogApplier applier = new OplogApplier(head);
      applier.apply(List.of(
          BsonDocument.parse("{op: 'i', ns: 'app.c', o: {_id: 20, v: 1}, ts: Timestamp(101, 1)" + wall),
          BsonDocument.parse("{op: 'u', ns: 'app.c', o: {$v: 2, diff: {u: {v: 1}}}, o2: {_id: 1},"
              + " ts: Timestamp(101, 2)" + wall)));
      applier.apply(List.of(
          BsonDocument.parse("{op: 'd', ns: 'app.c', o: {_id: 2}, ts: Timestamp(102, 1)" + wall),
          BsonDocument.parse("{op: 'c', ns: 'admin.$cmd', o: {applyOps: ["
              + "{op: 'i', ns: 'app.c', o: {_id: 21}}, {op: 'u', ns: 'app.c', o: {_id: 3, v: 9}, o2: {_id: 3}}]},"
              + " lsid: {id: UUID('7d1c2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5')}, txnNumber: NumberLong(1),"
              + " ts: Timestamp(102, 2)" + wall),
          BsonDocument.parse("{op: 'c', ns: 'app.$cmd', o: {createIndexes: 'c', v: 2, key: {v: 1},"
              + " name: 'v_1'}, ts: Timestamp(102, 3)" + wall)));
      ChangeLog log = log(head);
      assertThat(changed(log, new BsonTimestamp(101, 2))).isEqualTo(entries(
          2, null, 3, "{_id: 3, v: 9}", 21, "{_id: 21}"));
      assertThat(changed(log, ts(100)).keySet())
          .containsExactly(key(1), key(2), key(3), key(20), key(21));
      assertThat(head.collection(NS).orElseThrow().indexNames()).contains("v_1");
    }
  }

  /**
   * The property snapshots rely on: whenever the log has an earlier state's lineage and a
   * {@code since} at or before its timestamp, the earlier documents patched with the changes
   * after that timestamp are the documents now; and the changes listed are exactly the documents
   * written after it. A random workload of logged writes, unlogged writes, renames, drops,
   * prunes and restarts.
   */
  @Test
  void anEarlierStatePatchedWithTheLaterChangesIsTheStateNow() {
    Random random = new Random(20261121);
    Namespace tmp = Namespace.parse("app.tmp");
    record Earlier(BsonTimestamp ts, String lineage, Map<String, String> docs) {}
    List<Earlier> earlier = new ArrayList<>();
    Map<String, Integer> lastLogged = new TreeMap<>(); // _id key -> seconds of its last logged write
    int seconds = 100;
    int patchesChecked = 0;
    RocksHead head = synced(dir);
    try {
      for (int step = 0; step < 600; step++) {
        int what = random.nextInt(100);
        String lineageBefore = log(head).lineage();
        boolean breaks = false;
        if (what < 60) { // a logged batch of writes
          int at = ++seconds;
          List<String> written = new ArrayList<>();
          try (HeadBatch b = head.newBatch()) {
            for (int n = random.nextInt(6); n >= 0; n--) {
              BsonValue id = random.nextInt(4) == 0 ? new BsonString("s" + random.nextInt(5))
                  : new BsonInt32(random.nextInt(25));
              if (random.nextInt(3) == 0) {
                if (b.delete(NS, id)) {
                  written.add(key(id));
                }
              } else {
                b.put(NS, new RawBsonDocument(new BsonDocument("_id", id)
                    .append("v", new BsonInt32(step)), new org.bson.codecs.BsonDocumentCodec()));
                written.add(key(id));
              }
            }
            if (random.nextInt(10) == 0) {
              b.createIndex(NS, BsonDocument.parse("{v: 2, key: {v: 1}, name: 'v_" + step + "'}"));
            }
            b.commit(OplogPosition.of(ts(at)));
          }
          written.forEach(k -> lastLogged.put(k, at));
        } else if (what < 75) { // keep this state, to patch later
          try (HeadSnapshot view = head.snapshot()) {
            earlier.add(new Earlier(view.position().orElseThrow().ts(), log(view).lineage(),
                documents(view)));
          }
        } else if (what < 83 && !earlier.isEmpty()) { // prune up to an earlier state's time
          Earlier e = earlier.get(random.nextInt(earlier.size()));
          ChangeLog log = log(head);
          head.pruneChanges(NS, e.lineage(), e.ts());
          if (e.lineage().equals(log.lineage())
              && Long.compareUnsigned(log.since().getValue(), e.ts().getValue()) < 0) {
            assertThat(log(head).since()).isEqualTo(e.ts());
          } else {
            assertThat(log(head).since()).isEqualTo(log.since());
          }
        } else if (what < 87) { // written without moving the position
          try (HeadBatch b = head.newBatch()) {
            b.put(NS, raw("{_id: " + random.nextInt(25) + ", v: 'unlogged'}"));
            b.commitKeepingPosition(true);
          }
          breaks = true;
        } else if (what < 91) { // renamed away and back: the same documents under a new lineage
          commit(head, ++seconds, b -> b.renameCollection(NS, tmp, false));
          commit(head, ++seconds, b -> b.renameCollection(tmp, NS, false));
          breaks = true;
        } else if (what < 94) { // emptied: dropped and re-created
          commit(head, ++seconds, b -> {
            b.dropCollection(NS);
            b.createCollection(NS, new BsonDocument(), null, null);
          });
          lastLogged.clear();
          breaks = true;
        } else if (what < 97) { // another collection's writes
          commit(head, ++seconds, b -> b.put(OTHER, raw("{_id: " + random.nextInt(5) + "}")));
        } else {
          head.close();
          head = RocksHead.open(dir);
        }
        ChangeLog log = log(head);
        if (breaks) {
          assertThat(earlier).extracting(Earlier::lineage).doesNotContain(log.lineage());
          assertThat(log.lineage()).isNotEqualTo(lineageBefore);
        } else {
          assertThat(log.lineage()).isEqualTo(lineageBefore);
        }
        Map<String, String> now = documents(head);
        for (Earlier e : earlier) {
          if (!e.lineage().equals(log.lineage())
              || Long.compareUnsigned(log.since().getValue(), e.ts().getValue()) > 0) {
            continue;
          }
          Map<String, String> docs = new TreeMap<>(e.docs());
          Map<String, String> changes = changed(log, e.ts());
          changes.forEach((k, v) -> {
            if (v == null) {
              docs.remove(k);
            } else {
              docs.put(k, v);
            }
          });
          assertThat(docs).as("step %d, patch after %s", step, e.ts()).isEqualTo(now);
          int after = e.ts().getTime();
          assertThat(changes.keySet()).as("exactly the documents written after %s", e.ts())
              .containsExactlyInAnyOrderElementsOf(lastLogged.entrySet().stream()
                  .filter(w -> w.getValue() > after).map(Map.Entry::getKey).toList());
          assertThat(count(log, e.ts(), Long.MAX_VALUE)).isEqualTo(changes.size());
          patchesChecked++;
        }
      }
    } finally {
      head.close();
    }
    assertThat(patchesChecked).as("the workload exercised patches").isGreaterThan(500);
  }
}
