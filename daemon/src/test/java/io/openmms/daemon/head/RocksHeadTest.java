package io.openmms.daemon.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksHeadTest {
  static final Namespace NS = Namespace.parse("app.c");

  @TempDir Path dir;

  private static RawBsonDocument raw(String json) {
    return RawBsonDocument.parse(json);
  }

  @Test
  void initialSyncThenReopenKeepsCatalogDocumentsPositionAndState() {
    UUID uuid = UUID.randomUUID();
    try (RocksHead head = RocksHead.open(dir)) {
      assertThat(head.state()).isEqualTo(HeadState.EMPTY);
      assertThat(head.position()).isEmpty();
      head.beginInitialSync();
      head.createCollection(NS, BsonDocument.parse("{capped: true, size: 4096}"), uuid, List.of(
          BsonDocument.parse("{v: 2, key: {_id: 1}, name: '_id_'}"),
          BsonDocument.parse("{v: 2, key: {a: 1}, name: 'a_1'}")));
      head.insertDocuments(NS, List.of(raw("{_id: 3, a: 'c'}"), raw("{_id: 1, a: 'a'}")));
      head.insertDocuments(NS, List.of(raw("{_id: 2, a: 'b'}")));
      assertThat(head.state()).isEqualTo(HeadState.INITIAL_SYNC);
      head.finishInitialSync(new BsonTimestamp(50, 7));
    }
    try (RocksHead head = RocksHead.open(dir)) {
      assertThat(head.state()).isEqualTo(HeadState.STEADY);
      assertThat(head.position()).contains(OplogPosition.of(new BsonTimestamp(50, 7)));
      CollectionInfo info = head.collection(NS).orElseThrow();
      assertThat(info.uuid()).contains(uuid);
      assertThat(info.options()).isEqualTo(BsonDocument.parse("{capped: true, size: 4096}"));
      assertThat(info.indexNames()).containsExactly("_id_", "a_1");
      assertThat(info.count()).isEqualTo(3);
      assertThat(head.scan(NS).toList()).extracting(d -> d.getInt32("_id").getValue()).containsExactly(1, 2, 3);
      assertThat(head.sizeOnDisk()).isPositive();
      head.close(); // closing twice is harmless
    }
  }

  @Test
  void theContentTagChangesWithEveryDocumentWriteAndWithNothingElse() {
    Namespace other = Namespace.parse("app.other");
    String loaded;
    String otherTag;
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
      head.insertDocuments(NS, List.of(raw("{_id: 1, a: 'a'}"), raw("{_id: 2, a: 'b'}")));
      head.insertDocuments(other, List.of(raw("{_id: 1}")));
      head.finishInitialSync(new BsonTimestamp(1, 1));
      loaded = head.contentTag(NS).orElseThrow();
      otherTag = head.contentTag(other).orElseThrow();
      assertThat(otherTag).isNotEqualTo(loaded);

      String before = loaded;
      String indexed = commit(head, b -> b.createIndex(NS,
          BsonDocument.parse("{v: 2, key: {a: 1}, name: 'a_1'}")), NS);
      assertThat(indexed).as("an index leaves the documents as they were").isEqualTo(before);
      String sameSize = commit(head, b -> b.put(NS, raw("{_id: 1, a: 'z'}")), NS);
      assertThat(sameSize).as("an update that keeps count and size").isNotEqualTo(before);
      String deleted = commit(head, b -> b.delete(NS, new BsonInt32(2)), NS);
      assertThat(deleted).isNotEqualTo(sameSize);
      assertThat(commit(head, b -> b.delete(NS, new BsonInt32(99)), NS))
          .as("deleting a document that is not there changes nothing").isEqualTo(deleted);
      assertThat(head.contentTag(other)).as("another collection's writes").contains(otherTag);
      loaded = deleted;
    }
    try (RocksHead head = RocksHead.open(dir)) {
      assertThat(head.contentTag(NS)).as("kept across a restart").contains(loaded);
      Namespace renamed = Namespace.parse("app.renamed");
      assertThat(commit(head, b -> b.renameCollection(NS, renamed, false), renamed))
          .as("a rename moves the same documents").isEqualTo(loaded);
      commit(head, b -> b.dropCollection(renamed), other);
      assertThat(head.contentTag(renamed)).isEmpty();
      assertThat(commit(head, b -> b.put(renamed, raw("{_id: 1, a: 'z'}")), renamed))
          .as("a re-created collection").isNotEqualTo(loaded);
    }
  }

  private int position = 10;

  /** Commits one change and answers {@code ns}'s content tag after it. */
  private String commit(RocksHead head, java.util.function.Consumer<HeadBatch> change,
      Namespace ns) {
    try (HeadBatch b = head.newBatch()) {
      change.accept(b);
      b.commit(OplogPosition.of(new BsonTimestamp(position++, 1)));
    }
    return head.contentTag(ns).orElse(null);
  }

  @Test
  void closeWaitsForAnOpenSnapshotViewWhoseReadsKeepWorking() throws Exception {
    RocksHead head = RocksHead.open(dir);
    head.beginInitialSync();
    head.insertDocuments(NS, IntStream.range(0, 500)
        .mapToObj(i -> raw("{_id: " + i + ", a: 'x'}")).toList());
    head.finishInitialSync(new BsonTimestamp(1, 1));
    HeadSnapshot view = head.snapshot();
    Thread closer = new Thread(head::close);
    closer.start();
    closer.join(300);
    assertThat(closer.isAlive()).as("close waits while a view is open").isTrue();
    assertThatThrownBy(head::snapshot).as("no new view once closing")
        .isInstanceOf(IllegalStateException.class);
    // a snapshot writer still reading: this crashed the process when the store was closed first
    assertThat(view.scan(NS).toList()).hasSize(500);
    view.close();
    closer.join(5_000);
    assertThat(closer.isAlive()).as("closed once the view is").isFalse();
  }

  @Test
  void beginInitialSyncAgainRemovesEverything() {
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
      head.insertDocuments(NS, List.of(raw("{_id: 1}")));
      head.finishInitialSync(new BsonTimestamp(1, 1));
      head.setState(HeadState.RESYNC_REQUIRED);
      head.beginInitialSync();
      assertThat(head.namespaces()).isEmpty();
      assertThat(head.position()).isEmpty();
      head.insertDocuments(NS, List.of(raw("{_id: 2}")));
      head.finishInitialSync(new BsonTimestamp(2, 1));
      assertThat(head.scan(NS).toList()).extracting(d -> d.getInt32("_id").getValue()).containsExactly(2);
    }
  }

  @Test
  void aBatchClosedWithoutCommitLeavesNoTrace() {
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
      head.finishInitialSync(new BsonTimestamp(1, 1));
      try (HeadBatch b = head.newBatch()) {
        b.put(NS, raw("{_id: 1}"));
        b.createIndex(NS, BsonDocument.parse("{v: 2, key: {x: 1}, name: 'x_1'}"));
        assertThat(b.get(NS, new BsonInt32(1))).isPresent();
      }
      assertThat(head.namespaces()).isEmpty();
      assertThat(head.position()).contains(OplogPosition.of(new BsonTimestamp(1, 1)));
    }
  }

  @Test
  void aSnapshotIsUnaffectedByLaterCommits() {
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
      head.insertDocuments(NS, List.of(raw("{_id: 1, v: 'old'}")));
      head.finishInitialSync(new BsonTimestamp(1, 1));
      try (HeadSnapshot snap = head.snapshot()) {
        try (HeadBatch b = head.newBatch()) {
          b.put(NS, raw("{_id: 1, v: 'new'}"));
          b.put(NS, raw("{_id: 2}"));
          b.renameCollection(NS, Namespace.parse("app.renamed"), false);
          b.commit(new OplogPosition(new BsonTimestamp(2, 1), 1, Instant.EPOCH));
        }
        assertThat(snap.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(1, 1));
        assertThat(snap.namespaces()).containsExactly(NS);
        assertThat(snap.scan(NS).toList()).containsExactly(raw("{_id: 1, v: 'old'}"));
        assertThat(head.scan(Namespace.parse("app.renamed")).toList()).hasSize(2);
      }
    }
  }

  @Test
  void equalIdsOfDifferentNumericTypesAreOneDocument() {
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
      head.insertDocuments(NS, List.of(raw("{_id: NumberInt(7), v: 1}"), raw("{_id: {k: 1.0}, v: 1}")));
      head.finishInitialSync(new BsonTimestamp(1, 1));
      try (HeadBatch b = head.newBatch()) {
        b.put(NS, raw("{_id: NumberLong(7), v: 2}"));
        assertThat(b.delete(NS, BsonDocument.parse("{k: NumberInt(1)}"))).isTrue();
        b.commit(OplogPosition.of(new BsonTimestamp(2, 1)));
      }
      assertThat(head.get(NS, BsonDocument.parse("{x: 7.0}").get("x")).orElseThrow())
          .isEqualTo(raw("{_id: NumberLong(7), v: 2}"));
      assertThat(head.count(NS)).isEqualTo(1);
    }
  }

  @Test
  void initialSyncCallsNeedTheInitialSyncState() {
    try (RocksHead head = RocksHead.open(dir)) {
      assertThatThrownBy(() -> head.insertDocuments(NS, List.of(raw("{_id: 1}"))))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("INITIAL_SYNC");
    }
  }

  @Test
  void manyCollectionsAndDocumentsKeepSeparateKeyRanges() {
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
      for (String c : List.of("a", "a.b", "b", "ab")) {
        Namespace ns = new Namespace("db", c);
        head.insertDocuments(ns, IntStream.range(0, 100)
            .mapToObj(i -> new RawBsonDocument(new BsonDocument("_id", new BsonInt64(i))
                .append("c", new BsonString(c)), new org.bson.codecs.BsonDocumentCodec())).toList());
      }
      head.finishInitialSync(new BsonTimestamp(1, 1));
      try (HeadBatch b = head.newBatch()) {
        b.dropCollection(new Namespace("db", "a"));
        b.commit(OplogPosition.of(new BsonTimestamp(2, 1)));
      }
      assertThat(head.namespaces()).extracting(Namespace::collection).containsExactly("a.b", "ab", "b");
      for (Namespace ns : head.namespaces()) {
        assertThat(head.scan(ns).toList()).hasSize(100)
            .allSatisfy(d -> assertThat(d.getString("c").getValue()).isEqualTo(ns.collection()));
      }
    }
  }
}
