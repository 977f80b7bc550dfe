package io.openmms.daemon.restore.dump;

import java.io.IOException;
import java.util.Optional;
import org.bson.RawBsonDocument;

/**
 * Reads a dump back, collection by collection, in the order it was written:
 * {@link #nextCollection()} gives a collection's metadata, then {@link #nextDocument()} its
 * documents (byte for byte as written) until it returns {@code null}. A dump that does not follow
 * its format raises {@link DumpFormatException} naming the place. Not thread-safe.
 */
public interface DumpReader extends AutoCloseable {

  /** The next collection, skipping any unread documents of the current one; empty at the end. */
  Optional<DumpCollection> nextCollection() throws IOException;

  /** The next document of the current collection, or {@code null} after its last. */
  RawBsonDocument nextDocument() throws IOException;

  @Override
  void close() throws IOException;
}
