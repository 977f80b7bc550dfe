package io.openmms.daemon.restore.dump;

import static io.openmms.daemon.restore.dump.DumpSamples.assertSameDump;
import static io.openmms.daemon.restore.dump.DumpSamples.readAll;
import static io.openmms.daemon.restore.dump.DumpSamples.sorted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DumpDirectoryTest {
  private static final String LONG_FILE = "long%2F" + "x".repeat(201)
      + "%24tJ40toK4Dk2diVz0FnskDZuJ83E";

  @TempDir Path dir;

  @Test
  void roundTripKeepsEveryDocumentByteForByteAndTheMetadata() throws IOException {
    List<DumpSamples.Sample> samples = DumpSamples.full();
    DumpSamples.write(dir, samples);

    assertSameDump(readAll(DumpDirectory.read(dir)), sorted(samples));
    assertThat(DumpDirectory.collections(dir))
        .containsExactlyElementsOf(sorted(samples).stream().map(s -> s.collection()).toList());
  }

  @Test
  void filesAreNamedAsMongodumpNamesThem() throws IOException {
    DumpSamples.write(dir, DumpSamples.full());

    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()))
          .containsExactlyInAnyOrder(
              "app/a%2Fb%20c%3F.bson", "app/a%2Fb%20c%3F.metadata.json",
              "app/empty.bson", "app/empty.metadata.json",
              "app/events.2024.bson", "app/events.2024.metadata.json",
              "app/users.bson", "app/users.metadata.json",
              "big/blob.bson", "big/blob.metadata.json",
              "big/" + LONG_FILE + ".bson", "big/" + LONG_FILE + ".metadata.json");
    }
    assertThat(LONG_FILE).hasSize(238);
  }

  @Test
  void collectionNamesAreEscapedLikeGoPathEscape() {
    assertThat(FileNames.collectionFile("a-b_c.d~e$f&g+h:i=j@k"))
        .isEqualTo("a-b_c.d~e$f&g+h:i=j@k");
    assertThat(FileNames.collectionFile("a/b c?d;e,f%g")).isEqualTo("a%2Fb%20c%3Fd%3Be%2Cf%25g");
    assertThat(FileNames.collectionFile("caf\u00e9\u2603")).isEqualTo("caf%C3%A9%E2%98%83");
    assertThat(FileNames.collectionFile("y".repeat(238))).isEqualTo("y".repeat(238));
    assertThat(FileNames.collectionFile("y".repeat(239))).hasSize(238).contains("%24")
        .startsWith("y".repeat(208));
  }

  @Test
  void metadataJsonIsWhatMongodumpWrites() throws IOException {
    try (DumpDirectory.Writer w = DumpDirectory.create(dir)) {
      w.begin(DumpSamples.capped());
      w.end();
      w.begin(DumpSamples.collection("app", "plain", null, new BsonDocument()));
      w.end();
    }

    assertThat(Files.readString(dir.resolve("app/empty.metadata.json"))).isEqualTo(
        "{\"options\":{\"capped\":true,\"size\":{\"$numberInt\":\"4096\"},"
            + "\"max\":{\"$numberInt\":\"100\"}},"
            + "\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"_id\":{\"$numberInt\":\"1\"}},"
            + "\"name\":\"_id_\"}],"
            + "\"uuid\":\"0123456789abcdef0123456789abcdef\","
            + "\"collectionName\":\"empty\",\"type\":\"collection\"}");
    assertThat(Files.readString(dir.resolve("app/plain.metadata.json"))).isEqualTo(
        "{\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"_id\":{\"$numberInt\":\"1\"}},"
            + "\"name\":\"_id_\"}],\"collectionName\":\"plain\",\"type\":\"collection\"}");
  }

  @Test
  void readsAMetadataFileOfOlderToolsNamedByItsFile() throws IOException {
    Files.createDirectories(dir.resolve("shop"));
    Files.writeString(dir.resolve("shop/a%2Fb.metadata.json"), "{\"options\":{\"size\":"
        + "{\"$numberLong\":\"1024\"},\"w\":1.5},\"indexes\":[{\"v\":2,\"key\":{\"x\":1},"
        + "\"name\":\"x_1\",\"ns\":\"shop.a/b\"}]}");
    Files.write(dir.resolve("shop/a%2Fb.bson"), DumpSamples.bytes(DumpSamples.raw(
        DumpSamples.doc(5))));

    assertThat(DumpDirectory.collections(dir)).containsExactly(new DumpCollection("shop", "a/b",
        Optional.empty(), new BsonDocument("size", new BsonInt64(1024))
            .append("w", new BsonDouble(1.5)),
        List.of(new BsonDocument("v", new BsonInt32(2))
            .append("key", new BsonDocument("x", new BsonInt32(1)))
            .append("name", new org.bson.BsonString("x_1"))
            .append("ns", new org.bson.BsonString("shop.a/b")))));
  }

  @Test
  void truncatedBsonFileIsReportedWithTheFileAndOffset() throws IOException {
    DumpSamples.write(dir, DumpSamples.small());
    Path users = dir.resolve("app/users.bson");
    long size = Files.size(users);
    long lastStart = size - DumpSamples.raw(DumpSamples.doc(2).append("m",
        new org.bson.BsonString(DumpSamples.MARKER))).getByteLength();
    truncate(users, size - 3);

    assertThatThrownBy(() -> readAll(DumpDirectory.read(dir)))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("users.bson")
        .hasMessageContaining("byte offset " + lastStart)
        .hasMessageContaining("truncated");

    truncate(users, lastStart + 2);
    assertThatThrownBy(() -> readAll(DumpDirectory.read(dir)))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("byte offset " + lastStart);
  }

  @Test
  void impossibleLengthsAreReported() throws IOException {
    DumpSamples.write(dir, DumpSamples.small());
    Path users = dir.resolve("app/users.bson");
    byte[] b = Files.readAllBytes(users);
    b[0] = 4;
    Files.write(users, b);
    assertThatThrownBy(() -> readAll(DumpDirectory.read(dir)))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("users.bson, byte offset 0: impossible length 4");

    b[0] = 0;
    b[3] = 0x04; // 64 MiB
    Files.write(users, b);
    assertThatThrownBy(() -> readAll(DumpDirectory.read(dir)))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("users.bson, byte offset 0: impossible length 67108864");
  }

  @Test
  void unterminatedDocumentIsReported() throws IOException {
    DumpSamples.write(dir, DumpSamples.small());
    Path file = dir.resolve("b/c.d.bson");
    byte[] b = Files.readAllBytes(file);
    b[b.length - 1] = 1;
    Files.write(file, b);

    assertThatThrownBy(() -> readAll(DumpDirectory.read(dir)))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("c.d.bson, byte offset 0")
        .hasMessageContaining("does not end with a 0x00 byte");
  }

  @Test
  void malformedMetadataIsReportedWithTheFileAndOffset() throws IOException {
    DumpSamples.write(dir, DumpSamples.small());
    Path metadata = dir.resolve("app/users.metadata.json");
    String json = Files.readString(metadata);
    Files.writeString(metadata, json.substring(0, 40));

    assertThatThrownBy(() -> DumpDirectory.collections(dir))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("users.metadata.json, byte offset ")
        .hasMessageContaining("not valid Extended JSON");

    Files.writeString(metadata, "{\"indexes\":[]} trailing");
    assertThatThrownBy(() -> DumpDirectory.collections(dir))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("users.metadata.json, byte offset 15: text after");

    Files.writeString(metadata, "{\"indexes\":[],\"uuid\":\"xyz\"}");
    assertThatThrownBy(() -> DumpDirectory.collections(dir))
        .isInstanceOf(DumpFormatException.class).hasMessageContaining("uuid");

    Files.writeString(metadata, "{\"indexes\":[],\"type\":\"view\"}");
    assertThatThrownBy(() -> DumpDirectory.collections(dir))
        .isInstanceOf(DumpFormatException.class).hasMessageContaining("not supported");

    Files.write(metadata, new byte[] {'{', '"', (byte) 0xc3, '"'});
    assertThatThrownBy(() -> DumpDirectory.collections(dir))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("byte offset 2: not valid UTF-8");
  }

  @Test
  void metadataNamingAnotherCollectionIsRefused() throws IOException {
    DumpSamples.write(dir, DumpSamples.small());
    Path metadata = dir.resolve("app/users.metadata.json");
    Files.writeString(metadata, Files.readString(metadata).replace("\"users\"", "\"people\""));

    assertThatThrownBy(() -> DumpDirectory.collections(dir))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("users.metadata.json: holds collection \"people\"");
  }

  @Test
  void aFileWithoutItsPartnerIsRefused() throws IOException {
    DumpSamples.write(dir, DumpSamples.small());
    Path metadata = dir.resolve("app/users.metadata.json");
    byte[] json = Files.readAllBytes(metadata);
    Files.delete(metadata);
    assertThatThrownBy(() -> DumpDirectory.read(dir))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("users.bson: no .metadata.json beside it");

    Files.write(metadata, json);
    Files.delete(dir.resolve("b/c.d.bson"));
    assertThatThrownBy(() -> DumpDirectory.collections(dir))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("c.d.metadata.json: no c.d.bson beside it");
  }

  @Test
  void writerCountsItsBytesAndRefusesMisuse() throws IOException {
    List<DumpSamples.Sample> samples = DumpSamples.small();
    DumpSamples.write(dir, samples);
    try (DumpDirectory.Writer w = DumpDirectory.create(dir.resolve("second"))) {
      for (DumpSamples.Sample s : samples) {
        w.begin(s.collection());
        s.documents().forEach(d -> {
          try {
            w.document(d);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
        w.end();
      }
      long total;
      try (Stream<Path> files = Files.walk(dir.resolve("second"))) {
        total = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      }
      assertThat(w.bytesWritten()).isEqualTo(total);

      assertThatThrownBy(() -> w.begin(DumpSamples.users()))
          .isInstanceOf(FileAlreadyExistsException.class)
          .hasMessageContaining("app.users was already written");
      assertThatThrownBy(() -> w.document(DumpSamples.raw(DumpSamples.doc(1))))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> w.begin(DumpSamples.collection("a b", "c", null,
          new BsonDocument()))).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> DumpDirectory.create(dir))
        .isInstanceOf(DirectoryNotEmptyException.class);
    assertThat(new String(Files.readAllBytes(dir.resolve("app/users.metadata.json")),
        StandardCharsets.UTF_8)).contains("\"uuid\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\"");
  }

  private static void truncate(Path file, long size) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size);
    }
  }
}
