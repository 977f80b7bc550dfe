package io.openmms.testkit;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Indexes;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

/**
 * Data a backup test writes before its backup starts, so the initial sync has something to copy:
 * {@code shop.orders} with a secondary index and sub-documents, and {@code crm.people} with
 * {@code _id}s of unusual types (UUID binary, embedded document, long, ObjectId).
 */
public final class SampleData {
  private SampleData() {}

  public static void ordersAndPeople(MongoClient c, int orders) {
    MongoDatabase shop = c.getDatabase("shop");
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < orders; i++) {
      docs.add(new Document("_id", i).append("sku", "s" + (i % 37)).append("qty", i % 9)
          .append("tags", List.of("a", "b")).append("addr", new Document("city", "c" + i)));
    }
    shop.getCollection("orders").insertMany(docs);
    shop.getCollection("orders").createIndex(Indexes.ascending("sku"));
    c.getDatabase("crm").getCollection("people").insertMany(List.of(
        new Document("_id", new Binary((byte) 4, new byte[16])).append("n", "u"),
        new Document("_id", new Document("a", 1).append("b", "x")).append("n", "composite"),
        new Document("_id", 1234567890123L).append("n", "long"),
        new Document("_id", new ObjectId()).append("n", "oid")));
  }
}
