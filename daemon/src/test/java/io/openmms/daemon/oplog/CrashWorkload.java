package io.openmms.daemon.oplog;

import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * A deterministic oplog: batch {@code n} holds entries at Timestamp(1001 + n, i) — inserts,
 * $v:2 and $set updates, deletes, an index now and then, and a transaction whose partial entry
 * sits in one batch and whose commit is in the next. Run as a program, it applies batches to the
 * head in {@code args[0]} forever, printing {@code applied <seconds>} after each commit.
 */
final class CrashWorkload {
  static final int FIRST_TS = 1001;

  private CrashWorkload() {}

  static List<BsonDocument> batch(int n) {
    List<String> e = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int id = n * 20 + i;
      e.add("{op: 'i', ns: 'crash.c', o: {_id: " + id + ", n: " + n + ", pad: '" + "x".repeat(100 + i) + "'}}");
    }
    if (n > 0) {
      e.add("{op: 'u', ns: 'crash.c', o: {$v: 2, diff: {u: {n: -" + n + "}, i: {touched: true}}}, o2: {_id: " + ((n - 1) * 20 + 3) + "}}");
      e.add("{op: 'u', ns: 'crash.c', o: {$v: 1, $set: {'sub.x': " + n + "}}, o2: {_id: " + ((n - 1) * 20 + 4) + "}}");
      e.add("{op: 'd', ns: 'crash.c', o: {_id: " + ((n - 1) * 20 + 5) + "}}");
    }
    if (n % 10 == 0) {
      e.add("{op: 'c', ns: 'crash.$cmd', o: {createIndexes: 'c', v: 2, key: {n" + n + ": 1}, name: 'n" + n + "_1'}}");
    }
    int ts = FIRST_TS + n;
    if (n % 5 == 1) { // commit of the transaction whose partial entry is in the previous batch
      e.add("{op: 'c', ns: 'admin.$cmd', o: {applyOps: [{op: 'i', ns: 'crash.txn', o: {_id: " + n + ", part: 2}}]},"
          + " prevOpTime: {ts: Timestamp(" + (ts - 1) + ", 99), t: NumberLong(1)}}");
    }
    List<BsonDocument> out = new ArrayList<>();
    for (int i = 0; i < e.size(); i++) {
      out.add(BsonDocument.parse(e.get(i).replaceFirst("\\}$",
          ", ts: Timestamp(" + ts + ", " + (i + 1) + "), t: NumberLong(1)}")));
    }
    if (n % 5 == 0) { // a partial transaction entry, last in its batch
      out.add(BsonDocument.parse("{op: 'c', ns: 'admin.$cmd', o: {applyOps: [{op: 'i', ns: 'crash.txn', o: {_id: " + (n + 1)
          + ", part: 1}}], partialTxn: true}, prevOpTime: {ts: Timestamp(0, 0), t: NumberLong(-1)},"
          + " ts: Timestamp(" + ts + ", 99), t: NumberLong(1)}"));
    }
    return out;
  }

  public static void main(String[] args) {
    try (RocksHead head = RocksHead.open(Path.of(args[0]))) {
      if (head.position().isEmpty()) {
        head.beginInitialSync();
        head.finishInitialSync(new BsonTimestamp(FIRST_TS - 1, 0));
      }
      OplogApplier applier = new OplogApplier(head);
      for (int n = head.position().orElseThrow().ts().getTime() - FIRST_TS + 1; ; n++) {
        ApplyResult r = applier.apply(batch(n));
        System.out.println("applied " + r.position().ts().getTime());
        System.out.flush();
      }
    }
  }
}
