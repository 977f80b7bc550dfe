package io.openmms.daemon.snapshot;

import io.openmms.daemon.head.ChangeLog;
import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.DocumentCursor;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.OplogPosition;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;

/**
 * Writes the snapshot stream of a head (docs/snapshot-format.md): a header document, then for
 * each namespace in name order a collection document (options, UUID, indexes, count) followed by
 * that many documents in the head's {@code _id} key order, then an end document. Nothing in the
 * stream depends on when it was written, so equal head content gives equal bytes and successive
 * snapshots share their blocks.
 *
 * <p>When written into a {@link io.openmms.blockstore.ChunkingOutputStream}, the stream is cut
 * before and after every collection document and before the end document: each collection's
 * documents are chunked on their own, so a change in one collection (or its count in its
 * collection document) never changes another collection's blocks.
 */
public final class SnapshotStream {
  /** The format version written in the header; readers refuse others. */
  public static final int VERSION = 2;
  static final String TYPE = "t";
  static final String HEADER = "openmms.snapshot";
  static final String COLLECTION = "collection";
  static final String END = "end";
  static final String PATCH_END = "patch end";

  private SnapshotStream() {}

  /**
   * What a writer that cuts the stream into blocks tells the stream, and what it offers instead
   * of reading a collection: an earlier snapshot's blocks of the same documents, or of the
   * documents a patch starts from.
   */
  public interface Blocks {
    /** Not chunked: no block indexes, nothing reused. */
    Blocks NONE = new Blocks() {
      @Override
      public long count() {
        return -1;
      }

      @Override
      public Optional<Snapshots.Collection> sameContent(String contentTag, long count,
          long bytes) {
        return Optional.empty();
      }

      @Override
      public Optional<Snapshots.Collection> previous(String ns) {
        return Optional.empty();
      }

      @Override
      public boolean claim(Snapshots.Collection c, long blocks) {
        return false;
      }

      @Override
      public void place(Snapshots.Collection c, long blocks) {
        throw new IllegalStateException("nothing to place in an unchunked stream");
      }
    };

    /** The number of stream blocks so far; called at segment boundaries (after a cut). */
    long count() throws IOException;

    /**
     * The entry of the earlier snapshot's collection whose documents are exactly those of a
     * collection whose head content tag is {@code contentTag}, with {@code count} documents of
     * {@code bytes} bytes; empty if none.
     */
    Optional<Snapshots.Collection> sameContent(String contentTag, long count, long bytes);

    /** The earlier snapshot's entry for namespace {@code ns}, if any. */
    Optional<Snapshots.Collection> previous(String ns);

    /**
     * Makes the first {@code blocks} blocks of {@code c}'s block range this snapshot's (recorded
     * as referenced, then checked to be stored); false when one is no longer stored.
     */
    boolean claim(Snapshots.Collection c, long blocks) throws IOException;

    /** Takes the claimed blocks as the next blocks of the stream (after a cut). */
    void place(Snapshots.Collection c, long blocks) throws IOException;
  }

  /** A patch may hold at most this fraction of its base's document count. */
  static final double MAX_PATCH_FRACTION = 0.10;

  /**
   * And at most this many documents: their {@code _id} keys are held in memory while the patch
   * is written (about 100 bytes each).
   */
  static final long MAX_PATCH_DOCUMENTS = 1_000_000;

  /**
   * Writes {@code head}'s content to {@code out} and returns, per namespace, its document count,
   * the bytes of its documents, the stream offset of its collection document and the SHA-256 of
   * its documents' bytes (the manifest's per-collection checksum).
   */
  public static List<Snapshots.Collection> write(HeadReader head, OutputStream out)
      throws IOException {
    return write(head, out, Blocks.NONE);
  }

  /**
   * As {@link #write(HeadReader, OutputStream)}, for a chunking {@code out} whose writer is
   * {@code blocks}: each entry also names its documents' blocks, the head's content tag and
   * change log. A collection whose documents an earlier snapshot holds is not read; one whose
   * earlier documents a short patch brings up to date is written as those plus the patch.
   */
  public static List<Snapshots.Collection> write(HeadReader head, OutputStream out, Blocks blocks)
      throws IOException {
    Counting counting = new Counting(out);
    List<Snapshots.Collection> result = new ArrayList<>();
    BsonTimestamp at = head.position().map(OplogPosition::ts).orElse(new BsonTimestamp(0, 0));
    counting.write(bytes(new BsonDocument(TYPE, new BsonString(HEADER))
        .append("version", new BsonInt32(VERSION))));
    for (Namespace ns : head.namespaces()) {
      CollectionInfo info = head.collection(ns).orElse(null);
      if (info == null) {
        continue;
      }
      long offset = counting.count;
      counting.cut();
      String tag = head.contentTag(ns).orElse(null);
      Optional<ChangeLog> log = head.changeLog(ns);
      Snapshots.Collection same = tag == null ? null
          : blocks.sameContent(tag, info.count(), info.dataSize()).orElse(null);
      Snapshots.Collection lost = null; // an unchanged entry whose blocks are not all stored
      if (same != null && !blocks.claim(same, same.blocks())) {
        lost = same;
        same = null;
      }
      Patch patch = same != null ? null : patchBase(ns, log, at, blocks, lost);
      Snapshots.Collection base = patch == null ? null : patch.base();
      Snapshots.Base patchedFrom = null; // the base the collection document names, if patched
      if (same != null && same.patched()) {
        patchedFrom = same.base();
      } else if (base != null) {
        patchedFrom = base.base();
      }
      counting.write(bytes(collectionDocument(info, patchedFrom)));
      counting.cut();
      long firstBlock = blocks.count();
      Snapshots.Collection entry;
      if (same != null) {
        blocks.place(same, same.blocks());
        counting.skip(same.streamBytes());
        entry = same.placed(ns.toString(), offset);
      } else if (base != null) {
        Snapshots.Base b = base.base();
        blocks.place(base, b.blocks());
        counting.skip(b.bytes());
        counting.cut();
        long before = counting.count;
        writePatch(patch.changes(), counting);
        entry = new Snapshots.Collection(ns.toString(), info.count(), info.dataSize(), offset,
            null).withBase(new Snapshots.Base(b.lineage(), b.ts(), b.count(), b.bytes(),
                b.sha256(), b.blocks(), counting.count - before));
      } else {
        entry = documents(head, info, counting).toCollection(ns.toString(), offset);
      }
      counting.cut();
      long n = blocks.count() - firstBlock;
      if (same == null && base == null && log.isPresent() && firstBlock >= 0) {
        // written in full: the base of later patches
        entry = entry.withBase(new Snapshots.Base(log.get().lineage(), at, entry.count(),
            entry.bytes(), entry.sha256(), n, 0));
      }
      if (firstBlock >= 0 && tag != null) {
        entry = entry.inBlocks(tag, firstBlock, n);
      }
      result.add(entry);
    }
    counting.cut();
    counting.write(bytes(new BsonDocument(TYPE, new BsonString(END))
        .append("collections", new BsonInt32(result.size()))));
    return result;
  }

  /** An earlier entry to patch: its base, with its blocks claimed, and what changed since. */
  private record Patch(Snapshots.Collection base, ChangeLog.Cursor changes) {}

  /**
   * The earlier snapshot's entry for {@code ns} whose base documents, with a patch of what the
   * change log lists since, give the collection now, with those blocks claimed; null when there
   * is none: no earlier entry, another change log, pruned entries, too many changes, or the
   * entry is {@code lost} (its blocks were just found missing).
   */
  private static Patch patchBase(Namespace ns, Optional<ChangeLog> log, BsonTimestamp at,
      Blocks blocks, Snapshots.Collection lost) throws IOException {
    if (log.isEmpty()) {
      return null;
    }
    Snapshots.Collection prev = blocks.previous(ns.toString()).orElse(null);
    if (prev == null || prev.equals(lost) || !prev.reusable() || prev.base() == null) {
      return null;
    }
    Snapshots.Base b = prev.base();
    if (!b.lineage().equals(log.get().lineage()) || b.ts().compareTo(log.get().since()) < 0
        || b.ts().compareTo(at) > 0 || b.blocks() > prev.blocks()) {
      return null;
    }
    long limit = Math.min((long) Math.floor(b.count() * MAX_PATCH_FRACTION), MAX_PATCH_DOCUMENTS);
    Optional<ChangeLog.Cursor> changes = log.get().changedAfter(b.ts(), limit);
    if (changes.isEmpty()) {
      return null;
    }
    if (!blocks.claim(prev, b.blocks())) {
      changes.get().close();
      return null;
    }
    return new Patch(prev, changes.get());
  }

  /**
   * Writes the patch section: per changed document, in key order, {@code {k: key, u: document}}
   * or, for a deleted one, {@code {k: key}}; then the patch end document with the entries' count
   * and SHA-256. Closes {@code changes}.
   */
  private static void writePatch(ChangeLog.Cursor changes, Counting out) throws IOException {
    MessageDigest sha = sha256();
    long entries = 0;
    try (ChangeLog.Cursor c = changes) {
      while (c.next()) {
        byte[] entry = patchEntry(c.key(), c.document());
        sha.update(entry);
        out.write(entry);
        entries++;
      }
    }
    out.write(bytes(new BsonDocument(TYPE, new BsonString(PATCH_END))
        .append("entries", new BsonInt64(entries))
        .append("sha256", new BsonString(HexFormat.of().formatHex(sha.digest())))));
  }

  /** {@code {k: BinData(0, key), u: document}}, or without {@code u}, built around the raw bytes. */
  static byte[] patchEntry(byte[] key, RawBsonDocument doc) {
    int docLen = doc == null ? 0 : doc.getByteLength();
    int len = 4 + (1 + 2 + 4 + 1 + key.length) + (doc == null ? 0 : 1 + 2 + docLen) + 1;
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(len);
    b.put((byte) 0x05).put((byte) 'k').put((byte) 0).putInt(key.length).put((byte) 0).put(key);
    if (doc != null) {
      b.put((byte) 0x03).put((byte) 'u').put((byte) 0)
          .put(doc.getBackingArray(), doc.getByteOffset(), docLen);
    }
    b.put((byte) 0);
    return b.array();
  }

  /** Writes the documents of {@code info}'s collection to {@code out}, summing them up. */
  private static CollectionSum documents(HeadReader head, CollectionInfo info, Counting out)
      throws IOException {
    CollectionSum sum = new CollectionSum();
    try (DocumentCursor docs = head.scan(info.ns())) {
      while (docs.hasNext()) {
        sum.add(docs.next(), out);
      }
    }
    if (sum.count != info.count()) {
      throw new IllegalStateException("the head's count of " + info.ns() + " is " + info.count()
          + " but its scan gave " + sum.count + " documents; the head is inconsistent");
    }
    return sum;
  }

  static BsonDocument collectionDocument(CollectionInfo info, Snapshots.Base patchedFrom) {
    BsonDocument d = new BsonDocument(TYPE, new BsonString(COLLECTION))
        .append("ns", new BsonString(info.ns().toString()));
    info.uuid().ifPresent(u -> d.append("uuid", new BsonBinary(u, UuidRepresentation.STANDARD)));
    d.append("options", info.options());
    d.append("indexes", new BsonArray(new ArrayList<>(info.indexes())));
    d.append("count", new BsonInt64(info.count()));
    if (patchedFrom != null) {
      d.append("base", new BsonDocument("count", new BsonInt64(patchedFrom.count()))
          .append("bytes", new BsonInt64(patchedFrom.bytes()))
          .append("sha256", new BsonString(patchedFrom.sha256())));
    }
    return d;
  }

  static byte[] bytes(BsonDocument d) {
    BasicOutputBuffer buf = new BasicOutputBuffer();
    new BsonDocumentCodec().encode(new org.bson.BsonBinaryWriter(buf), d,
        EncoderContext.builder().build());
    return buf.toByteArray();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A collection's documents as its manifest entry sums them up: how many, their bytes and the
   * SHA-256 of their concatenation. The writer and the verifier both count through this.
   */
  static final class CollectionSum {
    private final MessageDigest sha = sha256();
    long count;
    long bytes;

    /** Adds a document; when {@code out} is given, writes its bytes there too. */
    void add(RawBsonDocument d, Counting out) throws IOException {
      ByteBuffer b = d.getByteBuffer().asNIO();
      int len = b.remaining();
      if (b.hasArray()) { // the head's documents wrap their own array: no copy
        int off = b.arrayOffset() + b.position();
        sha.update(b.array(), off, len);
        if (out != null) {
          out.write(b.array(), off, len);
        }
      } else {
        byte[] raw = new byte[len];
        b.get(raw);
        sha.update(raw);
        if (out != null) {
          out.write(raw, 0, len);
        }
      }
      count++;
      bytes += len;
    }

    String hex() {
      return HexFormat.of().formatHex(sha.digest());
    }

    Snapshots.Collection toCollection(String ns, long offset) {
      return new Snapshots.Collection(ns, count, bytes, offset, hex());
    }
  }

  /** The stream being written, counting its bytes. */
  static final class Counting {
    private final OutputStream out;
    private long count;

    Counting(OutputStream out) {
      this.out = out;
    }

    void write(byte[] b) throws IOException {
      write(b, 0, b.length);
    }

    void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    /** Counts {@code n} bytes its writer stands for with blocks it reuses (after a cut). */
    void skip(long n) throws IOException {
      if (!(out instanceof io.openmms.blockstore.ChunkingOutputStream c)) {
        throw new IllegalStateException("blocks can only be reused in a chunked stream");
      }
      c.skip(n);
      count += n;
    }

    /** A chunk boundary here when the stream is being chunked (see the class comment). */
    void cut() throws IOException {
      if (out instanceof io.openmms.blockstore.ChunkingOutputStream c) {
        c.cut();
      }
    }
  }
}
