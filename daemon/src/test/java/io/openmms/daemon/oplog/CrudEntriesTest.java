package io.openmms.daemon.oplog;

import static io.openmms.daemon.oplog.Heads.batch;
import static io.openmms.daemon.oplog.Heads.doc;
import static io.openmms.daemon.oplog.Heads.docs;
import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CRUD entries shaped as MongoDB writes them (https://www.mongodb.com/docs/manual/core/replica-set-oplog/;
 * $v:2 diffs as in src/mongo/db/update/document_diff_serialization.h and document_diff_applier.cpp).
 */
class CrudEntriesTest {
  static final String UI = "UUID(\"0b4f6a2c-9c1e-4a8e-9d5e-3f1a2b3c4d5e\")";
  static final Namespace NS = Namespace.parse("shop.orders");

  @TempDir Path dir;
  RocksHead head;
  OplogApplier applier;

  @BeforeEach
  void open() {
    head = Heads.steady(dir);
    applier = new OplogApplier(head);
  }

  @AfterEach
  void close() {
    head.close();
  }

  private void seed(String document) {
    applier.apply(batch("{op: 'i', ns: 'shop.orders', ui: " + UI + ", o: " + document
        + ", ts: Timestamp(101, 1), t: NumberLong(1), v: NumberLong(2), wall: ISODate('2026-11-01T00:00:00Z')}"));
  }

  @Test
  void insertCreatesTheCollectionWithItsUuidAndRecordsTheFullPosition() {
    ApplyResult r = applier.apply(batch(
        "{op: 'i', ns: 'shop.orders', ui: " + UI + ", o: {_id: ObjectId('64b7f0a1c2d3e4f5a6b7c8d9'), item: 'abc', qty: 2},"
            + " ts: Timestamp(101, 1), t: NumberLong(3), v: NumberLong(2), wall: ISODate('2026-11-01T10:00:00Z')}",
        // 4.4+ shard-key carrying inserts: o2 holds _id and the shard key
        "{op: 'i', ns: 'shop.orders', ui: " + UI + ", o: {_id: 2, sk: 'x'}, o2: {sk: 'x', _id: 2},"
            + " ts: Timestamp(101, 2), t: NumberLong(3), v: NumberLong(2), wall: ISODate('2026-11-01T10:00:01Z')}"));

    assertThat(r.applied()).isEqualTo(2);
    assertThat(head.position().orElseThrow()).isEqualTo(new io.openmms.daemon.head.OplogPosition(
        new BsonTimestamp(101, 2), 3, Instant.parse("2026-11-01T10:00:01Z")));
    assertThat(head.collection(NS).orElseThrow().uuid())
        .contains(UUID.fromString("0b4f6a2c-9c1e-4a8e-9d5e-3f1a2b3c4d5e"));
    assertThat(docs(head, "shop.orders")).containsExactly(
        doc("{_id: 2, sk: 'x'}"), doc("{_id: ObjectId('64b7f0a1c2d3e4f5a6b7c8d9'), item: 'abc', qty: 2}"));
    assertThat(head.count(NS)).isEqualTo(2);
  }

  @Test
  void setUnsetWithVersion1AndWithoutVersion() {
    seed("{_id: 1, a: {b: 1, keep: true}, arr: [1, 2], old: 'x', z: 0}");
    applier.apply(batch(
        "{op: 'u', ns: 'shop.orders', ui: " + UI + ", o: {$v: 1, $set: {'a.b': 2, 'arr.3': 'x', 'new.deep': 1, m: 5}, $unset: {old: true}},"
            + " o2: {_id: 1}, ts: Timestamp(102, 1), t: NumberLong(1)}",
        "{op: 'u', ns: 'shop.orders', o: {$unset: {'arr.0': true}, $set: {z: 9}}, o2: {_id: 1}, ts: Timestamp(102, 2), t: NumberLong(1)}"));

    // existing fields keep their place; new ones follow in field-name order; $unset of an
    // array element leaves null; setting past an array's end pads with null
    assertThat(docs(head, "shop.orders")).containsExactly(doc(
        "{_id: 1, a: {b: 2, keep: true}, arr: [null, 2, null, 'x'], z: 9, m: 5, new: {deep: 1}}"));
  }

  @Test
  void v2DiffWithUpdatesInsertsDeletesAndNestedSubDocumentAndArrayDiffs() {
    seed("{_id: 1, a: 1, gone: true, moved: 0, sub: {x: 1, nest: {y: 1}}, arr: ['a', 'b', 'c'],"
        + " objs: [{k: 1}, {k: 2}], grow: [1]}");
    applier.apply(batch("{op: 'u', ns: 'shop.orders', ui: " + UI + ", o: {$v: 2, diff: {"
        + "d: {gone: false}, u: {a: 2, added: 'u'}, i: {moved: 1, fresh: 'i'},"
        + " ssub: {u: {x: 2}, snest: {i: {z: true}}},"
        + " sarr: {a: true, l: 2, u1: 'B'},"
        + " sobjs: {a: true, s1: {u: {k: 20}}},"
        + " sgrow: {a: true, u3: 4}}},"
        + " o2: {_id: 1}, ts: Timestamp(102, 1), t: NumberLong(1)}"));

    assertThat(docs(head, "shop.orders")).containsExactly(doc(
        "{_id: 1, a: 2, sub: {x: 2, nest: {y: 1, z: true}}, arr: ['a', 'B'], objs: [{k: 1}, {k: 20}],"
            + " grow: [1, null, null, 4], added: 'u', moved: 1, fresh: 'i'}"));
  }

  @Test
  void v2DiffOnAFieldOfAnotherTypeSetsNullAsMongoDbDoes() {
    seed("{_id: 1, sub: 5, arr: 'not an array'}");
    applier.apply(batch("{op: 'u', ns: 'shop.orders', o: {$v: 2, diff: {ssub: {u: {x: 1}}, sarr: {a: true, u0: 1}, smissing: {u: {q: 1}}}},"
        + " o2: {_id: 1}, ts: Timestamp(102, 1)}"));
    assertThat(docs(head, "shop.orders")).containsExactly(doc("{_id: 1, sub: null, arr: null}"));
  }

  @Test
  void replacementWithAndWithoutIdInO() {
    seed("{_id: 1, a: 1, b: 2}");
    applier.apply(batch(
        "{op: 'u', ns: 'shop.orders', ui: " + UI + ", o: {_id: 1, c: 3}, o2: {_id: 1}, ts: Timestamp(102, 1)}",
        "{op: 'u', ns: 'shop.orders', o: {d: 4}, o2: {_id: 7}, ts: Timestamp(102, 2)}"));
    assertThat(docs(head, "shop.orders")).containsExactly(doc("{_id: 1, c: 3}"), doc("{_id: 7, d: 4}"));
  }

  @Test
  void operatorUpdateOfAMissingDocumentIsSkippedAndCounted() {
    seed("{_id: 1}");
    ApplyResult r = applier.apply(batch(
        "{op: 'u', ns: 'shop.orders', o: {$v: 2, diff: {u: {a: 1}}}, o2: {_id: 404}, ts: Timestamp(102, 1)}"));
    assertThat(r.missingDocuments()).isEqualTo(1);
    assertThat(r.position().ts()).isEqualTo(new BsonTimestamp(102, 1));
    assertThat(docs(head, "shop.orders")).containsExactly(doc("{_id: 1}"));
  }

  @Test
  void deleteAndDeleteOfAMissingDocument() {
    seed("{_id: 1, a: 1}");
    applier.apply(batch(
        "{op: 'd', ns: 'shop.orders', ui: " + UI + ", o: {_id: 1}, ts: Timestamp(102, 1), t: NumberLong(1)}",
        "{op: 'd', ns: 'shop.orders', ui: " + UI + ", o: {_id: 2}, ts: Timestamp(102, 2), t: NumberLong(1)}"));
    assertThat(docs(head, "shop.orders")).isEmpty();
    assertThat(head.count(NS)).isZero();
    assertThat(head.dataSize(NS)).isZero();
  }

  @Test
  void noOpOnlyMovesThePosition() {
    seed("{_id: 1}");
    var before = Heads.content(head);
    ApplyResult r = applier.apply(batch(
        "{op: 'n', ns: '', o: {msg: 'periodic noop'}, ts: Timestamp(200, 1), t: NumberLong(1), wall: ISODate('2026-11-01T11:00:00Z')}"));
    assertThat(r.applied()).isEqualTo(1);
    assertThat(head.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(200, 1));
    assertThat(Heads.content(head)).isEqualTo(before);
  }

  @Test
  void countsAndSizesFollowEveryChange() {
    seed("{_id: 1, a: 'x'}");
    applier.apply(batch(
        "{op: 'i', ns: 'shop.orders', o: {_id: 2, a: 'yy'}, ts: Timestamp(102, 1)}",
        "{op: 'u', ns: 'shop.orders', o: {$v: 2, diff: {u: {a: 'a much longer value'}}}, o2: {_id: 1}, ts: Timestamp(102, 2)}",
        "{op: 'i', ns: 'shop.orders', o: {_id: 3}, ts: Timestamp(102, 3)}",
        "{op: 'd', ns: 'shop.orders', o: {_id: 3}, ts: Timestamp(102, 4)}"));
    var all = head.scan(NS).toList();
    assertThat(head.count(NS)).isEqualTo(all.size()).isEqualTo(2);
    assertThat(head.dataSize(NS)).isEqualTo(all.stream().mapToLong(d -> d.getByteBuffer().remaining()).sum());
    assertThat(head.get(NS, new BsonInt32(1)).orElseThrow().getString("a").getValue()).isEqualTo("a much longer value");
  }
}
