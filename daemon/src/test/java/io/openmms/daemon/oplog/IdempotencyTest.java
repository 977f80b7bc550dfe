package io.openmms.daemon.oplog;

import static io.openmms.daemon.oplog.Heads.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Applying entries again (a resent batch, an overlapping batch) changes nothing. */
class IdempotencyTest {
  @TempDir Path dir;

  static List<BsonDocument> workload() {
    return batch(
        "{op: 'c', ns: 'app.$cmd', o: {create: 'c'}, ts: Timestamp(101, 1)}",
        "{op: 'i', ns: 'app.c', o: {_id: 1, n: 1, arr: [1, 2, 3]}, ts: Timestamp(101, 2)}",
        "{op: 'i', ns: 'app.c', o: {_id: 2, n: 1}, ts: Timestamp(101, 3)}",
        "{op: 'u', ns: 'app.c', o: {$v: 2, diff: {u: {n: 2}, sarr: {a: true, l: 2}}}, o2: {_id: 1}, ts: Timestamp(101, 4)}",
        "{op: 'u', ns: 'app.c', o: {$v: 1, $set: {m: 1}}, o2: {_id: 2}, ts: Timestamp(101, 5)}",
        "{op: 'd', ns: 'app.c', o: {_id: 2}, ts: Timestamp(101, 6)}",
        "{op: 'c', ns: 'app.$cmd', o: {createIndexes: 'c', v: 2, key: {n: 1}, name: 'n_1'}, ts: Timestamp(101, 7)}",
        "{op: 'c', ns: 'admin.$cmd', o: {renameCollection: 'app.c', to: 'app.d', dropTarget: false}, ts: Timestamp(101, 8)}",
        "{op: 'i', ns: 'app.c', o: {_id: 3}, ts: Timestamp(101, 9)}");
  }

  @Test
  void sameBatchTwiceGivesTheSameState() {
    try (RocksHead head = Heads.steady(dir)) {
      OplogApplier applier = new OplogApplier(head);
      ApplyResult first = applier.apply(workload());
      var once = Heads.content(head);
      ApplyResult again = applier.apply(workload());

      assertThat(first.applied()).isEqualTo(9);
      assertThat(again.applied()).isZero();
      assertThat(again.skipped()).isEqualTo(9);
      assertThat(Heads.content(head)).isEqualTo(once);
      assertThat(once).containsKeys("app.c docs", "app.d docs");
    }
  }

  @Test
  void overlappingBatchesApplyOnlyTheNewEntries() {
    List<BsonDocument> all = workload();
    try (RocksHead whole = Heads.steady(dir.resolve("whole"));
        RocksHead split = Heads.steady(dir.resolve("split"))) {
      new OplogApplier(whole).apply(all);

      OplogApplier applier = new OplogApplier(split);
      applier.apply(all.subList(0, 5));
      ApplyResult overlap = applier.apply(new ArrayList<>(all.subList(2, 9)));

      assertThat(overlap.skipped()).isEqualTo(3);
      assertThat(overlap.applied()).isEqualTo(4);
      assertThat(Heads.content(split)).isEqualTo(Heads.content(whole));
      assertThat(split.position()).isEqualTo(whole.position());
    }
  }

  @Test
  void reapplyingAnUpdateOntoANewerDocumentConvergesOnceTheLaterEntriesApply() {
    // an initial sync copied the document after entries 4..6 happened; replaying from its start
    // must converge to the source's state
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
      head.insertDocuments(io.openmms.daemon.head.Namespace.parse("app.c"),
          List.of(org.bson.RawBsonDocument.parse("{_id: 1, n: 'now a string', arr: 'scalar'}")));
      head.finishInitialSync(new org.bson.BsonTimestamp(101, 3));
      new OplogApplier(head).apply(batch(
          "{op: 'u', ns: 'app.c', o: {$v: 2, diff: {sarr: {a: true, u5: 1}}}, o2: {_id: 1}, ts: Timestamp(101, 4)}",
          "{op: 'u', ns: 'app.c', o: {$v: 2, diff: {u: {arr: 'scalar'}}}, o2: {_id: 1}, ts: Timestamp(101, 5)}"));
      assertThat(Heads.docs(head, "app.c")).containsExactly(Heads.doc("{_id: 1, n: 'now a string', arr: 'scalar'}"));
    }
  }
}
