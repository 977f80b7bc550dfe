package io.openmms.daemon.head;

import java.util.List;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * An immutable committed state: the catalog, position and state as of one commit, read through
 * a store {@link KeyValueReader} (the live store, or a store snapshot taken at that commit).
 */
class CatalogView implements HeadReader {
  final NavigableMap<String, CatalogCodec.Entry> catalog;
  final CatalogCodec.Meta meta;
  final KeyValueReader reader;

  CatalogView(NavigableMap<String, CatalogCodec.Entry> catalog, CatalogCodec.Meta meta,
      KeyValueReader reader) {
    this.catalog = catalog;
    this.meta = meta;
    this.reader = reader;
  }

  @Override
  public Optional<OplogPosition> position() {
    return meta.position();
  }

  @Override
  public HeadState state() {
    return meta.state();
  }

  @Override
  public List<Namespace> namespaces() {
    return catalog.keySet().stream().map(Namespace::parse).toList();
  }

  @Override
  public Optional<CollectionInfo> collection(Namespace ns) {
    return Optional.ofNullable(catalog.get(ns.toString())).map(CatalogCodec.Entry::info);
  }

  @Override
  public Optional<RawBsonDocument> get(Namespace ns, BsonValue id) {
    CatalogCodec.Entry e = catalog.get(ns.toString());
    if (e == null) {
      return Optional.empty();
    }
    byte[] value = reader.get(Keys.doc(e.id(), IdKey.encode(id)));
    return Optional.ofNullable(value).map(RawBsonDocument::new);
  }

  @Override
  public Optional<String> contentTag(Namespace ns) {
    CatalogCodec.Entry e = catalog.get(ns.toString());
    return Optional.ofNullable(e).map(CatalogCodec.Entry::contentTag);
  }

  @Override
  public DocumentCursor scan(Namespace ns) {
    CatalogCodec.Entry e = catalog.get(ns.toString());
    if (e == null) {
      return new StoreDocumentCursor(null);
    }
    return new StoreDocumentCursor(reader.scan(Keys.docPrefix(e.id()), Keys.docPrefix(e.id() + 1)));
  }

  private static final class StoreDocumentCursor implements DocumentCursor {
    private final KeyValueReader.Cursor cursor;
    private Boolean hasNext;

    StoreDocumentCursor(KeyValueReader.Cursor cursor) {
      this.cursor = cursor;
      this.hasNext = cursor == null ? Boolean.FALSE : null;
    }

    @Override
    public boolean hasNext() {
      if (hasNext == null) {
        hasNext = cursor.next();
      }
      return hasNext;
    }

    @Override
    public RawBsonDocument next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      hasNext = null;
      return new RawBsonDocument(cursor.value());
    }

    @Override
    public void close() {
      if (cursor != null) {
        cursor.close();
      }
    }
  }
}
