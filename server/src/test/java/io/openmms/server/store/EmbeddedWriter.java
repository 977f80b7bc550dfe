package io.openmms.server.store;

import com.mongodb.client.MongoClients;
import java.nio.file.Path;
import org.bson.Document;

/**
 * Child process for {@link EmbeddedDurabilityTest}: opens the embedded database in a directory
 * and inserts numbered documents one by one, printing {@code acked N} after each acknowledgement,
 * until it is killed.
 */
public final class EmbeddedWriter {
  public static void main(String[] args) throws Exception {
    EmbeddedMongo db = EmbeddedMongo.start(Path.of(args[0]), 0);
    try (var client = MongoClients.create(db.connectionString())) {
      var coll = client.getDatabase("openmms").getCollection("acked");
      for (int i = 0; ; i++) {
        coll.insertOne(new Document("_id", i).append("payload", "x".repeat(200)));
        System.out.println("acked " + i);
        System.out.flush();
      }
    }
  }
}
