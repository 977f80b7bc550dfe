package io.openmms.daemon.restore.dump;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A mongodump directory as a gzip-compressed POSIX tar, which {@code tar xzf} unpacks into a
 * directory that {@code mongorestore --dir <topDir>} restores unchanged:
 *
 * <pre>
 * topDir/                              directory, 0755
 * topDir/&lt;db&gt;/                         directory, 0755, one per database
 * topDir/&lt;db&gt;/&lt;name&gt;.metadata.json     0644, then
 * topDir/&lt;db&gt;/&lt;name&gt;.bson              0644, for each collection
 * </pre>
 *
 * in {@link DumpDirectory#collections} order (database, then collection name). Names longer
 * than 100 bytes and non-ASCII names get PAX extended headers, files over 8 GiB PAX sizes; every
 * entry has the given mtime (whole seconds), uid/gid 0 and no user or group name, so the same
 * dump and mtime always give the same bytes. The files are copied as they are.
 */
public final class TarGzDump {
  private static final int FILE_MODE = 0100644;
  private static final int DIR_MODE = 040755;

  private TarGzDump() {}

  /**
   * Writes the dump in {@code dumpDir} to {@code out} as a tar.gz under {@code topDir} (a single
   * path segment). {@code out} is flushed, not closed.
   */
  public static void pack(Path dumpDir, String topDir, Instant mtime, OutputStream out)
      throws IOException {
    pack(dumpDir, topDir, mtime, out, n -> { });
  }

  /**
   * As {@link #pack(Path, String, Instant, OutputStream)}, passing to {@code read} the number of
   * bytes of each read from the dump's files (which add up to {@code FileTrees.size(dumpDir)}).
   */
  public static void pack(Path dumpDir, String topDir, Instant mtime, OutputStream out,
      LongConsumer read) throws IOException {
    if (topDir.isEmpty() || topDir.contains("/") || topDir.contains("\\")
        || topDir.equals(".") || topDir.equals("..") || topDir.contains("\0")) {
      throw new IllegalArgumentException("topDir \"" + topDir
          + "\" is not a single directory name");
    }
    FileTime time = FileTime.from(mtime.truncatedTo(ChronoUnit.SECONDS));
    List<DumpDirectory.Entry> entries = DumpDirectory.entries(dumpDir);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
        new GZIPOutputStream(Streams.nonClosing(out), Streams.GZIP_BUFFER), "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      directory(tar, topDir + "/", time);
      String db = null;
      for (DumpDirectory.Entry e : entries) {
        String prefix = topDir + "/" + e.collection().db() + "/";
        if (!e.collection().db().equals(db)) {
          db = e.collection().db();
          directory(tar, prefix, time);
        }
        String file = prefix + FileNames.collectionFile(e.collection().collection());
        copy(tar, file + FileNames.METADATA, e.metadata(), time, read);
        copy(tar, file + FileNames.BSON, e.bson(), time, read);
      }
      tar.finish();
    }
  }

  /**
   * Reads a tar.gz written by {@link #pack} back, streaming: collections in archive order, each
   * .bson entry after its .metadata.json. The reader owns {@code in} and closes it.
   */
  public static DumpReader read(InputStream in) throws IOException {
    return new TarGzReader(in);
  }

  private static void directory(TarArchiveOutputStream tar, String name, FileTime time)
      throws IOException {
    TarArchiveEntry e = entry(name, DIR_MODE, time);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private static void copy(TarArchiveOutputStream tar, String name, Path file, FileTime time,
      LongConsumer read) throws IOException {
    TarArchiveEntry e = entry(name, FILE_MODE, time);
    e.setSize(Files.size(file));
    tar.putArchiveEntry(e);
    try (InputStream in = Streams.counting(Files.newInputStream(file), read)) {
      in.transferTo(tar);
    }
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry entry(String name, int mode, FileTime time) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(mode);
    e.setModTime(time);
    e.setIds(0, 0);
    e.setUserName("");
    e.setGroupName("");
    return e;
  }
}
