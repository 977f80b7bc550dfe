package io.openmms.daemon.restore.dump;

import static io.openmms.daemon.restore.dump.DumpSamples.assertSameDump;
import static io.openmms.daemon.restore.dump.DumpSamples.indexOf;
import static io.openmms.daemon.restore.dump.DumpSamples.readAll;
import static io.openmms.daemon.restore.dump.DumpSamples.sorted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openmms.common.util.FileTrees;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TarGzDumpTest {
  private static final Instant MTIME = Instant.parse("2024-05-01T12:00:00.750Z");
  private static final String LONG_FILE = "long%2F" + "x".repeat(201)
      + "%24tJ40toK4Dk2diVz0FnskDZuJ83E";

  @TempDir static Path shared;
  private static List<DumpSamples.Sample> full;
  private static Path fullDir;
  private static Path smallDir;

  @BeforeAll
  static void writeDumps() throws IOException {
    full = DumpSamples.full();
    fullDir = shared.resolve("full");
    DumpSamples.write(fullDir, full);
    smallDir = shared.resolve("small");
    DumpSamples.write(smallDir, DumpSamples.small());
  }

  @Test
  void roundTripKeepsEveryDocumentByteForByteAndTheMetadata() throws IOException {
    byte[] tgz = pack(fullDir, "dump", MTIME);

    assertSameDump(readAll(TarGzDump.read(new ByteArrayInputStream(tgz))), sorted(full));
  }

  @Test
  void progressCountsEveryByteOfTheDumpThoughTheOutputIsSmaller() throws IOException {
    LongAdder read = new LongAdder();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarGzDump.pack(fullDir, "dump", MTIME, out, read::add);

    assertThat(read.sum()).isEqualTo(FileTrees.size(fullDir));
    assertThat(out.size()).isLessThan((int) read.sum());
  }

  @Test
  void listingIsTheMongodumpLayoutUnderTheTopDirectory() throws IOException {
    byte[] tgz = pack(fullDir, "rs0-20240501", MTIME);

    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(
        new GZIPInputStream(new ByteArrayInputStream(tgz)))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        names.add(e.getName());
        assertThat(e.getMode()).as(e.getName()).isEqualTo(e.isDirectory() ? 040755 : 0100644);
        assertThat(e.getModTime().toInstant()).isEqualTo(Instant.parse("2024-05-01T12:00:00Z"));
        assertThat(e.getLongUserId()).isZero();
        assertThat(e.getUserName()).isEmpty();
        if (e.isFile()) {
          Path file = fullDir.resolve(e.getName().substring("rs0-20240501/".length()));
          assertThat(tar.readAllBytes()).as(e.getName()).isEqualTo(Files.readAllBytes(file));
        }
      }
    }
    String t = "rs0-20240501/";
    assertThat(names).containsExactly(t, t + "app/",
        t + "app/a%2Fb%20c%3F.metadata.json", t + "app/a%2Fb%20c%3F.bson",
        t + "app/empty.metadata.json", t + "app/empty.bson",
        t + "app/events.2024.metadata.json", t + "app/events.2024.bson",
        t + "app/users.metadata.json", t + "app/users.bson",
        t + "big/",
        t + "big/blob.metadata.json", t + "big/blob.bson",
        t + "big/" + LONG_FILE + ".metadata.json", t + "big/" + LONG_FILE + ".bson");
  }

  @Test
  void sameDumpAndMtimeGiveTheSameBytes() throws IOException {
    assertThat(pack(smallDir, "dump", MTIME)).isEqualTo(pack(smallDir, "dump", MTIME))
        .isNotEqualTo(pack(smallDir, "dump", MTIME.plusSeconds(1)));
  }

  @Test
  void topDirMustBeOneDirectoryName() {
    for (String bad : List.of("", "a/b", "..", ".")) {
      assertThatThrownBy(() -> pack(smallDir, bad, MTIME))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyTruncationAndCorruptionIsAFormatError() throws IOException {
    byte[] tgz = pack(smallDir, "dump", MTIME);
    for (int cut = 0; cut < tgz.length; cut++) {
      byte[] prefix = Arrays.copyOf(tgz, cut);
      assertThatThrownBy(() -> readAll(TarGzDump.read(new ByteArrayInputStream(prefix))))
          .as("cut at %d", cut).isInstanceOf(DumpFormatException.class);
    }
    for (int at = 10; at < tgz.length; at += 7) {
      byte[] corrupt = tgz.clone();
      corrupt[at] ^= 0x41;
      assertThatThrownBy(() -> readAll(TarGzDump.read(new ByteArrayInputStream(corrupt))))
          .as("byte %d changed", at).isInstanceOf(DumpFormatException.class);
    }
  }

  @Test
  void tarCutAtAnEntryBoundaryIsTruncatedEvenInAValidGzip() throws IOException {
    byte[] tar = gunzip(pack(smallDir, "dump", MTIME));
    int lastHeader = indexOf(tar, "dump/b/c.d.bson".getBytes(StandardCharsets.UTF_8));
    byte[] cut = Arrays.copyOf(tar, lastHeader);

    assertThatThrownBy(() -> readAll(TarGzDump.read(new ByteArrayInputStream(gzip(cut)))))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("without its end-of-archive record");
  }

  @Test
  void bsonEntryWithoutItsMetadataIsRefused() throws IOException {
    byte[] doc = DumpSamples.bytes(DumpSamples.raw(DumpSamples.doc(1)));
    byte[] tgz = tarGz(List.of("dump/db/c.bson"), List.of(doc));

    assertThatThrownBy(() -> readAll(TarGzDump.read(new ByteArrayInputStream(tgz))))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("tar.gz entry dump/db/c.bson: no c.metadata.json before it");
  }

  @Test
  void malformedDocumentNamesTheEntryAndOffset() throws IOException {
    byte[] doc = DumpSamples.bytes(DumpSamples.raw(DumpSamples.doc(1)));
    byte[] broken = doc.clone();
    broken[broken.length - 1] = 7;
    byte[] bson = new byte[doc.length * 2];
    System.arraycopy(doc, 0, bson, 0, doc.length);
    System.arraycopy(broken, 0, bson, doc.length, doc.length);
    byte[] tgz = tarGz(List.of("dump/db/c.metadata.json", "dump/db/c.bson"),
        List.of("{\"indexes\":[]}".getBytes(StandardCharsets.UTF_8), bson));

    assertThatThrownBy(() -> readAll(TarGzDump.read(new ByteArrayInputStream(tgz))))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("tar.gz entry dump/db/c.bson, byte offset " + doc.length
            + ": document of length " + doc.length + " does not end with a 0x00 byte");
  }

  @Test
  void metadataWithoutItsBsonIsRefused() throws IOException {
    byte[] tgz = tarGz(List.of("dump/db/c.metadata.json"),
        List.of("{\"indexes\":[]}".getBytes(StandardCharsets.UTF_8)));

    assertThatThrownBy(() -> readAll(TarGzDump.read(new ByteArrayInputStream(tgz))))
        .isInstanceOf(DumpFormatException.class)
        .hasMessageContaining("no .bson entry for db/c.metadata.json");
  }

  private static byte[] pack(Path dir, String top, Instant mtime) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarGzDump.pack(dir, top, mtime, out);
    return out.toByteArray();
  }

  /** A tar.gz with the given files, written by commons-compress directly. */
  private static byte[] tarGz(List<String> names, List<byte[]> contents) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
      for (int i = 0; i < names.size(); i++) {
        TarArchiveEntry e = new TarArchiveEntry(names.get(i));
        e.setSize(contents.get(i).length);
        tar.putArchiveEntry(e);
        tar.write(contents.get(i));
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(b);
    }
    return out.toByteArray();
  }

  private static byte[] gunzip(byte[] b) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
      return in.readAllBytes();
    }
  }
}
