package io.openmms.daemon.head;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.bson.BsonDocument;

/**
 * The catalog entry of one collection: its options as the source gave them to {@code create}
 * (capped, size, max, validator, collation, timeseries, clusteredIndex, …, without the
 * {@code create} field itself), the source's collection UUID when known, the index specs (the
 * {@code _id_} index included) and the head's fast counts.
 *
 * <p>Immutable: the documents are copied on the way in and on the way out.
 */
public record CollectionInfo(Namespace ns, Optional<UUID> uuid, BsonDocument options,
    List<BsonDocument> indexes, long count, long dataSize) {

  public CollectionInfo {
    Objects.requireNonNull(ns, "ns");
    Objects.requireNonNull(uuid, "uuid");
    options = options.clone();
    indexes = indexes.stream().map(BsonDocument::clone).toList();
  }

  @Override
  public BsonDocument options() {
    return options.clone();
  }

  @Override
  public List<BsonDocument> indexes() {
    return indexes.stream().map(BsonDocument::clone).toList();
  }

  /** The spec of the index called {@code name}, if any. */
  public Optional<BsonDocument> index(String name) {
    return indexes.stream()
        .filter(i -> i.isString("name") && i.getString("name").getValue().equals(name))
        .findFirst().map(BsonDocument::clone);
  }

  /** The index names in creation order. */
  public List<String> indexNames() {
    return indexes.stream().map(i -> i.getString("name").getValue()).toList();
  }

  CollectionInfo withNs(Namespace newNs) {
    return new CollectionInfo(newNs, uuid, options, indexes, count, dataSize);
  }

  CollectionInfo withUuid(Optional<UUID> newUuid) {
    return new CollectionInfo(ns, newUuid, options, indexes, count, dataSize);
  }

  CollectionInfo withOptions(BsonDocument newOptions) {
    return new CollectionInfo(ns, uuid, newOptions, indexes, count, dataSize);
  }

  CollectionInfo withIndexes(List<BsonDocument> newIndexes) {
    return new CollectionInfo(ns, uuid, options, newIndexes, count, dataSize);
  }

  CollectionInfo withCounts(long newCount, long newDataSize) {
    return new CollectionInfo(ns, uuid, options, indexes, newCount, newDataSize);
  }
}
