package io.openmms.daemon.oplog;

import static io.openmms.daemon.oplog.Heads.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import java.util.Map;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries MongoDB never writes are refused, and nothing of their batch is applied. */
class RejectionTest {
  static final String GOOD = "{op: 'i', ns: 'app.c', o: {_id: 2, fine: true}, ts: Timestamp(102, 1), t: NumberLong(1)}";

  @TempDir Path dir;
  RocksHead head;
  OplogApplier applier;
  Map<String, Object> before;

  @BeforeEach
  void open() {
    head = Heads.steady(dir);
    applier = new OplogApplier(head);
    applier.apply(batch("{op: 'i', ns: 'app.c', o: {_id: 1, n: 1, list: []}, ts: Timestamp(101, 1), t: NumberLong(1)}"));
    before = Heads.content(head);
  }

  @AfterEach
  void close() {
    head.close();
  }

  private void assertNothingApplied() {
    assertThat(Heads.content(head)).isEqualTo(before);
    assertThat(head.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(101, 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{$inc: {n: 1}}", "{$push: {list: 1}}", "{$v: 1, $set: {a: 1}, $inc: {n: 1}}",
      "{$addToSet: {list: 1}}", "{$v: 2, diff: {u: {n: 2}}, $inc: {n: 1}}"})
  void clientUpdateOperatorsAreRefusedNamingNsTsAndOperator(String o) {
    String bad = "{op: 'u', ns: 'app.c', o: " + o + ", o2: {_id: 1}, ts: Timestamp(102, 2), t: NumberLong(1)}";
    String operator = o.replaceAll(".*(\\$(inc|push|addToSet)).*", "$1");

    assertThatThrownBy(() -> applier.apply(batch(GOOD, bad)))
        .isInstanceOfSatisfying(ForbiddenOperatorException.class, ex -> {
          assertThat(ex.operator()).isEqualTo(operator);
          assertThat(ex.ns()).isEqualTo("app.c");
          assertThat(ex.ts()).isEqualTo(new BsonTimestamp(102, 2));
        })
        .hasMessageContaining("ts=Timestamp(102, 2)").hasMessageContaining("ns=app.c").hasMessageContaining(operator);
    assertNothingApplied();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{op: 'x', ns: 'app.c', o: {_id: 3}, ts: Timestamp(102, 2)}",
      "{op: 'u', ns: 'app.c', o: {$set: {a: 1}}, ts: Timestamp(102, 2)}",
      "{op: 'i', ns: 'app.c', o: {noId: true}, ts: Timestamp(102, 2)}",
      "{op: 'i', ns: 'app.c', o: 'not a document', ts: Timestamp(102, 2)}",
      "{op: 'd', ns: 'app.c', ts: Timestamp(102, 2)}",
      "{op: 'c', ns: 'app.$cmd', o: {shardCollection: 'app.c'}, ts: Timestamp(102, 2)}",
      "{op: 'c', ns: 'app.$cmd', o: {createIndexes: 'c', key: {a: 1}}, ts: Timestamp(102, 2)}",
      "{op: 'u', ns: 'app.c', o: {$v: 2, diff: {x: {a: 1}}}, o2: {_id: 1}, ts: Timestamp(102, 2)}",
      "{op: 'u', ns: 'app.c', o: {$v: 2, diff: {slist: {a: true, uX: 1}}}, o2: {_id: 1}, ts: Timestamp(102, 2)}",
      "{op: 'u', ns: 'app.c', o: {$v: 3, diff: {}}, o2: {_id: 1}, ts: Timestamp(102, 2)}",
      "{op: 'u', ns: 'app.c', o: {$set: {a: 1}, b: 2}, o2: {_id: 1}, ts: Timestamp(102, 2)}",
      "{op: 'i', ns: 'nodot', o: {_id: 1}, ts: Timestamp(102, 2)}",
      "{op: 'c', ns: 'admin.$cmd', o: {applyOps: [{op: 'q', ns: 'app.c', o: {_id: 5}}]}, ts: Timestamp(102, 2)}"})
  void malformedEntriesAreRefusedNamingTsAndNothingIsApplied(String bad) {
    assertThatThrownBy(() -> applier.apply(batch(GOOD, bad)))
        .isInstanceOf(MalformedOplogEntryException.class)
        .hasMessageContaining("ts=Timestamp(102, 2)")
        .satisfies(ex -> assertThat(((OplogApplyException) ex).ts()).isEqualTo(new BsonTimestamp(102, 2)));
    assertNothingApplied();
  }

  @Test
  void entryWithoutTsIsRefusedNamingItsNs() {
    assertThatThrownBy(() -> applier.apply(batch(GOOD, "{op: 'i', ns: 'app.c', o: {_id: 3}}")))
        .isInstanceOf(MalformedOplogEntryException.class)
        .hasMessageContaining("ns=app.c").hasMessageContaining("'ts'");
    assertNothingApplied();
  }

  @Test
  void headNotSteadyIsRefused() {
    head.setState(io.openmms.daemon.head.HeadState.RESYNC_REQUIRED);
    assertThatThrownBy(() -> applier.apply(batch(GOOD))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("RESYNC_REQUIRED");
  }
}
