package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.RawBsonDocument;

/** Test assertions about heads, shared by the daemon's and the distribution's tests. */
public final class HeadAssertions {
  private HeadAssertions() {}

  /**
   * The head holds exactly the source's user collections (not admin, local, config), document by
   * document, with the same index names.
   */
  public static void assertSameContent(MongoClient source, HeadReader head) {
    Map<String, List<String>> expected = new TreeMap<>();
    Map<String, List<String>> expectedIndexes = new TreeMap<>();
    for (String db : source.listDatabaseNames()) {
      if (List.of("admin", "local", "config").contains(db)) {
        continue;
      }
      for (String coll : source.getDatabase(db).listCollectionNames()) {
        List<String> docs = new ArrayList<>();
        source.getDatabase(db).getCollection(coll, org.bson.RawBsonDocument.class).find()
            .batchSize(100).forEach(d -> docs.add(d.toJson()));
        docs.sort(null);
        expected.put(db + "." + coll, docs);
        List<String> idx = new ArrayList<>();
        source.getDatabase(db).getCollection(coll).listIndexes()
            .forEach(i -> idx.add(i.getString("name")));
        idx.sort(null);
        expectedIndexes.put(db + "." + coll, idx);
      }
    }
    Map<String, List<String>> actual = new TreeMap<>();
    Map<String, List<String>> actualIndexes = new TreeMap<>();
    for (Namespace ns : head.namespaces()) {
      List<String> docs = new ArrayList<>(head.scan(ns).toList().stream()
          .map(RawBsonDocument::toJson).toList());
      docs.sort(null);
      actual.put(ns.toString(), docs);
      List<String> idx = new ArrayList<>(head.collection(ns).orElseThrow().indexNames());
      idx.sort(null);
      actualIndexes.put(ns.toString(), idx);
    }
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach((ns, docs) -> assertThat(actual.get(ns)).as(ns).isEqualTo(docs));
    assertThat(actualIndexes).isEqualTo(expectedIndexes);
  }
}
