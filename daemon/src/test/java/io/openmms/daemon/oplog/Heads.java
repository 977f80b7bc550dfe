package io.openmms.daemon.oplog;

import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.RocksHead;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/** Test helpers: a head ready for oplog application, entry parsing, head content as plain maps. */
final class Heads {
  private Heads() {}

  /** A RocksHead in {@code dir} after an empty initial sync at Timestamp(100, 0). */
  static RocksHead steady(Path dir) {
    RocksHead head = RocksHead.open(dir);
    head.beginInitialSync();
    head.finishInitialSync(new BsonTimestamp(100, 0));
    return head;
  }

  /** Parses an entry written in mongo shell syntax, e.g. {@code {ts: Timestamp(101, 1), ...}}. */
  static BsonDocument e(String json) {
    return BsonDocument.parse(json);
  }

  static List<BsonDocument> batch(String... entries) {
    return java.util.Arrays.stream(entries).map(Heads::e).toList();
  }

  static BsonDocument doc(String json) {
    return BsonDocument.parse(json);
  }

  static List<BsonDocument> docs(Head head, String ns) {
    return head.scan(Namespace.parse(ns)).toList().stream()
        .map(r -> (BsonDocument) r.decode(new BsonDocumentCodec())).toList();
  }

  /** Every namespace's documents and catalog entry, for comparing two heads' content exactly. */
  static Map<String, Object> content(Head head) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Namespace ns : head.namespaces()) {
      var info = head.collection(ns).orElseThrow();
      out.put(ns + " catalog", List.of(info.options(), info.indexes(), info.count(), info.dataSize()));
      out.put(ns + " docs", head.scan(ns).toList().stream().map(RawBsonDocument::toJson).toList());
    }
    return out;
  }
}
