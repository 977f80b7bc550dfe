package io.openmms.daemon.restore.dump;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.bson.BsonDocument;

/**
 * One collection of a dump as mongodump describes it in {@code <collection>.metadata.json}: its
 * database and name, its UUID when known, its options (as {@code listCollections} returns them)
 * and its index specifications (as {@code listIndexes} returns them, {@code _id_} included).
 */
public record DumpCollection(String db, String collection, Optional<UUID> uuid,
    BsonDocument options, List<BsonDocument> indexes) {

  public DumpCollection {
    uuid = uuid == null ? Optional.empty() : uuid;
    options = options == null ? new BsonDocument() : options;
    indexes = List.copyOf(indexes);
  }

  /** {@code db.collection}. */
  public String ns() {
    return db + "." + collection;
  }
}
