package io.openmms.daemon.restore.dump;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.bson.RawBsonDocument;

/**
 * Reads a dump directory listed by {@link DumpDirectory#entries}: one .bson file open at a time,
 * streamed through {@link BsonFrames}. Not thread-safe.
 */
final class DirectoryReader implements DumpReader {
  private final Iterator<DumpDirectory.Entry> entries;
  private InputStream open;
  private BsonFrames frames;

  DirectoryReader(List<DumpDirectory.Entry> entries) {
    this.entries = entries.iterator();
  }

  @Override
  public Optional<DumpCollection> nextCollection() throws IOException {
    closeCurrent();
    if (!entries.hasNext()) {
      return Optional.empty();
    }
    DumpDirectory.Entry e = entries.next();
    open = new BufferedInputStream(Files.newInputStream(e.bson()), Streams.FILE_BUFFER);
    frames = new BsonFrames(open, e.bson().toString());
    return Optional.of(e.collection());
  }

  @Override
  public RawBsonDocument nextDocument() throws IOException {
    if (frames == null) {
      return null;
    }
    byte[] d = frames.next("document");
    if (d == null) {
      closeCurrent();
      return null;
    }
    return new RawBsonDocument(d);
  }

  @Override
  public void close() throws IOException {
    closeCurrent();
  }

  private void closeCurrent() throws IOException {
    InputStream in = open;
    open = null;
    frames = null;
    if (in != null) {
      in.close();
    }
  }
}
