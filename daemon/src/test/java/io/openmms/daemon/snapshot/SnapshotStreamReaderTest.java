package io.openmms.daemon.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openmms.daemon.head.IdKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;

/**
 * Patched collections read back (docs/snapshot-format.md, "Patched collections"): the merge of
 * base and patch by {@code _id} key, and every way a damaged patch is refused.
 */
class SnapshotStreamReaderTest {

  /** A stream of one patched collection {@code a.b}, built section by section. */
  private static final class Patched {
    final List<RawBsonDocument> base = new ArrayList<>();
    final List<byte[]> entries = new ArrayList<>();
    long count;
    UnaryOperator<BsonDocument> baseInfo = d -> d;
    UnaryOperator<BsonDocument> patchEnd = d -> d;

    Patched base(int... ids) {
      for (int id : ids) {
        base.add(doc(id, "base"));
      }
      return this;
    }

    Patched upsert(int id) {
      entries.add(SnapshotStream.patchEntry(key(id), doc(id, "patch")));
      return this;
    }

    Patched delete(int id) {
      entries.add(SnapshotStream.patchEntry(key(id), null));
      return this;
    }

    Patched count(long n) {
      count = n;
      return this;
    }

    byte[] bytes() throws Exception {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(SnapshotStream.bytes(new BsonDocument("t", new BsonString("openmms.snapshot"))
          .append("version", new BsonInt32(2))));
      MessageDigest baseSha = SnapshotStream.sha256();
      long baseBytes = 0;
      for (RawBsonDocument d : base) {
        baseSha.update(raw(d));
        baseBytes += d.getByteLength();
      }
      BsonDocument info = new BsonDocument("count", new BsonInt64(base.size()))
          .append("bytes", new BsonInt64(baseBytes))
          .append("sha256", new BsonString(HexFormat.of().formatHex(baseSha.digest())));
      out.write(SnapshotStream.bytes(new BsonDocument("t", new BsonString("collection"))
          .append("ns", new BsonString("a.b")).append("options", new BsonDocument())
          .append("indexes", new org.bson.BsonArray()).append("count", new BsonInt64(count))
          .append("base", baseInfo.apply(info))));
      for (RawBsonDocument d : base) {
        out.write(raw(d));
      }
      MessageDigest patchSha = SnapshotStream.sha256();
      for (byte[] e : entries) {
        patchSha.update(e);
        out.write(e);
      }
      out.write(SnapshotStream.bytes(patchEnd.apply(new BsonDocument("t",
          new BsonString("patch end")).append("entries", new BsonInt64(entries.size()))
          .append("sha256", new BsonString(HexFormat.of().formatHex(patchSha.digest()))))));
      out.write(SnapshotStream.bytes(new BsonDocument("t", new BsonString("end"))
          .append("collections", new BsonInt32(1))));
      return out.toByteArray();
    }
  }

  private static RawBsonDocument doc(int id, String from) {
    return RawBsonDocument.parse("{_id: " + id + ", from: '" + from + "'}");
  }

  private static byte[] key(int id) {
    return IdKey.encode(new BsonInt32(id));
  }

  private static byte[] raw(RawBsonDocument d) {
    return java.util.Arrays.copyOfRange(d.getBackingArray(), d.getByteOffset(),
        d.getByteOffset() + d.getByteLength());
  }

  /** Reads the whole stream: "id:from" per document. */
  private static List<String> read(byte[] stream) throws IOException {
    List<String> out = new ArrayList<>();
    try (SnapshotStreamReader r = new SnapshotStreamReader(new ByteArrayInputStream(stream),
        at -> {
          ByteArrayInputStream in = new ByteArrayInputStream(stream);
          in.skipNBytes(at);
          return in;
        })) {
      while (r.nextCollection().isPresent()) {
        RawBsonDocument d;
        while ((d = r.nextDocument()) != null) {
          out.add(d.getInt32("_id").getValue() + ":" + d.getString("from").getValue());
        }
      }
      assertThat(r.ended()).isTrue();
      assertThat(r.offset()).isEqualTo(stream.length);
    }
    return out;
  }

  @Test
  void theMergeReplacesDeletesAndInsertsByKey() throws Exception {
    byte[] stream = new Patched().base(2, 4, 6, 8).upsert(1).upsert(4).delete(6).delete(7)
        .upsert(9).count(5).bytes();
    assertThat(read(stream)).containsExactly("1:patch", "2:base", "4:patch", "8:base",
        "9:patch");
  }

  @Test
  void anEmptyPatchGivesTheBaseAndAnEmptyBaseGivesThePatch() throws Exception {
    assertThat(read(new Patched().base(1, 2).count(2).bytes()))
        .containsExactly("1:base", "2:base");
    assertThat(read(new Patched().upsert(3).delete(5).count(1).bytes()))
        .containsExactly("3:patch");
  }

  @Test
  void aReaderWithoutASecondStreamRefusesAPatchedCollectionClearly() throws Exception {
    byte[] stream = new Patched().base(1).upsert(2).count(2).bytes();
    try (SnapshotStreamReader r = new SnapshotStreamReader(new ByteArrayInputStream(stream))) {
      assertThatThrownBy(r::nextCollection)
          .isInstanceOf(SnapshotStreamReader.CorruptStreamException.class)
          .hasMessageContaining("a.b is patched");
    }
  }

  @Test
  void aDamagedPatchIsRefusedWithItsOffset() throws Exception {
    // a changed entry: the patch's SHA-256 no longer matches its end document
    Patched tampered = new Patched().base(1, 2).upsert(3).count(3);
    tampered.patchEnd = d -> d.append("sha256", new BsonString("0".repeat(64)));
    assertThatThrownBy(() -> read(tampered.bytes()))
        .isInstanceOf(SnapshotStreamReader.CorruptStreamException.class)
        .hasMessageContaining("the patch of a.b").hasMessageContaining("offset");
    // entries out of key order
    assertThatThrownBy(() -> read(new Patched().base(1).upsert(5).upsert(3).count(3).bytes()))
        .hasMessageContaining("out of key order");
    // a base whose checksum is not the one the collection document gives
    Patched badBase = new Patched().base(1, 2).count(2);
    badBase.baseInfo = d -> d.append("sha256", new BsonString("f".repeat(64)));
    assertThatThrownBy(() -> read(badBase.bytes()))
        .hasMessageContaining("the base documents of a.b");
    // more or fewer merged documents than the count
    assertThatThrownBy(() -> read(new Patched().base(1, 2).upsert(3).count(2).bytes()))
        .hasMessageContaining("more documents than its count");
    assertThatThrownBy(() -> read(new Patched().base(1, 2).delete(2).count(2).bytes()))
        .hasMessageContaining("gives 1 documents but its count is 2");
    // an entry that holds something other than a document
    Patched notADocument = new Patched().base(1).count(2);
    notADocument.entries.add(SnapshotStream.bytes(new BsonDocument("k",
        new org.bson.BsonBinary(key(2))).append("u", new BsonString("x"))));
    assertThatThrownBy(() -> read(notADocument.bytes()))
        .hasMessageContaining("holds a STRING where a document belongs");
  }
}
