package io.openmms.daemon.snapshot;

import java.io.IOException;
import io.openmms.daemon.head.IdKey;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
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
 * {@code null}. A patched collection's documents are its base documents merged with its patch,
 * read at once through a second stream from {@link Reopen}; each section's checksum is checked.
 * Anything that does not follow the format raises {@link CorruptStreamException} with the stream
 * offset. Not thread-safe.
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

  /** Opens the same stream again at a byte offset (to read a patch beside its base). */
  public interface Reopen {
    InputStream at(long offset) throws IOException;
  }

  private final Documents main;
  private final Reopen reopen;
  private long remaining;
  private CollectionHeader current;
  private Merge merge;
  private boolean ended;
  private int collections;

  /** A reader of a stream without patched collections (one that has them fails clearly). */
  public SnapshotStreamReader(InputStream in) throws IOException {
    this(in, null);
  }

  public SnapshotStreamReader(InputStream in, Reopen reopen) throws IOException {
    this.main = new Documents(in, 0);
    this.reopen = reopen;
    BsonDocument header = document(main.read("the stream header"), main.offset);
    if (!SnapshotStream.HEADER.equals(type(header))) {
      throw new CorruptStreamException("not an openmms snapshot stream (first document: "
          + abbreviated(header) + ")");
    }
    BsonValue v = header.get("version");
    int version = v != null && v.isInt32() ? v.asInt32().getValue() : -1;
    if (version != 1 && version != SnapshotStream.VERSION) {
      throw new CorruptStreamException("snapshot stream version " + v + " is not supported"
          + " (this version reads 1 and " + SnapshotStream.VERSION + ")");
    }
  }

  /** The bytes consumed so far. */
  public long offset() {
    return main.offset;
  }

  /**
   * The next collection, skipping the unread documents of the current one; empty at the end of
   * the stream (after which the end document has been checked).
   */
  public Optional<CollectionHeader> nextCollection() throws IOException {
    while (remaining > 0) {
      nextDocument();
    }
    finishCollection();
    if (ended) {
      return Optional.empty();
    }
    long at = main.offset;
    BsonDocument d = document(main.read("a collection document"), at);
    String type = type(d);
    if (SnapshotStream.END.equals(type)) {
      int declared = d.getInt32("collections").getValue();
      if (declared != collections) {
        throw new CorruptStreamException("the stream's end document counts " + declared
            + " collections but " + collections + " were read");
      }
      ended = true;
      current = null;
      if (main.in.read() != -1) {
        throw new CorruptStreamException("bytes after the end document at offset "
            + main.offset);
      }
      return Optional.empty();
    }
    if (!SnapshotStream.COLLECTION.equals(type)) {
      throw new CorruptStreamException("expected a collection document at offset " + at
          + ", found " + abbreviated(d));
    }
    try {
      Optional<UUID> uuid = Optional.empty();
      BsonValue u = d.get("uuid");
      if (u instanceof BsonBinary b) {
        uuid = Optional.of(b.asUuid(UuidRepresentation.STANDARD));
      }
      List<BsonDocument> indexes = new ArrayList<>();
      d.getArray("indexes").forEach(v -> indexes.add(v.asDocument()));
      current = new CollectionHeader(d.getString("ns").getValue(), uuid,
          d.getDocument("options"), indexes, d.getInt64("count").getValue());
      if (d.containsKey("base")) {
        BsonDocument b = d.getDocument("base");
        merge = new Merge(current.ns(), b.getInt64("count").getValue(),
            b.getInt64("bytes").getValue(), b.getString("sha256").getValue());
      }
    } catch (org.bson.BsonInvalidOperationException | IllegalArgumentException e) {
      throw new CorruptStreamException("the collection document at offset " + at
          + " is malformed (" + e.getMessage() + "): " + abbreviated(d));
    }
    remaining = current.count();
    collections++;
    return Optional.of(current);
  }

  /** The next document of the current collection, or {@code null} after its last. */
  public RawBsonDocument nextDocument() throws IOException {
    if (remaining == 0) {
      finishCollection();
      return null;
    }
    RawBsonDocument d;
    if (merge == null) {
      d = new RawBsonDocument(main.read("a document of " + current.ns()));
    } else {
      d = merge.next();
      if (d == null) {
        throw new CorruptStreamException("patched collection " + current.ns() + " gives "
            + (current.count() - remaining) + " documents but its count is " + current.count()
            + " (stream offset " + main.offset + ")");
      }
    }
    remaining--;
    return d;
  }

  /** True once the end document was read. */
  public boolean ended() {
    return ended;
  }

  private void finishCollection() throws IOException {
    if (merge != null) {
      Merge m = merge;
      merge = null;
      m.finish();
    }
  }

  /**
   * A patched collection being read: its base documents from the main stream, merged by
   * {@code _id} key with its patch entries from a second stream opened where the patch starts.
   */
  private final class Merge {
    private final String ns;
    private final long baseCount;
    private final long baseEnd;
    private final String baseSha;
    private final MessageDigest baseDigest = SnapshotStream.sha256();
    private final MessageDigest patchDigest = SnapshotStream.sha256();
    private final Documents patch;
    private long baseRead;
    private RawBsonDocument baseDoc;
    private byte[] baseKey;
    private byte[] patchKey;
    private byte[] lastPatchKey;
    private RawBsonDocument patchDoc;
    private long patchEntries;
    private boolean patchEnded;

    Merge(String ns, long baseCount, long baseBytes, String baseSha) throws IOException {
      if (reopen == null) {
        throw new CorruptStreamException("collection " + ns + " is patched (stream offset "
            + main.offset + "), which this reader cannot read: it cannot reopen the stream");
      }
      if (baseCount < 0 || baseBytes < 0) {
        throw new CorruptStreamException("collection " + ns + " has a base of " + baseCount
            + " documents and " + baseBytes + " bytes");
      }
      this.ns = ns;
      this.baseCount = baseCount;
      this.baseEnd = main.offset + baseBytes;
      this.baseSha = baseSha;
      this.patch = new Documents(reopen.at(baseEnd), baseEnd);
    }

    /** The next merged document, or null when both the base and the patch are exhausted. */
    RawBsonDocument next() throws IOException {
      while (true) {
        if (baseDoc == null && baseRead < baseCount) {
          byte[] raw = main.read("a base document of " + ns);
          baseDigest.update(raw);
          baseRead++;
          baseDoc = new RawBsonDocument(raw);
          BsonValue id = baseDoc.get("_id");
          if (id == null) {
            throw new CorruptStreamException("a base document of " + ns + " before offset "
                + main.offset + " has no _id");
          }
          baseKey = IdKey.encode(id);
        }
        if (patchKey == null && !patchEnded) {
          readPatchEntry();
        }
        if (baseDoc == null && patchKey == null) {
          return null;
        }
        int c = baseDoc == null ? 1 : patchKey == null ? -1
            : Arrays.compareUnsigned(baseKey, patchKey);
        if (c < 0) {
          RawBsonDocument out = baseDoc;
          baseDoc = null;
          return out;
        }
        if (c == 0) {
          baseDoc = null; // replaced or deleted by the patch
        }
        RawBsonDocument out = patchDoc;
        patchKey = null;
        patchDoc = null;
        if (out != null) {
          return out;
        }
      }
    }

    private void readPatchEntry() throws IOException {
      long at = patch.offset;
      byte[] raw = patch.read("a patch entry of " + ns);
      RawBsonDocument e = new RawBsonDocument(raw);
      try {
        if (e.containsKey(SnapshotStream.TYPE)) {
          BsonDocument end = document(raw, at);
          if (!SnapshotStream.PATCH_END.equals(type(end))) {
            throw new CorruptStreamException("expected a patch entry of " + ns + " at offset "
                + at + ", found " + abbreviated(end));
          }
          long declared = end.getInt64("entries").getValue();
          String sha = HexFormat.of().formatHex(patchDigest.digest());
          if (declared != patchEntries || !sha.equals(end.getString("sha256").getValue())) {
            throw new CorruptStreamException("the patch of " + ns + " ending at offset "
                + patch.offset + " holds " + patchEntries + " entries with SHA-256 " + sha
                + "; its end document says " + declared + " with " + end.getString("sha256")
                .getValue());
          }
          patchEnded = true;
          return;
        }
        byte[] key = e.getBinary("k").getData();
        if (lastPatchKey != null && Arrays.compareUnsigned(lastPatchKey, key) >= 0) {
          throw new CorruptStreamException("the patch entries of " + ns + " are out of key"
              + " order at offset " + at);
        }
        BsonValue u = e.get("u");
        if (u != null && !(u instanceof RawBsonDocument)) {
          throw new CorruptStreamException("the patch entry of " + ns + " at offset " + at
              + " holds a " + u.getBsonType() + " where a document belongs");
        }
        patchDigest.update(raw);
        patchEntries++;
        lastPatchKey = key;
        patchKey = key;
        patchDoc = (RawBsonDocument) u;
      } catch (org.bson.BsonInvalidOperationException | org.bson.BsonSerializationException
          | IllegalArgumentException ex) {
        throw new CorruptStreamException("malformed patch entry of " + ns + " at offset " + at
            + ": " + ex.getMessage());
      }
    }

    /** Checks that both inputs are used up and sound; leaves the main stream after the patch. */
    void finish() throws IOException {
      try (InputStream closing = patch.in) {
        if (next() != null) {
          throw new CorruptStreamException("patched collection " + ns + " holds more documents"
              + " than its count (stream offset " + main.offset + ")");
        }
        String sha = HexFormat.of().formatHex(baseDigest.digest());
        if (main.offset != baseEnd || !sha.equals(baseSha)) {
          throw new CorruptStreamException("the base documents of " + ns + " end at offset "
              + main.offset + " with SHA-256 " + sha + "; its collection document says "
              + baseEnd + " with " + baseSha);
        }
        main.skipTo(patch.offset);
      }
    }
  }

  /** Documents read one by one from a stream, counting its offset. */
  private static final class Documents {
    final InputStream in;
    long offset;

    Documents(InputStream in, long offset) {
      this.in = in;
      this.offset = offset;
    }

    byte[] read(String what) throws IOException {
      byte[] len = in.readNBytes(4);
      if (len.length < 4) {
        throw new CorruptStreamException("the stream ends at offset " + offset + " where "
            + what + " should start");
      }
      int n = (len[0] & 0xff) | (len[1] & 0xff) << 8 | (len[2] & 0xff) << 16
          | (len[3] & 0xff) << 24;
      if (n < 5 || n > MAX_DOCUMENT) {
        throw new CorruptStreamException("invalid BSON length " + n + " at offset " + offset
            + " (reading " + what + ")");
      }
      byte[] doc = new byte[n];
      System.arraycopy(len, 0, doc, 0, 4);
      int got = in.readNBytes(doc, 4, n - 4);
      if (got < n - 4) {
        throw new CorruptStreamException("the stream ends inside " + what + " at offset "
            + offset);
      }
      if (doc[n - 1] != 0) {
        throw new CorruptStreamException("the BSON document at offset " + offset
            + " is not terminated (reading " + what + ")");
      }
      offset += n;
      return doc;
    }

    void skipTo(long target) throws IOException {
      long n = target - offset;
      try {
        in.skipNBytes(n);
      } catch (java.io.EOFException e) {
        throw new CorruptStreamException("the stream ends before offset " + target);
      }
      offset = target;
    }
  }

  private static BsonDocument document(byte[] raw, long offset) throws CorruptStreamException {
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
    try (InputStream m = main.in) {
      if (merge != null) {
        merge.patch.in.close();
      }
    }
  }
}
