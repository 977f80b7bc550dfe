package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.common.util.Json;
import io.openmms.daemon.restore.dump.ArchiveDump;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time restores: the first snapshot (at the end of the initial sync) plus the stored
 * oplog, replayed to several targets — between two operations with the same second, just before
 * and at a multi-document transaction (all or nothing), by oplog timestamp and by wall-clock
 * time — and targets outside the window refused with the window's bounds.
 */
class RestorePointInTimeTest {
  /** Wall times agree with the oplog timestamps, as on a real server. */
  private static final long WALL = 0;

  @TempDir Path dir;

  @Test
  void restoresEachPointInTimeExactlyAndTransactionsWhole() throws Exception {
    try (RestoreFixture f = new RestoreFixture(dir, 50)) {
      f.startDaemon(Map.of());
      BsonInt32 id = new BsonInt32(1000);
      List<BsonDocument> entries = new ArrayList<>();
      entries.add(entry(110, 1, "{op: 'i', ns: 'shop.orders', o: {_id: 1000, sku: 'x', qty: 1}}"));
      entries.add(entry(110, 2, "{op: 'u', ns: 'shop.orders', o2: {_id: 1000},"
          + " o: {$v: 2, diff: {u: {qty: 2}}}}"));
      entries.add(entry(111, 1, "{op: 'u', ns: 'shop.orders', o2: {_id: 1000},"
          + " o: {$v: 2, diff: {u: {qty: 3}}}}"));
      entries.add(entry(112, 1, "{op: 'c', ns: 'admin.$cmd', o: {applyOps: ["
          + "{op: 'i', ns: 'shop.orders', o: {_id: 1001, sku: 'y', qty: 9}},"
          + "{op: 'u', ns: 'shop.orders', o2: {_id: 1000}, o: {$v: 2, diff: {u: {qty: 4}}}},"
          + "{op: 'd', ns: 'crm.people', o: {_id: 'bob'}}]}}"));
      entries.add(entry(113, 1, "{op: 'd', ns: 'shop.orders', o: {_id: 1000}}"));
      f.agent.oplogEntries(entries);
      await().atMost(Duration.ofSeconds(30)).until(() -> f.site.headStatus(f.agent.backupId)
          .path("lastAppliedTs").toString().contains("113"));

      assertState(f, restore(f, "\"oplogTs\": 110, \"oplogInc\": 1"), 1, false, true);
      assertState(f, restore(f, "\"oplogTs\": 110, \"oplogInc\": 2"), 2, false, true);
      // between the last update and the transaction: none of the transaction
      assertState(f, restore(f, "\"oplogTs\": 111, \"oplogInc\": 7"), 3, false, true);
      assertState(f, restore(f, "\"pointInTimeUTCMillis\": " + (WALL + 111_500)), 3, false,
          true);
      // at the transaction: all of it
      assertState(f, restore(f, "\"oplogTs\": 112, \"oplogInc\": 1"), 4, true, false);
      assertState(f, restore(f, "\"oplogTs\": 113, \"oplogInc\": 1"), null, true, false);

      for (String outside : List.of("\"oplogTs\": 99, \"oplogInc\": 1",
          "\"oplogTs\": 114, \"oplogInc\": 1", "\"pointInTimeUTCMillis\": " + (WALL + 999_000))) {
        var r = f.site.send("POST", f.jobsPath(), "{" + outside + ", \"delivery\":"
            + " {\"methodName\": \"HTTP\"}}");
        assertThat(r.statusCode()).as(outside).isEqualTo(400);
        JsonNode err = Json.mapper().readTree(r.body());
        assertThat(err.get("errorCode").asText()).isEqualTo("INVALID_RESTORE_POINT");
        assertThat(err.get("detail").asText()).contains("earliest", "latest", "oplogTs 100",
            "oplogTs 113");
      }
    }
  }

  private static BsonDocument entry(int seconds, int inc, String shell) {
    return BsonDocument.parse(shell).append("ts", new BsonTimestamp(seconds, inc))
        .append("t", new BsonInt64(1))
        .append("wall", new BsonDateTime(WALL + seconds * 1000L + inc));
  }

  /** Runs a restore to a download (archive) and returns what it holds. */
  private static RestoreFixture.Restored restore(RestoreFixture f, String point)
      throws Exception {
    JsonNode job = f.restore("{" + point + ", \"delivery\": {\"methodName\": \"HTTP\","
        + " \"format\": \"ARCHIVE\"}}");
    JsonNode end = f.awaitEnd(job.get("id").asText());
    assertThat(end.get("statusName").asText()).as(point + ": " + end).isEqualTo("FINISHED");
    assertThat(end.get("pointInTime").asBoolean()).isTrue();
    assertThat(end.get("verification").get("status").asText()).isEqualTo("PASSED");
    byte[] file = f.download(end.get("delivery").get("url").asText(), null).body();
    return RestoreFixture.read(ArchiveDump.read(new ByteArrayInputStream(file), false));
  }

  /**
   * Order 1000 has {@code qty} (absent when null), order 1001 exists or not, Bob exists or
   * not; everything else is the source as synced.
   */
  private static void assertState(RestoreFixture f, RestoreFixture.Restored r, Integer qty,
      boolean txnOrder, boolean bob) {
    Map<BsonValue, BsonDocument> orders = RestoreFixture.byId(r.docs().get("shop.orders"));
    if (qty == null) {
      assertThat(orders).doesNotContainKey(new BsonInt32(1000));
    } else {
      assertThat(orders.get(new BsonInt32(1000))).isEqualTo(new BsonDocument("_id",
          new BsonInt32(1000)).append("sku", new BsonString("x"))
          .append("qty", new BsonInt32(qty)));
    }
    assertThat(orders.containsKey(new BsonInt32(1001))).isEqualTo(txnOrder);
    Map<BsonValue, BsonDocument> people = RestoreFixture.byId(r.docs().get("crm.people"));
    assertThat(people.containsKey(new BsonString("bob"))).isEqualTo(bob);
    for (var e : f.source.get("shop.orders").entrySet()) {
      assertThat(orders.get(e.getKey())).isEqualTo(e.getValue());
    }
    assertThat(orders).hasSize(f.source.get("shop.orders").size() + (qty == null ? 0 : 1)
        + (txnOrder ? 1 : 0));
    assertThat(RestoreFixture.byId(r.docs().get("shop.events")))
        .isEqualTo(f.source.get("shop.events"));
  }
}
