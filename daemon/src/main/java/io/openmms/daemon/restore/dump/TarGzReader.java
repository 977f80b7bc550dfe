package io.openmms.daemon.restore.dump;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.bson.RawBsonDocument;

/**
 * Reads the tar.gz {@link TarGzDump#pack} writes, streaming. Entries must be
 * {@code <top>/<db>/<name>.metadata.json} followed (not necessarily at once) by
 * {@code <top>/<db>/<name>.bson}, plus directories, all under one top directory. Checks that
 * the tar ends with its end-of-archive record (commons-compress takes an archive cut at an entry
 * boundary for a complete one) and reads the gzip stream to its end, so its trailer (CRC-32 and
 * length) is verified. Errors name the entry and the offset in the uncompressed tar. Not
 * thread-safe.
 */
final class TarGzReader implements DumpReader {
  private static final int RECORD = 512;
  private static final int MAX_METADATA = 16 << 20;

  private final StreamFaults.Decoded tarBytes;
  private final TarArchiveInputStream tar;
  private final Map<String, DumpCollection> metadataSeen = new HashMap<>();
  private String top;
  private long dataEnd;
  private boolean ended;
  private BsonFrames frames;

  TarGzReader(InputStream in) throws IOException {
    InputStream gzip;
    try {
      gzip = new GZIPInputStream(StreamFaults.source(in), Streams.GZIP_BUFFER);
    } catch (IOException e) {
      in.close();
      throw StreamFaults.classify(e, "tar.gz: not a gzip stream");
    }
    tarBytes = new StreamFaults.Decoded(gzip, "tar.gz: the gzip stream");
    tar = new TarArchiveInputStream(tarBytes, "UTF-8");
  }

  @Override
  public Optional<DumpCollection> nextCollection() throws IOException {
    frames = null;
    while (!ended) {
      TarArchiveEntry e = nextEntry();
      if (e == null) {
        finish();
        break;
      }
      String[] path = e.getName().split("/", -1);
      String where = "tar.gz entry " + e.getName();
      checkTop(path[0], where);
      if (e.isDirectory() && path.length <= 3 && path[path.length - 1].isEmpty()) {
        continue;
      }
      if (!e.isFile() || path.length != 3 || path[1].isEmpty()) {
        throw error(where + ": not a <top>/<db>/<file> file, as a dump holds");
      }
      String db = path[1];
      String file = path[2];
      if (file.endsWith(FileNames.METADATA)) {
        metadata(e, db, file.substring(0, file.length() - FileNames.METADATA.length()), where);
      } else if (file.endsWith(FileNames.BSON)) {
        String base = file.substring(0, file.length() - FileNames.BSON.length());
        DumpCollection c = metadataSeen.remove(db + "/" + base);
        if (c == null) {
          throw error(where + ": no " + base + FileNames.METADATA + " before it");
        }
        frames = new BsonFrames(new StreamFaults.Decoded(tar, where), where);
        return Optional.of(c);
      } else {
        throw error(where + ": not a .bson or .metadata.json file");
      }
    }
    return Optional.empty();
  }

  @Override
  public RawBsonDocument nextDocument() throws IOException {
    if (frames == null) {
      return null;
    }
    byte[] d = frames.next("document");
    if (d == null) {
      frames = null;
      return null;
    }
    return new RawBsonDocument(d);
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  private TarArchiveEntry nextEntry() throws IOException {
    try {
      TarArchiveEntry e = tar.getNextEntry();
      if (e != null) {
        dataEnd = tarBytes.count() + (e.getSize() + RECORD - 1) / RECORD * RECORD;
      }
      return e;
    } catch (IOException | IllegalArgumentException e) {
      throw StreamFaults.classify(e, "tar.gz: bad tar header after byte offset " + dataEnd);
    }
  }

  private void metadata(TarArchiveEntry e, String db, String base, String where)
      throws IOException {
    if (e.getSize() > MAX_METADATA) {
      throw error(where + ": " + e.getSize() + " bytes is too large for a metadata file");
    }
    byte[] json = new StreamFaults.Decoded(tar, where).readNBytes((int) e.getSize());
    if (json.length < e.getSize()) {
      throw error(where + ": truncated after " + json.length + " of " + e.getSize() + " bytes");
    }
    if (metadataSeen.put(db + "/" + base, DumpDirectory.collection(db, base, json, where))
        != null) {
      throw error(where + ": a second metadata file for the same collection");
    }
  }

  private void finish() throws IOException {
    ended = true;
    if (tarBytes.count() < dataEnd + RECORD) {
      throw error("tar.gz: the tar ends at byte offset " + tarBytes.count()
          + " without its end-of-archive record (truncated)");
    }
    if (!metadataSeen.isEmpty()) {
      throw error("tar.gz: no .bson entry for " + metadataSeen.keySet().iterator().next()
          + FileNames.METADATA);
    }
    tarBytes.skip(Long.MAX_VALUE);
    while (tarBytes.read() >= 0) {
      tarBytes.skip(Long.MAX_VALUE);
    }
  }

  private void checkTop(String first, String where) throws DumpFormatException {
    if (top == null) {
      top = first;
    }
    if (first.isEmpty() || !first.equals(top)) {
      throw error(where + ": not under the archive's top directory " + top + "/");
    }
  }

  private static DumpFormatException error(String message) {
    return new DumpFormatException(message);
  }
}
