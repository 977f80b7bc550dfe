package io.openmms.daemon.snapshot;

import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.DocumentCursor;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
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
  public static final int VERSION = 1;
  static final String TYPE = "t";
  static final String HEADER = "openmms.snapshot";
  static final String COLLECTION = "collection";
  static final String END = "end";

  private SnapshotStream() {}

  /**
   * What a writer that cuts the stream into blocks tells the stream, and what it can do instead
   * of reading a collection that did not change since an earlier snapshot.
   */
  public interface Blocks {
    /** Not chunked: no block indexes, nothing reused. */
    Blocks NONE = new Blocks() {
      @Override
      public long count() {
        return -1;
      }

      @Override
      public Optional<Snapshots.Collection> reuse(String contentTag, long count, long bytes) {
        return Optional.empty();
      }
    };

    /** The number of stream blocks so far; called at segment boundaries (after a cut). */
    long count() throws IOException;

    /**
     * Called, after a cut, for a collection whose head content tag is {@code contentTag} and which
     * holds {@code count} documents of {@code bytes} bytes. When an earlier snapshot's blocks hold
     * exactly those documents, the writer takes them as the next blocks of this stream and
     * answers that snapshot's entry for the collection; the documents are then not read. Empty
     * to have them read and written.
     */
    Optional<Snapshots.Collection> reuse(String contentTag, long count, long bytes)
        throws IOException;
  }

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
   * {@code blocks}: each entry also names its documents' blocks and the head's content tag, and
   * a collection whose documents {@code blocks} can reuse is not read.
   */
  public static List<Snapshots.Collection> write(HeadReader head, OutputStream out, Blocks blocks)
      throws IOException {
    Counting counting = new Counting(out);
    List<Snapshots.Collection> result = new ArrayList<>();
    counting.write(bytes(new BsonDocument(TYPE, new BsonString(HEADER))
        .append("version", new BsonInt32(VERSION))));
    for (Namespace ns : head.namespaces()) {
      CollectionInfo info = head.collection(ns).orElse(null);
      if (info == null) {
        continue;
      }
      long offset = counting.count;
      counting.cut();
      counting.write(bytes(collectionDocument(info)));
      counting.cut();
      long firstBlock = blocks.count();
      String tag = head.contentTag(ns).orElse(null);
      Optional<Snapshots.Collection> earlier = tag == null ? Optional.empty()
          : blocks.reuse(tag, info.count(), info.dataSize());
      Snapshots.Collection entry;
      if (earlier.isPresent()) {
        counting.skip(earlier.get().bytes());
        entry = earlier.get().placed(ns.toString(), offset);
      } else {
        entry = documents(head, info, counting).toCollection(ns.toString(), offset);
      }
      counting.cut();
      if (firstBlock >= 0 && tag != null) {
        entry = entry.inBlocks(tag, firstBlock, blocks.count() - firstBlock);
      }
      result.add(entry);
    }
    counting.cut();
    counting.write(bytes(new BsonDocument(TYPE, new BsonString(END))
        .append("collections", new BsonInt32(result.size()))));
    return result;
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

  static BsonDocument collectionDocument(CollectionInfo info) {
    BsonDocument d = new BsonDocument(TYPE, new BsonString(COLLECTION))
        .append("ns", new BsonString(info.ns().toString()));
    info.uuid().ifPresent(u -> d.append("uuid", new BsonBinary(u, UuidRepresentation.STANDARD)));
    d.append("options", info.options());
    d.append("indexes", new BsonArray(new ArrayList<>(info.indexes())));
    d.append("count", new BsonInt64(info.count()));
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
