package io.openmms.daemon.head;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeSet;
import org.bson.BsonTimestamp;
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
  /** Whether the head keeps change logs (a scratch head does not). */
  final boolean keepsChangeLog;

  CatalogView(NavigableMap<String, CatalogCodec.Entry> catalog, CatalogCodec.Meta meta,
      KeyValueReader reader, boolean keepsChangeLog) {
    this.catalog = catalog;
    this.meta = meta;
    this.reader = reader;
    this.keepsChangeLog = keepsChangeLog;
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
  public Optional<ChangeLog> changeLog(Namespace ns) {
    CatalogCodec.Entry e = keepsChangeLog ? catalog.get(ns.toString()) : null;
    return Optional.ofNullable(e).map(StoreChangeLog::new);
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

  /**
   * The change log of one collection as of this view: its entries (docs/head-format.md, "Change
   * log") and documents read through the view's reader.
   */
  private final class StoreChangeLog implements ChangeLog {
    private final CatalogCodec.Entry entry;

    StoreChangeLog(CatalogCodec.Entry entry) {
      this.entry = entry;
    }

    @Override
    public String lineage() {
      return entry.lineage();
    }

    @Override
    public BsonTimestamp since() {
      return entry.since();
    }

    @Override
    public Optional<Cursor> changedAfter(BsonTimestamp after, long limit) {
      NavigableSet<byte[]> changed = keysAfter(after, limit);
      if (changed.size() > limit) {
        return Optional.empty();
      }
      Iterator<byte[]> keys = changed.iterator();
      return Optional.of(new Cursor() {
        private byte[] key;
        private RawBsonDocument document;
        private boolean closed;

        @Override
        public boolean next() {
          if (closed || !keys.hasNext()) {
            key = null;
            document = null;
            return false;
          }
          key = keys.next();
          byte[] value = reader.get(Keys.doc(entry.id(), key));
          document = value == null ? null : new RawBsonDocument(value);
          return true;
        }

        @Override
        public byte[] key() {
          if (key == null) {
            throw new NoSuchElementException();
          }
          return key; // the cursor's own copy, made from the record
        }

        @Override
        public RawBsonDocument document() {
          if (key == null) {
            throw new NoSuchElementException();
          }
          return document;
        }

        @Override
        public void close() {
          closed = true;
          key = null;
        }
      });
    }

    /**
     * The distinct {@code _id} keys of the records after {@code after}, in key order; once there
     * are more than {@code limit}, no further records are read.
     */
    private NavigableSet<byte[]> keysAfter(BsonTimestamp after, long limit) {
      NavigableSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);
      try (KeyValueReader.Cursor c = reader.scan(Keys.changeRecord(entry.id(), after),
          Keys.changePrefix(entry.id() + 1))) {
        while (keys.size() <= limit && c.next()) {
          // records are in timestamp order (unsigned, as MongoDB's): the first may be at after
          if (Long.compareUnsigned(Keys.changeRecordTs(c.key()).getValue(),
              after.getValue()) > 0) {
            Keys.forEachChange(c.value(), keys::add);
          }
        }
      }
      return keys;
    }
  }
}
