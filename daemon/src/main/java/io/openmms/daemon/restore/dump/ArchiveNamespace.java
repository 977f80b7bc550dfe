package io.openmms.daemon.restore.dump;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One namespace of an archive being read and how far the body has delivered it: whether a block
 * of it was seen ({@code opened}) and its EOF header ({@code closed}), the CRC-64 of its
 * documents so far and, when its blocks came while another namespace was being read, the
 * temporary file its documents are spooled to. Owned by {@link ArchiveReader}.
 */
final class ArchiveNamespace {
  private static final String SPOOL_PREFIX = "openmms-archive-";

  final DumpCollection collection;
  final String ns;
  /** What {@link BsonFrames} calls one of its documents in messages. */
  final String documentLabel;
  final Crc64 crc = new Crc64();
  boolean opened;
  boolean closed;
  private Path spool;
  private OutputStream spoolOut;

  ArchiveNamespace(DumpCollection collection) {
    this.collection = collection;
    this.ns = collection.ns();
    this.documentLabel = "document of namespace " + ns;
  }

  /** The spool file; null when nothing was spooled (or it was deleted). */
  Path spool() {
    return spool;
  }

  /** Creates the spool file in {@code tempDir} unless there is one. */
  void startSpool(Path tempDir) throws IOException {
    if (spool == null) {
      spool = Files.createTempFile(tempDir, SPOOL_PREFIX, ".bson");
      spoolOut = new BufferedOutputStream(Files.newOutputStream(spool), Streams.GZIP_BUFFER);
    }
  }

  /** Appends a document to the spool file, creating it in {@code tempDir} if needed. */
  void spool(Path tempDir, byte[] document) throws IOException {
    startSpool(tempDir);
    spoolOut.write(document);
  }

  /** Flushes and closes the spool file (at the namespace's EOF), which stays for reading. */
  void finishSpool() throws IOException {
    OutputStream out = spoolOut;
    spoolOut = null;
    if (out != null) {
      out.close();
    }
  }

  /** Closes and deletes the spool file, if any. */
  void deleteSpool() throws IOException {
    try {
      finishSpool();
    } finally {
      Path p = spool;
      spool = null;
      if (p != null) {
        Files.deleteIfExists(p);
      }
    }
  }
}
