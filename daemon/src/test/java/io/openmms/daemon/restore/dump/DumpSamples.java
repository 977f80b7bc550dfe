package io.openmms.daemon.restore.dump;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDbPointer;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonJavaScriptWithScope;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonUndefined;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/** Dumps to write and read back: collections with their documents, and helpers to compare. */
final class DumpSamples {
  static final UUID USERS_UUID = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  static final UUID EMPTY_UUID = UUID.fromString("01234567-89ab-cdef-0123-456789abcdef");
  static final String LONG_NAME = "long/" + "x".repeat(300);
  static final String MARKER = "flip-me-marker";

  /** A collection and its documents, in order. */
  record Sample(DumpCollection collection, List<RawBsonDocument> documents) {}

  private DumpSamples() {}

  /**
   * Two databases: an escaped name, an empty capped collection, a dotted name with 20,000 small
   * documents, a collection with collation, validator, unique and compound indexes and every
   * BSON type, a document near 16 MiB and a name long enough to be truncated. Sorted.
   */
  static List<Sample> full() {
    List<Sample> s = new ArrayList<>();
    s.add(new Sample(collection("app", "a/b c?", null, new BsonDocument()),
        List.of(raw(doc(1).append("note", new BsonString("escaped name"))), raw(doc(2)))));
    s.add(new Sample(capped(), List.of()));
    List<RawBsonDocument> events = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      events.add(raw(doc(i).append("t", new BsonString("click"))
          .append("n", new BsonInt64(2L * i))));
    }
    s.add(new Sample(collection("app", "events.2024", null, new BsonDocument()), events));
    s.add(new Sample(users(), List.of(raw(everyType()), raw(doc(2).append("m",
        new BsonString(MARKER))), raw(doc(3)))));
    // A random 4 KiB block repeated: varied bytes that deflate still compresses quickly.
    byte[] block = new byte[4096];
    new Random(7).nextBytes(block);
    byte[] blob = new byte[(16 << 20) - 200];
    for (int i = 0; i < blob.length; i += block.length) {
      System.arraycopy(block, 0, blob, i, Math.min(block.length, blob.length - i));
    }
    s.add(new Sample(collection("big", "blob", null, new BsonDocument()),
        List.of(raw(doc(1).append("data", new BsonBinary(blob))))));
    s.add(new Sample(collection("big", LONG_NAME, null, new BsonDocument()),
        List.of(raw(doc(1)))));
    return s;
  }

  /** Three small collections (one empty) in two databases, for byte-by-byte fault sweeps. */
  static List<Sample> small() {
    return List.of(
        new Sample(capped(), List.of()),
        new Sample(users(), List.of(raw(doc(1)), raw(doc(2).append("m", new BsonString(MARKER))))),
        new Sample(collection("b", "c.d", null, new BsonDocument()), List.of(raw(doc(9)))));
  }

  /** app.empty: capped, size and max, a UUID, only the _id index. */
  static DumpCollection capped() {
    return collection("app", "empty", EMPTY_UUID, new BsonDocument("capped", BsonBoolean.TRUE)
        .append("size", new BsonInt32(4096)).append("max", new BsonInt32(100)));
  }

  /** app.users: collation, validator, unique, compound and double-keyed indexes, a UUID. */
  static DumpCollection users() {
    BsonDocument options = new BsonDocument()
        .append("collation", new BsonDocument("locale", new BsonString("fr"))
            .append("strength", new BsonInt32(2)))
        .append("validator", BsonDocument.parse(
            "{$jsonSchema: {bsonType: 'object', required: ['email'],"
                + " properties: {age: {bsonType: 'int', minimum: 0}}}}"))
        .append("validationLevel", new BsonString("strict"));
    List<BsonDocument> indexes = List.of(
        idIndex(),
        index(new BsonDocument("email", new BsonInt32(1)), "email_1").append("unique",
            BsonBoolean.TRUE),
        index(new BsonDocument("lastName", new BsonInt32(1)).append("firstName",
            new BsonInt32(-1)), "lastName_1_firstName_-1"),
        index(new BsonDocument("age", new BsonDouble(1.0)), "age_1")
            .append("expireAfterSeconds", new BsonInt64(3600)));
    return new DumpCollection("app", "users", Optional.of(USERS_UUID), options, indexes);
  }

  static DumpCollection collection(String db, String name, UUID uuid, BsonDocument options) {
    return new DumpCollection(db, name, Optional.ofNullable(uuid), options, List.of(idIndex()));
  }

  static BsonDocument idIndex() {
    return index(new BsonDocument("_id", new BsonInt32(1)), "_id_");
  }

  static BsonDocument index(BsonDocument key, String name) {
    return new BsonDocument("v", new BsonInt32(2)).append("key", key)
        .append("name", new BsonString(name));
  }

  static BsonDocument doc(int id) {
    return new BsonDocument("_id", new BsonInt32(id));
  }

  static RawBsonDocument raw(BsonDocument d) {
    return new RawBsonDocument(d, new BsonDocumentCodec());
  }

  static byte[] bytes(RawBsonDocument d) {
    return Arrays.copyOfRange(d.getBackingArray(), d.getByteOffset(),
        d.getByteOffset() + d.getByteLength());
  }

  /** One document holding a value of every BSON type. */
  static BsonDocument everyType() {
    return new BsonDocument("_id", new BsonObjectId(new ObjectId("65a1b2c3d4e5f60718293a4b")))
        .append("double", new BsonDouble(3.25))
        .append("string", new BsonString("h\u00e9llo \"w\"\n"))
        .append("document", new BsonDocument("a", new BsonInt32(1)))
        .append("array", new BsonArray(List.of(new BsonInt32(1), new BsonString("two"))))
        .append("binary", new BsonBinary(new byte[] {1, 2, 3}))
        .append("uuid", new BsonBinary(USERS_UUID, UuidRepresentation.STANDARD))
        .append("undefined", new BsonUndefined())
        .append("bool", BsonBoolean.TRUE)
        .append("date", new BsonDateTime(1_700_000_000_000L))
        .append("null", BsonNull.VALUE)
        .append("regex", new BsonRegularExpression("^a.*", "i"))
        .append("dbPointer", new BsonDbPointer("app.users",
            new ObjectId("65a1b2c3d4e5f60718293a4c")))
        .append("code", new BsonJavaScript("function () { return 1; }"))
        .append("symbol", new BsonSymbol("sym"))
        .append("codeWithScope", new BsonJavaScriptWithScope("x + 1",
            new BsonDocument("x", new BsonInt32(1))))
        .append("int32", new BsonInt32(-7))
        .append("timestamp", new BsonTimestamp(1_700_000_000, 3))
        .append("int64", new BsonInt64(Long.MAX_VALUE))
        .append("decimal128", new BsonDecimal128(Decimal128.parse("1.10")))
        .append("minKey", new BsonMinKey())
        .append("maxKey", new BsonMaxKey());
  }

  /** Writes {@code samples} into {@code dir} in reverse order (the readers sort). */
  static void write(Path dir, List<Sample> samples) throws IOException {
    try (DumpDirectory.Writer w = DumpDirectory.create(dir)) {
      for (Sample s : samples.reversed()) {
        w.begin(s.collection());
        for (RawBsonDocument d : s.documents()) {
          w.document(d);
        }
        w.end();
      }
    }
  }

  /** Everything {@code reader} gives, then closes it. */
  static List<Sample> readAll(DumpReader reader) throws IOException {
    try (reader) {
      List<Sample> out = new ArrayList<>();
      for (Optional<DumpCollection> c = reader.nextCollection(); c.isPresent();
          c = reader.nextCollection()) {
        List<RawBsonDocument> docs = new ArrayList<>();
        for (RawBsonDocument d = reader.nextDocument(); d != null; d = reader.nextDocument()) {
          docs.add(d);
        }
        out.add(new Sample(c.get(), docs));
      }
      return out;
    }
  }

  /** {@code samples} in the order the formats read them: database, then collection name. */
  static List<Sample> sorted(List<Sample> samples) {
    return samples.stream().sorted(Comparator.comparing((Sample s) -> s.collection().db())
        .thenComparing(s -> s.collection().collection())).toList();
  }

  /** Same collections in the same order, equal metadata, byte-identical documents in order. */
  static void assertSameDump(List<Sample> actual, List<Sample> expected) {
    assertThat(actual).extracting(Sample::collection)
        .containsExactlyElementsOf(expected.stream().map(Sample::collection).toList());
    for (int i = 0; i < expected.size(); i++) {
      List<RawBsonDocument> a = actual.get(i).documents();
      List<RawBsonDocument> e = expected.get(i).documents();
      String ns = expected.get(i).collection().ns();
      assertThat(a).as("documents of %s", ns).hasSameSizeAs(e);
      for (int j = 0; j < e.size(); j++) {
        assertThat(bytes(a.get(j))).as("document %d of %s", j, ns).isEqualTo(bytes(e.get(j)));
      }
    }
  }

  /** Where {@code needle} first occurs in {@code haystack}; fails when it does not. */
  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
