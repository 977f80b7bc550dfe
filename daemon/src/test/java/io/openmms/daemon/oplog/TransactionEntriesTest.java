package io.openmms.daemon.oplog;

import static io.openmms.daemon.oplog.Heads.batch;
import static io.openmms.daemon.oplog.Heads.doc;
import static io.openmms.daemon.oplog.Heads.docs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions in the oplog (https://github.com/mongodb/mongo/blob/master/src/mongo/db/repl/README.md,
 * "Transaction Oplog Application"): applyOps entries with {@code o.partialTxn: true} chained by
 * {@code prevOpTime}, committed by an applyOps without partialTxn; prepared transactions
 * ({@code o.prepare: true}) committed by {@code commitTransaction} or ended by {@code abortTransaction}.
 */
class TransactionEntriesTest {
  static final String LSID = "lsid: {id: UUID(\"7d1c2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5\"), uid: BinData(0, 'Y5mrDaxi8gv8RmdTsQ+1j7fmkr7JUsabhNmXAheU0fg=')}";

  @TempDir Path dir;

  private static String part(int ts, Integer prevTs, String ops, String flags) {
    String prev = prevTs == null ? "Timestamp(0, 0), t: NumberLong(-1)" : "Timestamp(" + prevTs + ", 1), t: NumberLong(1)";
    return "{op: 'c', ns: 'admin.$cmd', o: {applyOps: [" + ops + "]" + flags + "}, " + LSID
        + ", txnNumber: NumberLong(5), stmtId: [0], prevOpTime: {ts: " + prev + "},"
        + " ts: Timestamp(" + ts + ", 1), t: NumberLong(1), v: NumberLong(2), wall: ISODate('2026-11-01T00:00:00Z')}";
  }

  private static String insert(int id) {
    return "{op: 'i', ns: 'bank.accounts', ui: UUID(\"0b4f6a2c-9c1e-4a8e-9d5e-3f1a2b3c4d5e\"), o: {_id: " + id + ", balance: 10}}";
  }

  @Test
  void partialChainIsAppliedOnlyAtItsCommitEvenAcrossBatchesAndReopens() {
    Path path = dir.resolve("h");
    try (RocksHead head = Heads.steady(path)) {
      OplogApplier applier = new OplogApplier(head);
      applier.apply(batch(part(101, null, insert(1) + "," + insert(2), ", partialTxn: true"),
          "{op: 'i', ns: 'bank.log', o: {_id: 'outside'}, ts: Timestamp(101, 2), t: NumberLong(1)}"));
      applier.apply(batch(part(102, 101, insert(3), ", partialTxn: true")));
      assertThat(docs(head, "bank.accounts")).as("nothing before the commit").isEmpty();
      assertThat(docs(head, "bank.log")).hasSize(1);
      assertThat(head.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(102, 1));
    }
    try (RocksHead head = RocksHead.open(path)) { // the stashed parts survive a restart
      ApplyResult r = new OplogApplier(head).apply(batch(part(103, 102,
          "{op: 'u', ns: 'bank.accounts', o: {$v: 2, diff: {u: {balance: 0}}}, o2: {_id: 1}}", ", count: NumberLong(4)")));
      assertThat(r.applied()).isEqualTo(1);
      assertThat(docs(head, "bank.accounts")).containsExactly(
          doc("{_id: 1, balance: 0}"), doc("{_id: 2, balance: 10}"), doc("{_id: 3, balance: 10}"));
    }
  }

  @Test
  void singleEntryTransactionAppliesAtOnce() {
    try (RocksHead head = Heads.steady(dir)) {
      new OplogApplier(head).apply(batch(part(101, null, insert(1) + "," + insert(2), "")));
      assertThat(docs(head, "bank.accounts")).hasSize(2);
    }
  }

  @Test
  void preparedTransactionWaitsForCommitTransaction() {
    try (RocksHead head = Heads.steady(dir)) {
      OplogApplier applier = new OplogApplier(head);
      applier.apply(batch(part(101, null, insert(1), ", partialTxn: true"),
          part(102, 101, insert(2), ", prepare: true")));
      assertThat(docs(head, "bank.accounts")).isEmpty();
      applier.apply(batch("{op: 'c', ns: 'admin.$cmd', o: {commitTransaction: 1, commitTimestamp: Timestamp(102, 5)}, "
          + LSID + ", txnNumber: NumberLong(5), prevOpTime: {ts: Timestamp(102, 1), t: NumberLong(1)},"
          + " ts: Timestamp(103, 1), t: NumberLong(1)}"));
      assertThat(docs(head, "bank.accounts")).hasSize(2);
    }
  }

  @Test
  void abortedAndNeverCommittedChainsLeaveNothing() {
    try (RocksHead head = Heads.steady(dir)) {
      OplogApplier applier = new OplogApplier(head);
      applier.apply(batch(part(101, null, insert(1), ", prepare: true"),
          "{op: 'c', ns: 'admin.$cmd', o: {abortTransaction: 1}, " + LSID + ", txnNumber: NumberLong(5),"
              + " prevOpTime: {ts: Timestamp(101, 1), t: NumberLong(1)}, ts: Timestamp(102, 1), t: NumberLong(1)}",
          part(103, null, insert(7), ", partialTxn: true"),
          part(104, 103, insert(8), ", partialTxn: true"),
          "{op: 'n', ns: '', o: {msg: 'periodic noop'}, ts: Timestamp(105, 1), t: NumberLong(1)}"));

      assertThat(head.collection(Namespace.parse("bank.accounts"))).isEmpty();
      assertThat(head.position().orElseThrow().ts()).isEqualTo(new BsonTimestamp(105, 1));
      // the aborted transaction's parts are gone: a commit pointing at them is refused
      assertThatThrownBy(() -> applier.apply(batch(part(106, 101, insert(9), ""))))
          .isInstanceOf(MalformedOplogEntryException.class)
          .hasMessageContaining("Timestamp(101, 1)").hasMessageContaining("never received");
    }
  }

  @Test
  void previousTransactionPartFollowsOnlyTransactionEntries() {
    assertThat(OplogApplier.previousTransactionPart(doc(part(102, 101, insert(2), ""))))
        .isEqualTo(new BsonTimestamp(101, 1));
    assertThat(OplogApplier.previousTransactionPart(doc(part(101, null, insert(1),
        ", partialTxn: true")))).as("the first part of a chain").isNull();
    assertThat(OplogApplier.previousTransactionPart(doc("{op: 'c', ns: 'admin.$cmd',"
        + " o: {commitTransaction: 1}, prevOpTime: {ts: Timestamp(102, 1), t: NumberLong(1)},"
        + " ts: Timestamp(103, 1)}"))).isEqualTo(new BsonTimestamp(102, 1));
    // a retryable write links its statements by prevOpTime too; not a transaction
    assertThat(OplogApplier.previousTransactionPart(doc("{op: 'i', ns: 'bank.accounts',"
        + " o: {_id: 1}, " + LSID + ", txnNumber: NumberLong(3), stmtId: 1,"
        + " prevOpTime: {ts: Timestamp(101, 1), t: NumberLong(1)}, ts: Timestamp(101, 2)}")))
        .isNull();
  }
}
