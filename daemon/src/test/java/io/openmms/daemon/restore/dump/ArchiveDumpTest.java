package io.openmms.daemon.restore.dump;

import static io.openmms.daemon.restore.dump.DumpSamples.assertSameDump;
import static io.openmms.daemon.restore.dump.DumpSamples.indexOf;
import static io.openmms.daemon.restore.dump.DumpSamples.doc;
import static io.openmms.daemon.restore.dump.DumpSamples.raw;
import static io.openmms.daemon.restore.dump.DumpSamples.readAll;
import static io.openmms.daemon.restore.dump.DumpSamples.sorted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArchiveDumpTest {
  private static final UUID A_UUID = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");

  @TempDir static Path shared;
  private static List<DumpSamples.Sample> full;
  private static Path fullDir;
  private static Path smallDir;

  @TempDir Path temp;

  @BeforeAll
  static void writeDumps() throws IOException {
    full = DumpSamples.full();
    fullDir = shared.resolve("full");
    DumpSamples.write(fullDir, full);
    smallDir = shared.resolve("small");
    DumpSamples.write(smallDir, DumpSamples.small());
  }

  @ParameterizedTest(name = "gzip {0}")
  @ValueSource(booleans = {false, true})
  void roundTripKeepsEveryDocumentByteForByteAndTheMetadata(boolean gzip) throws IOException {
    byte[] archive = pack(fullDir, gzip);

    assertSameDump(readAll(read(archive, gzip)), sorted(full));
    assertThat(temp).isEmptyDirectory();
  }

  @Test
  void progressCountsEveryByteOfTheBsonFiles() throws IOException {
    LongAdder read = new LongAdder();
    ArchiveDump.pack(fullDir, new ByteArrayOutputStream(), true, "7.0.14", read::add);

    long bson;
    try (Stream<Path> files = Files.walk(fullDir)) {
      bson = files.filter(f -> f.toString().endsWith(".bson")).mapToLong(f -> f.toFile().length())
          .sum();
    }
    assertThat(read.sum()).isEqualTo(bson).isPositive();
  }

  @Test
  void writtenArchiveFollowsTheSpecificationByteForByte() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveDump.pack(smallDir, out, false, "7.0.14");
    ByteBuffer a = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);

    assertThat(a.getInt()).as("magic").isEqualTo(0x8199e26d);
    assertThat(next(a)).isEqualTo(ArchiveBytes.bytes(new BsonDocument(
        "concurrent_collections", new BsonInt32(1))
        .append("version", new BsonString("0.1"))
        .append("server_version", new BsonString("7.0.14"))
        .append("tool_version", new BsonString("openmms"))));
    List<DumpSamples.Sample> samples = sorted(DumpSamples.small());
    for (DumpSamples.Sample s : samples) {
      Path file = smallDir.resolve(s.collection().db())
          .resolve(FileNames.collectionFile(s.collection().collection()));
      assertThat(next(a)).as("prelude entry of %s", s.collection().ns()).isEqualTo(
          ArchiveBytes.bytes(names(s.collection())
              .append("metadata",
                  new BsonString(Files.readString(Path.of(file + ".metadata.json"))))
              .append("size", new BsonInt32((int) Files.size(Path.of(file + ".bson"))))
              .append("type", new BsonString("collection"))));
    }
    assertThat(a.getInt()).as("prelude terminator").isEqualTo(-1);
    for (DumpSamples.Sample s : samples) {
      assertThat(next(a)).isEqualTo(ArchiveBytes.bytes(names(s.collection())
          .append("EOF", BsonBoolean.FALSE).append("CRC", new BsonInt64(0))));
      ByteArrayOutputStream docs = new ByteArrayOutputStream();
      for (RawBsonDocument d : s.documents()) {
        assertThat(next(a)).isEqualTo(DumpSamples.bytes(d));
        docs.writeBytes(DumpSamples.bytes(d));
      }
      assertThat(a.getInt()).as("block terminator").isEqualTo(-1);
      assertThat(next(a)).isEqualTo(ArchiveBytes.bytes(names(s.collection())
          .append("EOF", BsonBoolean.TRUE)
          .append("CRC", new BsonInt64(ArchiveBytes.crc64(docs.toByteArray())))));
      assertThat(a.getInt()).as("EOF terminator").isEqualTo(-1);
    }
    assertThat(a.remaining()).isZero();
  }

  @Test
  void gzipCompressesTheWholeArchiveStream() throws IOException {
    byte[] plain = pack(smallDir, false);
    byte[] gzipped = pack(smallDir, true);

    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
      assertThat(in.readAllBytes()).isEqualTo(plain);
    }
  }

  @Test
  void anUnknownServerVersionIsWrittenAs000() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveDump.pack(smallDir, out, false, null);
    ByteBuffer a = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    a.getInt();
    assertThat(new RawBsonDocument(next(a)).getString("server_version").getValue())
        .isEqualTo("0.0.0");
  }

  @Test
  void serverVersionMustBeOneMongorestoreParses() {
    assertThatThrownBy(() -> ArchiveDump.pack(smallDir, new ByteArrayOutputStream(), false, "7.0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7.0");
  }

  @ParameterizedTest(name = "gzip {0}")
  @ValueSource(booleans = {false, true})
  void readsAHandBuiltInterleavedArchive(boolean gzip) throws IOException {
    byte[] archive = interleaved().bytes();
    byte[] input = gzip ? ArchiveBytes.gzip(archive) : archive;

    try (DumpReader r = read(input, gzip)) {
      assertThat(r.nextCollection()).contains(collection("db", "a"));
      assertThat(ids(r)).containsExactly(1, 2, 3);
      try (var spooled = Files.list(temp)) {
        assertThat(spooled).as("db.b, met while db.a was read, is spooled").hasSize(1);
      }
      assertThat(r.nextCollection()).contains(collection("other", "c"));
      assertThat(r.nextDocument()).isNull();
      assertThat(r.nextCollection()).contains(collection("db", "b"));
      assertThat(ids(r)).containsExactly(10, 11, 12);
      assertThat(r.nextCollection()).isEmpty();
    }
    assertThat(temp).isEmptyDirectory();
  }

  @Test
  void skippingACollectionStillChecksItAndKeepsTheOthers() throws IOException {
    try (DumpReader r = read(interleaved().bytes(), false)) {
      assertThat(r.nextCollection()).contains(collection("db", "a"));
      assertThat(r.nextCollection()).contains(collection("other", "c"));
      assertThat(r.nextCollection()).contains(collection("db", "b"));
      assertThat(ids(r)).containsExactly(10, 11, 12);
      assertThat(r.nextCollection()).isEmpty();
    }

    byte[] badCrc = prelude().segment("db", "a", doc(1)).eof("db", "a", 42)
        .eof("db", "b").eof("other", "c").bytes();
    assertThatThrownBy(() -> {
      try (DumpReader r = read(badCrc, false)) {
        r.nextCollection();
        r.nextCollection();
      }
    }).isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("CRC mismatch for namespace db.a");
  }

  @Test
  void spoolFilesAreDeletedOnClose() throws IOException {
    try (DumpReader r = read(interleaved().bytes(), false)) {
      r.nextCollection();
      r.nextDocument();
      r.nextDocument();
      r.nextDocument();
      try (var spooled = Files.list(temp)) {
        assertThat(spooled).hasSize(1);
      }
    }
    assertThat(temp).isEmptyDirectory();
  }

  @ParameterizedTest(name = "gzip {0}")
  @ValueSource(booleans = {false, true})
  void aChangedByteFailsTheNamespaceCrc(boolean gzip) throws IOException {
    byte[] archive = pack(smallDir, false);
    int at = indexOf(archive, DumpSamples.MARKER.getBytes(StandardCharsets.UTF_8));
    archive[at] ^= 0x20;
    byte[] input = gzip ? ArchiveBytes.gzip(archive) : archive;

    assertThatThrownBy(() -> readAll(read(input, gzip)))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("CRC mismatch for namespace app.users")
        .hasMessageMatching("archive, byte offset \\d+: .*");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyTruncationIsReportedAsAFormatError() throws IOException {
    for (byte[] archive : List.of(pack(smallDir, false), interleaved().bytes())) {
      for (int cut = 0; cut < archive.length; cut++) {
        byte[] prefix = Arrays.copyOf(archive, cut);
        assertThatThrownBy(() -> readAll(read(prefix, false))).as("cut at %d", cut)
            .isInstanceOf(DumpFormatException.class);
      }
    }
    byte[] gzipped = pack(smallDir, true);
    for (int cut = 0; cut < gzipped.length; cut++) {
      byte[] prefix = Arrays.copyOf(gzipped, cut);
      assertThatThrownBy(() -> readAll(read(prefix, true))).as("gzip cut at %d", cut)
          .isInstanceOf(DumpFormatException.class);
    }
    assertThat(temp).isEmptyDirectory();
  }

  @Test
  void corruptGzipIsAFormatError() throws IOException {
    byte[] gzipped = pack(smallDir, true);
    gzipped[gzipped.length / 2] ^= 0x55;
    assertThatThrownBy(() -> readAll(read(gzipped, true))).isInstanceOf(DumpFormatException.class);
    assertThatThrownBy(() -> readAll(read(pack(smallDir, false), true)))
        .isInstanceOf(DumpFormatException.class).hasMessageContaining("not a gzip stream");
  }

  @Test
  void malformedArchivesAreReportedWithTheOffsetAndNamespace() {
    int body = prelude().bytes().length;
    assertFormatError(new ArchiveBytes().raw(0x6d, 0xe2, 0x99, 0x82).header("0.1").terminator(),
        "archive, byte offset 0: not a mongodump archive: magic number 8299e26d");
    assertFormatError(new ArchiveBytes().magic().header("0.2").terminator(),
        "archive, byte offset 4: archive format version \"0.2\" is not supported");
    assertFormatError(prelude().segment("db", "zzz", doc(1)),
        "archive, byte offset " + body + ": a block for namespace db.zzz, which the prelude does"
            + " not list");
    assertFormatError(prelude().namespaceHeader("db", "a", false, 0).raw(4, 0, 0, 0),
        "impossible length 4 of document of namespace db.a");
    assertFormatError(prelude().namespaceHeader("db", "a", false, 0).raw(0, 0, 0x10, 0x03),
        "impossible length 51380224 of document of namespace db.a");
    assertFormatError(prelude().eof("db", "a").eof("db", "b"),
        "the archive ends before the EOF header of namespace other.c (listed in the prelude,"
            + " never seen in the body)");
    assertFormatError(prelude().eof("db", "a").segment("db", "a", doc(1)),
        "a namespace header for db.a after its EOF header");
    assertFormatError(prelude().terminator(),
        "archive, byte offset " + body + ": a terminator where a namespace header should start");
    assertFormatError(prelude().namespaceHeader("db", "a", true, 0).doc(doc(1)),
        "no terminator after the EOF header of namespace db.a");
    assertFormatError(new ArchiveBytes().magic().header("0.1").doc(new BsonDocument("db",
        new BsonString("db")).append("collection", new BsonString("v"))
        .append("metadata", new BsonString("{\"indexes\":[]}"))
        .append("type", new BsonString("view"))).terminator(), "has type \"view\"");
    assertFormatError(new ArchiveBytes().magic().header("0.1")
        .collection("db", "a", "{\"indexes\":[").terminator(),
        "archive, collection metadata at byte offset " + new ArchiveBytes().magic().header("0.1")
            .bytes().length + ", metadata of db.a, byte offset 12: not"
            + " valid Extended JSON");
  }

  private void assertFormatError(ArchiveBytes archive, String message) {
    assertThatThrownBy(() -> readAll(read(archive.bytes(), false)))
        .isInstanceOf(DumpFormatException.class).hasMessageContaining(message);
  }

  /** A prelude of db.a, db.b and other.c. */
  private static ArchiveBytes prelude() {
    return new ArchiveBytes().magic().header("0.1")
        .collection("db", "a", metadata("a", true))
        .collection("db", "b", metadata("b", false))
        .collection("other", "c", metadata("c", false))
        .terminator();
  }

  /** db.a and db.b alternate, other.c is only an EOF header, db.b ends last. */
  private static ArchiveBytes interleaved() {
    return prelude()
        .segment("db", "a", doc(1), doc(2))
        .segment("db", "b", doc(10))
        .segment("db", "a", doc(3))
        .eof("other", "c")
        .segment("db", "b", doc(11), doc(12))
        .eof("db", "a")
        .eof("db", "b");
  }

  private static String metadata(String name, boolean uuid) {
    return "{\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"_id\":{\"$numberInt\":\"1\"}},"
        + "\"name\":\"_id_\"}]," + (uuid ? "\"uuid\":\"00112233445566778899aabbccddeeff\"," : "")
        + "\"collectionName\":\"" + name + "\",\"type\":\"collection\"}";
  }

  private static DumpCollection collection(String db, String name) {
    return new DumpCollection(db, name, name.equals("a") ? Optional.of(A_UUID) : Optional.empty(),
        new BsonDocument(), List.of(DumpSamples.idIndex()));
  }

  private static List<Integer> ids(DumpReader r) throws IOException {
    List<Integer> ids = new java.util.ArrayList<>();
    for (RawBsonDocument d = r.nextDocument(); d != null; d = r.nextDocument()) {
      ids.add(d.getInt32("_id").getValue());
    }
    return ids;
  }

  private static BsonDocument names(DumpCollection c) {
    return new BsonDocument("db", new BsonString(c.db()))
        .append("collection", new BsonString(c.collection()));
  }

  private static byte[] next(ByteBuffer b) {
    int length = b.getInt(b.position());
    byte[] d = new byte[length];
    b.get(d);
    return d;
  }

  private static byte[] pack(Path dir, boolean gzip) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveDump.pack(dir, out, gzip, "7.0.14");
    return out.toByteArray();
  }

  private DumpReader read(byte[] archive, boolean gzip) throws IOException {
    return ArchiveDump.read(new ByteArrayInputStream(archive), gzip, temp);
  }
}
