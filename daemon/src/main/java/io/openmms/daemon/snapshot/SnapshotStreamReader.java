package io.openmms.daemon.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;

/**
 * Reads a snapshot stream (docs/snapshot-format.md) back: {@link #nextCollection()} gives each
 * collection's metadata, then {@link #nextDocument()} its documents until it returns
 * {@code null}. Anything that does not follow the format raises {@link CorruptStreamException}
 * with the stream offset. Not thread-safe.
 */
public final class SnapshotStreamReader implements AutoCloseable {
  /** Larger than any MongoDB document (16 MiB) with room for metadata; anything larger is corrupt. */
  static final int MAX_DOCUMENT = 48 << 20;

  /** A collection as the stream describes it. */
  public record CollectionHeader(String ns, Optional<UUID> uuid, BsonDocument options,
      List<BsonDocument> indexes, long count) {}

  /** The stream does not follow the format. */
  public static final class CorruptStreamException extends IOException {
    CorruptStreamException(String message) {
      super(message);
    }
  }

  private final InputStream in;
  private long offset;
  private long remaining;
  private CollectionHeader current;
  private boolean ended;
  private int collections;

  public SnapshotStreamReader(InputStream in) throws IOException {
    this.in = in;
    BsonDocument header = document(read("the stream header"));
    if (!SnapshotStream.HEADER.equals(type(header))) {
      throw new CorruptStreamException("not an openmms snapshot stream (first document: "
          + header.toJson() + ")");
    }
    int version = header.getInt32("version").getValue();
    if (version != SnapshotStream.VERSION) {
      throw new CorruptStreamException("snapshot stream version " + version
          + " is not supported (this version reads " + SnapshotStream.VERSION + ")");
    }
  }

  /** The bytes consumed so far. */
  public long offset() {
    return offset;
  }

  /**
   * The next collection, skipping the unread documents of the current one; empty at the end of
   * the stream (after which the end document has been checked).
   */
  public Optional<CollectionHeader> nextCollection() throws IOException {
    while (remaining > 0) {
      nextDocument();
    }
    if (ended) {
      return Optional.empty();
    }
    long at = offset;
    BsonDocument d = document(read("a collection document"));
    String type = type(d);
    if (SnapshotStream.END.equals(type)) {
      int declared = d.getInt32("collections").getValue();
      if (declared != collections) {
        throw new CorruptStreamException("the stream's end document counts " + declared
            + " collections but " + collections + " were read");
      }
      ended = true;
      current = null;
      if (in.read() != -1) {
        throw new CorruptStreamException("bytes after the end document at offset " + offset);
      }
      return Optional.empty();
    }
    if (!SnapshotStream.COLLECTION.equals(type)) {
      throw new CorruptStreamException("expected a collection document at offset " + at
          + ", found " + abbreviated(d));
    }
    Optional<UUID> uuid = Optional.empty();
    BsonValue u = d.get("uuid");
    if (u instanceof BsonBinary b) {
      uuid = Optional.of(b.asUuid(UuidRepresentation.STANDARD));
    }
    List<BsonDocument> indexes = new ArrayList<>();
    d.getArray("indexes").forEach(v -> indexes.add(v.asDocument()));
    current = new CollectionHeader(d.getString("ns").getValue(), uuid, d.getDocument("options"),
        indexes, d.getInt64("count").getValue());
    remaining = current.count();
    collections++;
    return Optional.of(current);
  }

  /** The next document of the current collection, or {@code null} after its last. */
  public RawBsonDocument nextDocument() throws IOException {
    if (remaining == 0) {
      return null;
    }
    RawBsonDocument d = new RawBsonDocument(read("a document of " + current.ns()));
    remaining--;
    return d;
  }

  /** True once the end document was read. */
  public boolean ended() {
    return ended;
  }

  private byte[] read(String what) throws IOException {
    byte[] len = in.readNBytes(4);
    if (len.length < 4) {
      throw new CorruptStreamException("the stream ends at offset " + offset + " where " + what
          + " should start");
    }
    int n = (len[0] & 0xff) | (len[1] & 0xff) << 8 | (len[2] & 0xff) << 16 | (len[3] & 0xff) << 24;
    if (n < 5 || n > MAX_DOCUMENT) {
      throw new CorruptStreamException("invalid BSON length " + n + " at offset " + offset
          + " (reading " + what + ")");
    }
    byte[] doc = new byte[n];
    System.arraycopy(len, 0, doc, 0, 4);
    int got = in.readNBytes(doc, 4, n - 4);
    if (got < n - 4) {
      throw new CorruptStreamException("the stream ends inside " + what + " at offset " + offset);
    }
    if (doc[n - 1] != 0) {
      throw new CorruptStreamException("the BSON document at offset " + offset
          + " is not terminated (reading " + what + ")");
    }
    offset += n;
    return doc;
  }

  private BsonDocument document(byte[] raw) throws CorruptStreamException {
    try {
      return new RawBsonDocument(raw).decode(new org.bson.codecs.BsonDocumentCodec());
    } catch (RuntimeException e) {
      throw new CorruptStreamException("malformed BSON before offset " + offset + ": "
          + e.getMessage());
    }
  }

  private static String type(BsonDocument d) {
    BsonValue t = d.get(SnapshotStream.TYPE);
    return t != null && t.isString() ? t.asString().getValue() : null;
  }

  private static String abbreviated(BsonDocument d) {
    String json = d.toJson();
    return json.length() > 200 ? json.substring(0, 200) + "…" : json;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
