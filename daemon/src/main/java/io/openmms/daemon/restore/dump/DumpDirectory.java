package io.openmms.daemon.restore.dump;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bson.RawBsonDocument;

/**
 * A mongodump output directory, which {@code mongorestore --dir <dir>} restores unchanged:
 * {@code <dir>/<db>/<name>.bson}, the collection's documents as raw BSON concatenated, and
 * {@code <dir>/<db>/<name>.metadata.json}, its options, indexes and UUID. File names follow
 * mongodump exactly ({@link FileNames}: escaped, very long names truncated with a hash), as does
 * the metadata text ({@link MetadataJson}). See docs/restore-formats.md.
 *
 * <p>Collections are read back sorted by database, then collection name (Java string order),
 * whatever order they were written in; documents in file order, streamed (a .bson file may be
 * larger than memory). A missing, truncated or malformed file raises
 * {@link DumpFormatException} naming the file and byte offset.
 */
public final class DumpDirectory {
  /** One collection of a directory: its metadata (and the text it was read from) and files. */
  record Entry(DumpCollection collection, String metadataJson, Path metadata, Path bson) {}

  private DumpDirectory() {}

  /** A writer filling {@code dir}, which is created if needed and must be empty. */
  public static Writer create(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Stream<Path> present = Files.list(dir)) {
      if (present.findAny().isPresent()) {
        throw new DirectoryNotEmptyException(dir + " (a dump is written into an empty directory)");
      }
    }
    return new Writer(dir);
  }

  /** Reads the dump in {@code dir}; the reader streams each .bson file. */
  public static DumpReader read(Path dir) throws IOException {
    return new DirectoryReader(entries(dir));
  }

  /** The collections of the dump in {@code dir} (metadata only), in reading order. */
  public static List<DumpCollection> collections(Path dir) throws IOException {
    return entries(dir).stream().map(Entry::collection).toList();
  }

  /**
   * Every collection of {@code dir}, sorted by database then name. The directory must hold only
   * database directories, and these only {@code .bson} and {@code .metadata.json} files in pairs.
   */
  static List<Entry> entries(Path dir) throws IOException {
    List<Entry> entries = new ArrayList<>();
    for (Path db : sorted(dir)) {
      if (!Files.isDirectory(db)) {
        throw new DumpFormatException(db + ": not a database directory (a dump directory holds"
            + " only <db>/ directories)");
      }
      entries.addAll(database(db));
    }
    entries.sort(Comparator.comparing((Entry e) -> e.collection().db())
        .thenComparing(e -> e.collection().collection()));
    return entries;
  }

  /**
   * The collection a metadata file describes: named by its {@code collectionName}, or when that
   * is absent (older tools) by the unescaped file name, which must then be the file name
   * mongodump gives that collection.
   */
  static DumpCollection collection(String db, String file, byte[] json, String where)
      throws DumpFormatException {
    MetadataJson.Parsed parsed = MetadataJson.parse(json, where);
    String name = parsed.collectionName().orElse(null);
    if (name == null) {
      name = FileNames.unescape(file, where);
    }
    if (name.isEmpty() || !FileNames.collectionFile(name).equals(file)) {
      throw new DumpFormatException(where + ": holds collection \"" + name
          + "\", whose files mongodump names " + FileNames.collectionFile(name) + ".*");
    }
    return parsed.collection(db, name);
  }

  private static List<Entry> database(Path dbDir) throws IOException {
    String db = dbDir.getFileName().toString();
    Map<String, Path> bsons = new TreeMap<>();
    Map<String, Path> metadata = new TreeMap<>();
    for (Path f : sorted(dbDir)) {
      String name = f.getFileName().toString();
      if (name.endsWith(FileNames.METADATA) && Files.isRegularFile(f)) {
        metadata.put(name.substring(0, name.length() - FileNames.METADATA.length()), f);
      } else if (name.endsWith(FileNames.BSON) && Files.isRegularFile(f)) {
        bsons.put(name.substring(0, name.length() - FileNames.BSON.length()), f);
      } else {
        throw new DumpFormatException(f + ": not a .bson or .metadata.json file");
      }
    }
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Path> m : metadata.entrySet()) {
      Path bson = bsons.remove(m.getKey());
      if (bson == null) {
        throw new DumpFormatException(m.getValue() + ": no " + m.getKey() + FileNames.BSON
            + " beside it (the collection's documents are missing)");
      }
      byte[] json = Files.readAllBytes(m.getValue());
      DumpCollection c = collection(db, m.getKey(), json, m.getValue().toString());
      entries.add(new Entry(c, new String(json, StandardCharsets.UTF_8), m.getValue(), bson));
    }
    if (!bsons.isEmpty()) {
      throw new DumpFormatException(bsons.values().iterator().next()
          + ": no .metadata.json beside it");
    }
    return entries;
  }

  private static List<Path> sorted(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  /**
   * Writes collections one at a time, in any order: {@link #begin} writes the metadata file and
   * opens the .bson file, {@link #document} appends a document's bytes exactly as given
   * (buffered), {@link #end} flushes and closes it. Writing a collection twice fails. Not
   * thread-safe.
   */
  public static final class Writer implements AutoCloseable {
    private final Path dir;
    private DumpCollection current;
    private OutputStream bson;
    private long bytes;

    private Writer(Path dir) {
      this.dir = dir;
    }

    /** Starts collection {@code c}: writes its metadata file and creates its .bson file. */
    public void begin(DumpCollection c) throws IOException {
      if (current != null) {
        throw new IllegalStateException("begin(" + c.ns() + ") while " + current.ns()
            + " is open: call end() first");
      }
      FileNames.checkDatabase(c.db());
      FileNames.checkCollection(c.collection());
      Path db = Files.createDirectories(dir.resolve(c.db()));
      String file = FileNames.collectionFile(c.collection());
      byte[] json = MetadataJson.write(c).getBytes(StandardCharsets.UTF_8);
      Path metadata = db.resolve(file + FileNames.METADATA);
      try {
        Files.write(metadata, json, StandardOpenOption.CREATE_NEW);
      } catch (FileAlreadyExistsException e) {
        throw new FileAlreadyExistsException(metadata.toString(), null,
            "collection " + c.ns() + " was already written");
      }
      bytes += json.length;
      bson = new BufferedOutputStream(Files.newOutputStream(db.resolve(file + FileNames.BSON),
          StandardOpenOption.CREATE_NEW), Streams.FILE_BUFFER);
      current = c;
    }

    /** Appends {@code d}'s bytes, unchanged, to the current collection. */
    public void document(RawBsonDocument d) throws IOException {
      if (current == null) {
        throw new IllegalStateException("document() outside begin()/end()");
      }
      bson.write(d.getBackingArray(), d.getByteOffset(), d.getByteLength());
      bytes += d.getByteLength();
    }

    /** Ends the current collection: flushes and closes its .bson file. */
    public void end() throws IOException {
      if (current == null) {
        throw new IllegalStateException("end() without begin()");
      }
      closeBson();
    }

    /** The bytes written so far to all files: documents and metadata. */
    public long bytesWritten() {
      return bytes;
    }

    /** Closes the open .bson file, if any (its collection is then left as written so far). */
    @Override
    public void close() throws IOException {
      if (current != null) {
        closeBson();
      }
    }

    private void closeBson() throws IOException {
      OutputStream out = bson;
      bson = null;
      current = null;
      out.close();
    }
  }
}
