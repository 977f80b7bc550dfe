package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.daemon.restore.dump.ArchiveDump;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time restores around transactions that span several oplog entries
 * (https://github.com/mongodb/mongo/blob/master/src/mongo/db/repl/README.md, "Transaction Oplog
 * Application"): a large transaction is a chain of {@code applyOps} entries with
 * {@code partialTxn: true} linked by {@code prevOpTime} and committed by a last {@code applyOps}
 * without it; a prepared transaction ends with {@code prepare: true} and is committed (or
 * aborted) by a later {@code commitTransaction} ({@code abortTransaction}) entry, with other
 * writes in between. Whatever the target — just before a chain, between two of its parts, at its
 * commit — the restored documents hold all of the transaction or none of it, and everything
 * else up to the target.
 */
class RestoreTransactionChainTest {
  private static final String LSID = "lsid: {id: UUID(\"7d1c2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5\"),"
      + " uid: BinData(0, 'Y5mrDaxi8gv8RmdTsQ+1j7fmkr7JUsabhNmXAheU0fg=')}";

  @TempDir Path dir;

  @Test
  void aTransactionSplitOverSeveralEntriesIsRestoredWholeOrNotAtAll() throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 50)) {
      f.startDaemon(Map.of());
      // the chain spans two stored batches: its first two parts, then its last part and commit
      f.agent.oplogEntries(List.of(
          entry(120, 1, "{op: 'i', ns: 'shop.orders', o: {_id: 2000, sku: 'before'}}"),
          part(121, 1, null, txnInsert(3000) + "," + txnInsert(3001) + ","
              + "{op: 'u', ns: 'shop.orders', o2: {_id: 3}, o: {$v: 2, diff: {u: {qty: 77}}}}",
              ", partialTxn: true"),
          part(121, 2, ts(121, 1), "{op: 'd', ns: 'crm.people', o: {_id: 'ann'}},"
              + txnInsert(3002), ", partialTxn: true")));
      f.agent.oplogEntries(List.of(
          part(121, 3, ts(121, 2), txnInsert(3003), ", partialTxn: true"),
          part(121, 4, ts(121, 3), "{op: 'u', ns: 'shop.orders', o2: {_id: 3000},"
              + " o: {$v: 2, diff: {u: {qty: 5}}}}", ", count: NumberLong(7)"),
          entry(122, 1, "{op: 'i', ns: 'shop.orders', o: {_id: 2001, sku: 'after'}}")));
      awaitApplied(f, 122, 1);

      UnaryOperator<Expected> before = e -> e.insert("shop.orders", "{_id: 2000, sku: 'before'}");
      UnaryOperator<Expected> txn = e -> e.insert("shop.orders", txnDoc(3000, 5))
          .insert("shop.orders", txnDoc(3001, 1)).insert("shop.orders", txnDoc(3002, 1))
          .insert("shop.orders", txnDoc(3003, 1)).set("shop.orders", 3, "qty", 77)
          .delete("crm.people", new BsonString("ann"));
      UnaryOperator<Expected> after = e -> e.insert("shop.orders", "{_id: 2001, sku: 'after'}");

      // just before the chain: none of it
      assertRestores(f, "\"oplogTs\": 120, \"oplogInc\": 1", new BsonTimestamp(120, 1),
          new Expected(f).then(before));
      // between its parts, within a stored batch and at the end of one: none of it
      for (int inc = 1; inc <= 3; inc++) {
        assertRestores(f, "\"oplogTs\": 121, \"oplogInc\": " + inc, new BsonTimestamp(121, inc),
            new Expected(f).then(before));
      }
      assertRestores(f, "\"pointInTimeUTCMillis\": " + wall(121, 3), new BsonTimestamp(121, 3),
          new Expected(f).then(before));
      // at its commit: all of it
      assertRestores(f, "\"oplogTs\": 121, \"oplogInc\": 4", new BsonTimestamp(121, 4),
          new Expected(f).then(before).then(txn));
      assertRestores(f, "\"pointInTimeUTCMillis\": " + wall(121, 4), new BsonTimestamp(121, 4),
          new Expected(f).then(before).then(txn));
      assertRestores(f, "\"oplogTs\": 122, \"oplogInc\": 1", new BsonTimestamp(122, 1),
          new Expected(f).then(before).then(txn).then(after));
    }
  }

  @Test
  void aPreparedTransactionIsRestoredFromItsCommitTransactionOnAndAnAbortedOneNever()
      throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 50)) {
      f.startDaemon(Map.of());
      f.agent.oplogEntries(List.of(
          part(130, 1, null, txnInsert(4000) + ",{op: 'u', ns: 'shop.orders', o2: {_id: 4},"
              + " o: {$v: 2, diff: {u: {qty: 88}}}}", ", prepare: true"),
          entry(130, 2, "{op: 'i', ns: 'shop.orders', o: {_id: 2002, sku: 'meanwhile'}}")));
      f.agent.oplogEntries(List.of(
          commit(131, 1, "commitTransaction: 1, commitTimestamp: Timestamp(130, 9)", ts(130, 1)),
          // a large prepared transaction: a partial part, then the prepared part
          part(132, 1, null, txnInsert(4001), ", partialTxn: true"),
          part(132, 2, ts(132, 1), "{op: 'd', ns: 'crm.people', o: {_id: 'bob'}}",
              ", prepare: true"),
          commit(133, 1, "commitTransaction: 1, commitTimestamp: Timestamp(132, 9)", ts(132, 2)),
          // prepared, then aborted
          part(134, 1, null, txnInsert(5000), ", prepare: true"),
          commit(134, 2, "abortTransaction: 1", ts(134, 1)),
          entry(135, 1, "{op: 'i', ns: 'shop.orders', o: {_id: 2003, sku: 'last'}}")));
      awaitApplied(f, 135, 1);

      UnaryOperator<Expected> first = e -> e.insert("shop.orders", txnDoc(4000, 1))
          .set("shop.orders", 4, "qty", 88);
      UnaryOperator<Expected> meanwhile = e -> e.insert("shop.orders",
          "{_id: 2002, sku: 'meanwhile'}");
      UnaryOperator<Expected> large = e -> e.insert("shop.orders", txnDoc(4001, 1))
          .delete("crm.people", new BsonString("bob"));

      // at the prepare, and after a write between prepare and commit: not yet
      assertRestores(f, "\"oplogTs\": 130, \"oplogInc\": 1", new BsonTimestamp(130, 1),
          new Expected(f));
      assertRestores(f, "\"oplogTs\": 130, \"oplogInc\": 2", new BsonTimestamp(130, 2),
          new Expected(f).then(meanwhile));
      // at commitTransaction: all of it
      assertRestores(f, "\"oplogTs\": 131, \"oplogInc\": 1", new BsonTimestamp(131, 1),
          new Expected(f).then(meanwhile).then(first));
      // a prepared chain: nothing at its parts, all at its commit
      assertRestores(f, "\"oplogTs\": 132, \"oplogInc\": 2", new BsonTimestamp(132, 2),
          new Expected(f).then(meanwhile).then(first));
      assertRestores(f, "\"oplogTs\": 133, \"oplogInc\": 1", new BsonTimestamp(133, 1),
          new Expected(f).then(meanwhile).then(first).then(large));
      // aborted: never
      for (int inc = 1; inc <= 2; inc++) {
        assertRestores(f, "\"oplogTs\": 134, \"oplogInc\": " + inc, new BsonTimestamp(134, inc),
            new Expected(f).then(meanwhile).then(first).then(large));
      }
      assertRestores(f, "\"oplogTs\": 135, \"oplogInc\": 1", new BsonTimestamp(135, 1),
          new Expected(f).then(meanwhile).then(first).then(large)
              .insert("shop.orders", "{_id: 2003, sku: 'last'}"));
    }
  }

  @Test
  void aSnapshotTakenInsideATransactionIsABaseForTargetsAfterItsCommit() throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 50)) {
      f.startDaemon(Map.of());
      f.agent.oplogEntries(List.of(
          entry(120, 1, "{op: 'i', ns: 'shop.orders', o: {_id: 2000, sku: 'before'}}"),
          part(121, 1, null, txnInsert(3000), ", partialTxn: true"),
          part(121, 2, ts(121, 1), txnInsert(3001), ", partialTxn: true")));
      // two parts stashed in the head, the commit not yet received
      String inChain = snapshotAt(f, 2, ts(121, 2));
      f.agent.oplogEntries(List.of(
          part(121, 3, ts(121, 2), txnInsert(3002), ", partialTxn: true"),
          part(121, 4, ts(121, 3), "{op: 'd', ns: 'crm.people', o: {_id: 'ann'}}",
              ", count: NumberLong(4)"),
          part(130, 1, null, txnInsert(4000), ", prepare: true"),
          entry(130, 2, "{op: 'i', ns: 'shop.orders', o: {_id: 2002, sku: 'meanwhile'}}")));
      String inPrepared = snapshotAt(f, 3, ts(130, 2)); // a prepared transaction not committed
      f.agent.oplogEntries(List.of(
          commit(131, 1, "commitTransaction: 1, commitTimestamp: Timestamp(130, 9)", ts(130, 1)),
          entry(132, 1, "{op: 'n', ns: '', o: {msg: 'periodic noop'}}")));

      UnaryOperator<Expected> before = e -> e.insert("shop.orders", "{_id: 2000, sku: 'before'}");
      UnaryOperator<Expected> chain = e -> e.insert("shop.orders", txnDoc(3000, 1))
          .insert("shop.orders", txnDoc(3001, 1)).insert("shop.orders", txnDoc(3002, 1))
          .delete("crm.people", new BsonString("ann"));
      UnaryOperator<Expected> meanwhile = e -> e.insert("shop.orders",
          "{_id: 2002, sku: 'meanwhile'}");
      UnaryOperator<Expected> prepared = e -> e.insert("shop.orders", txnDoc(4000, 1));

      // each restore starts from the snapshot taken inside the transaction it completes
      assertThat(assertRestores(f, "\"oplogTs\": 121, \"oplogInc\": 3", ts(121, 3),
          new Expected(f).then(before))).isEqualTo(inChain);
      assertThat(assertRestores(f, "\"oplogTs\": 121, \"oplogInc\": 4", ts(121, 4),
          new Expected(f).then(before).then(chain))).isEqualTo(inChain);
      assertThat(assertRestores(f, "\"oplogTs\": 130, \"oplogInc\": 2", ts(130, 2),
          new Expected(f).then(before).then(chain).then(meanwhile))).isEqualTo(inPrepared);
      assertThat(assertRestores(f, "\"oplogTs\": 131, \"oplogInc\": 1", ts(131, 1),
          new Expected(f).then(before).then(chain).then(meanwhile).then(prepared)))
          .isEqualTo(inPrepared);
      assertThat(assertRestores(f, "\"oplogTs\": 132, \"oplogInc\": 1", ts(132, 1),
          new Expected(f).then(before).then(chain).then(meanwhile).then(prepared)))
          .isEqualTo(inPrepared);
    }
  }

  /** Takes an on-demand snapshot once the head stands at {@code at}; it is the n-th. Its id. */
  private static String snapshotAt(RestoreFixture f, int n, BsonTimestamp at) throws Exception {
    awaitApplied(f, at.getTime(), at.getInc());
    assertThat(f.site.send("POST", f.snapshotsPath(), "{}").statusCode()).isEqualTo(202);
    JsonNode newest = await().atMost(Duration.ofSeconds(30)).until(() -> f.site.api(
        f.snapshotsPath()), l -> l.get("totalCount").asInt() == n).get("results").get(0);
    assertThat(newest.get("created").get("date").asText())
        .isEqualTo(java.time.Instant.ofEpochSecond(at.getTime()).toString());
    assertThat(newest.get("created").get("increment").asInt()).isEqualTo(at.getInc());
    return newest.get("id").asText();
  }

  // ---- oplog entries

  private static BsonTimestamp ts(int seconds, int inc) {
    return new BsonTimestamp(seconds, inc);
  }

  /** Wall times agree with the oplog timestamps, as on a real server. */
  private static long wall(int seconds, int inc) {
    return seconds * 1000L + inc;
  }

  private static BsonDocument entry(int seconds, int inc, String shell) {
    return BsonDocument.parse(shell).append("ts", new BsonTimestamp(seconds, inc))
        .append("t", new org.bson.BsonInt64(1))
        .append("wall", new BsonDateTime(wall(seconds, inc)));
  }

  /** A transaction's applyOps entry; {@code prev} null for the first of its chain. */
  private static BsonDocument part(int seconds, int inc, BsonTimestamp prev, String ops,
      String flags) {
    return entry(seconds, inc, "{op: 'c', ns: 'admin.$cmd', o: {applyOps: [" + ops + "]" + flags
        + "}, " + LSID + ", txnNumber: NumberLong(" + seconds + "), stmtId: [0], prevOpTime: "
        + prevOpTime(prev) + "}");
  }

  /** A commitTransaction or abortTransaction entry ending the chain at {@code prev}. */
  private static BsonDocument commit(int seconds, int inc, String command,
      BsonTimestamp prev) {
    return entry(seconds, inc, "{op: 'c', ns: 'admin.$cmd', o: {" + command + "}, " + LSID
        + ", txnNumber: NumberLong(" + prev.getTime() + "), prevOpTime: " + prevOpTime(prev)
        + "}");
  }

  private static String prevOpTime(BsonTimestamp prev) {
    return prev == null ? "{ts: Timestamp(0, 0), t: NumberLong(-1)}"
        : "{ts: Timestamp(" + prev.getTime() + ", " + prev.getInc() + "), t: NumberLong(1)}";
  }

  private static String txnInsert(int id) {
    return "{op: 'i', ns: 'shop.orders', o: " + txnDoc(id, 1) + "}";
  }

  private static String txnDoc(int id, int qty) {
    return "{_id: " + id + ", sku: 'txn-" + id + "', qty: " + qty + "}";
  }

  private static void awaitApplied(RestoreFixture f, int seconds, int inc) {
    await().atMost(Duration.ofSeconds(30)).until(() -> f.site.headStatus(f.agent.backupId)
        .path("lastAppliedTs"), t -> t.path("time").asInt() == seconds
            && t.path("inc").asInt() == inc);
  }

  // ---- restores and what they must hold

  /** The source as synced plus the changes a target includes, per namespace by _id. */
  private static final class Expected {
    final Map<String, Map<BsonValue, BsonDocument>> docs = new TreeMap<>();

    Expected(RestoreFixture f) {
      f.source.forEach((ns, byId) -> {
        Map<BsonValue, BsonDocument> copy = new LinkedHashMap<>();
        byId.forEach((id, d) -> copy.put(id, d.clone()));
        docs.put(ns, copy);
      });
    }

    Expected then(UnaryOperator<Expected> change) {
      return change.apply(this);
    }

    Expected insert(String ns, String json) {
      BsonDocument d = BsonDocument.parse(json);
      docs.computeIfAbsent(ns, k -> new LinkedHashMap<>()).put(d.get("_id"), d);
      return this;
    }

    Expected set(String ns, int id, String field, int value) {
      docs.get(ns).get(new BsonInt32(id)).put(field, new BsonInt32(value));
      return this;
    }

    Expected delete(String ns, BsonValue id) {
      docs.get(ns).remove(id);
      return this;
    }
  }

  /**
   * Restores to {@code point} as a download and asserts the job stood at {@code restoredTs} and
   * the file holds exactly the expected documents.
   */
  /** Restores {@code point} and checks it holds {@code expected}; returns its base snapshot. */
  private static String assertRestores(RestoreFixture f, String point, BsonTimestamp restoredTs,
      Expected expected) throws Exception {
    JsonNode job = f.restore("{" + point + ", \"delivery\": {\"methodName\": \"HTTP\","
        + " \"format\": \"ARCHIVE\"}}");
    JsonNode end = f.awaitEnd(job.get("id").asText());
    assertThat(end.get("statusName").asText()).as(point + ": " + end).isEqualTo("FINISHED");
    assertThat(end.get("verification").get("status").asText()).isEqualTo("PASSED");
    assertThat(end.get("timestamp").get("date").asText()).as(point)
        .isEqualTo(java.time.Instant.ofEpochSecond(restoredTs.getTime()).toString());
    assertThat(end.get("timestamp").get("increment").asInt()).as(point)
        .isEqualTo(restoredTs.getInc());
    byte[] file = f.download(end.get("delivery").get("url").asText(), null).body();
    RestoreFixture.Restored r = RestoreFixture.read(ArchiveDump.read(
        new ByteArrayInputStream(file), false));
    assertThat(r.docs().keySet()).as(point).containsExactlyElementsOf(expected.docs.keySet());
    List<String> wrong = new ArrayList<>();
    expected.docs.forEach((ns, want) -> {
      Map<BsonValue, BsonDocument> got = RestoreFixture.byId(r.docs().get(ns));
      got.forEach((id, d) -> {
        if (!d.equals(want.get(id))) {
          wrong.add(ns + " " + id + ": " + d.toJson() + (want.containsKey(id) ? ", expected "
              + want.get(id).toJson() : ", not expected"));
        }
      });
      want.keySet().stream().filter(id -> !got.containsKey(id))
          .forEach(id -> wrong.add(ns + " " + id + " is missing"));
    });
    assertThat(wrong).as(point).isEmpty();
    return end.get("snapshotId").asText();
  }
}
