package io.openmms.daemon.head;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.daemon.oplog.OplogApplier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Documents near MongoDB's 16 MiB limit go through insert, diff update and replacement intact. */
class LargeDocumentTest {
  @TempDir Path dir;

  @Test
  void documentsNear16MiB() {
    byte[] payload = new byte[16 * 1024 * 1024 - 200];
    Arrays.fill(payload, (byte) 7);
    BsonDocument big = new BsonDocument("_id", new BsonString("big")).append("p", new BsonBinary(payload));
    Namespace ns = Namespace.parse("app.blobs");
    try (RocksHead head = RocksHead.open(dir)) {
      head.beginInitialSync();
      head.finishInitialSync(new BsonTimestamp(1, 0));
      OplogApplier applier = new OplogApplier(head);
      applier.apply(List.of(new BsonDocument("op", new BsonString("i")).append("ns", new BsonString(ns.toString()))
              .append("o", big).append("ts", new BsonTimestamp(2, 1)),
          BsonDocument.parse("{op: 'u', ns: 'app.blobs', o: {$v: 2, diff: {i: {tail: 1}}}, o2: {_id: 'big'}, ts: Timestamp(2, 2)}")));

      var stored = head.get(ns, new BsonString("big")).orElseThrow();
      assertThat(stored.getBinary("p").getData()).isEqualTo(payload);
      assertThat(stored.getInt32("tail")).isEqualTo(new BsonInt32(1));
      assertThat(head.dataSize(ns)).isGreaterThan(16_000_000L);
    }
    try (RocksHead head = RocksHead.open(dir)) {
      assertThat(head.get(ns, new BsonString("big")).orElseThrow().getBinary("p").getData()).hasSize(payload.length);
    }
  }
}
