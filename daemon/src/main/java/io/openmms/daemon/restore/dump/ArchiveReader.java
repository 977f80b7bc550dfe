package io.openmms.daemon.restore.dump;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Reads a mongodump archive, written to the specification (mongo-tools
 * {@code common/archive/spec.md}) rather than derived from {@link ArchiveDump}'s writer:
 *
 * <pre>
 * archive  = magic (6d e2 99 81), header document, *collection-metadata document, terminator,
 *            *(namespace-header, *document, terminator | eof-header, terminator)
 * </pre>
 *
 * <p><b>Interleaving.</b> mongodump dumping several collections at once alternates their
 * blocks. Collections are returned one at a time, in the order they become readable: a
 * namespace whose first block comes while no collection is being read is returned at once and
 * read straight from the archive; blocks of other namespaces met meanwhile are spooled, each
 * namespace to its own temporary file, and those namespaces are returned (from the file) once
 * their EOF header has been read. A non-interleaved archive thus needs no temporary file.
 *
 * <p><b>Checks.</b> The magic number; the header's format version "0.1"; every length (5 bytes
 * to 48 MiB, or the terminator where one may stand) and final zero byte; that every block names
 * a namespace of the prelude that has not ended; each namespace's CRC-64 ({@link Crc64}) at its
 * EOF header, so a namespace read straight from the archive is verified when
 * {@link #nextDocument} reaches its end — its documents are known good only once it returned
 * {@code null}; a terminator after each EOF header; and at the end of the stream that every
 * namespace of the prelude has ended. Violations raise {@link DumpFormatException} with the
 * byte offset in the (uncompressed) archive and the namespace. Views, time-series collections
 * and the {@code --oplog} oplog are refused. After an exception only {@link #close} is
 * meaningful. Not thread-safe.
 */
final class ArchiveReader implements DumpReader {
  private final InputStream in;
  private final BsonFrames frames;
  private final Path tempDir;
  private final Map<String, ArchiveNamespace> namespaces = new LinkedHashMap<>();
  private final ArrayDeque<ArchiveNamespace> ready = new ArrayDeque<>();
  /** The namespace of the block being parsed; null between blocks. */
  private ArchiveNamespace block;
  /** The collection being returned; null when there is none or it has no more documents. */
  private ArchiveNamespace current;
  /** Where {@link #current} is read from when it was spooled. */
  private InputStream spoolIn;
  private BsonFrames spoolFrames;
  private boolean ended;
  /** What {@link #step} read: its namespace and, for a document, its bytes. */
  private ArchiveNamespace eventNs;
  private byte[] eventDoc;

  private enum Event { OPEN, DOCUMENT, BLOCK_END, EOF, END }

  ArchiveReader(InputStream source, boolean gzip, Path tempDir) throws IOException {
    this.tempDir = tempDir;
    InputStream decoded = source;
    try {
      if (gzip) {
        decoded = new StreamFaults.Decoded(
            new GZIPInputStream(StreamFaults.source(source), Streams.GZIP_BUFFER),
            "archive: the gzip stream");
      }
    } catch (IOException e) {
      source.close();
      throw StreamFaults.classify(e, "archive: not a gzip stream");
    }
    in = new BufferedInputStream(decoded, Streams.GZIP_BUFFER);
    frames = new BsonFrames(in, "archive");
    try {
      ArchivePrelude.read(frames).forEach((ns, c) -> namespaces.put(ns, new ArchiveNamespace(c)));
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  @Override
  public Optional<DumpCollection> nextCollection() throws IOException {
    while (current != null) {
      if (spoolFrames != null) {
        finishCurrent();
      } else {
        nextDocument();
      }
    }
    ArchiveNamespace readyOne = ready.poll();
    if (readyOne != null) {
      return Optional.of(open(readyOne));
    }
    while (!ended) {
      switch (step()) {
        case OPEN -> {
          if (eventNs.spool() == null) {
            current = eventNs;
            return Optional.of(current.collection);
          }
        }
        case DOCUMENT -> eventNs.spool(tempDir, eventDoc);
        case BLOCK_END -> { }
        case EOF -> {
          return Optional.of(open(eventNs));
        }
        case END -> end();
      }
    }
    return Optional.empty();
  }

  @Override
  public RawBsonDocument nextDocument() throws IOException {
    if (current == null) {
      return null;
    }
    if (spoolFrames != null) {
      byte[] d = spoolFrames.next("document");
      if (d == null) {
        finishCurrent();
      }
      return d == null ? null : new RawBsonDocument(d);
    }
    while (true) {
      switch (step()) {
        case DOCUMENT -> {
          if (eventNs == current) {
            return new RawBsonDocument(eventDoc);
          }
          eventNs.spool(tempDir, eventDoc);
        }
        case OPEN -> {
          if (eventNs != current) {
            eventNs.startSpool(tempDir);
          }
        }
        case BLOCK_END -> { }
        case EOF -> {
          if (eventNs == current) {
            current = null;
            return null;
          }
          ready.add(eventNs);
        }
        case END -> throw frames.error(frames.offset(),
            "the archive ends before the EOF header of namespace " + current.ns);
      }
    }
  }

  /** Closes the archive and deletes every spool file; rethrows the first failure. */
  @Override
  public void close() throws IOException {
    IOException first = null;
    InputStream spooled = spoolIn;
    spoolIn = null;
    spoolFrames = null;
    if (spooled != null) {
      first = run(first, spooled::close);
    }
    for (ArchiveNamespace n : namespaces.values()) {
      first = run(first, n::deleteSpool);
    }
    first = run(first, in::close);
    if (first != null) {
      throw first;
    }
  }

  /** Reads the next element of the body and tells what it was (setting the event fields). */
  private Event step() throws IOException {
    long at = frames.offset();
    if (block != null) {
      byte[] d = frames.nextOrTerminator(block.documentLabel);
      if (d == null) {
        throw frames.error(at, "the archive ends inside a block of namespace " + block.ns
            + " (no terminator)");
      }
      eventNs = block;
      if (d == BsonFrames.TERMINATOR) {
        block = null;
        return Event.BLOCK_END;
      }
      eventNs.crc.update(d);
      eventDoc = d;
      return Event.DOCUMENT;
    }
    byte[] h = frames.nextOrTerminator("namespace header");
    if (h == null) {
      return Event.END;
    }
    if (h == BsonFrames.TERMINATOR) {
      throw frames.error(at, "a terminator where a namespace header should start");
    }
    BsonDocument header = ArchivePrelude.document(frames, h, at, "namespace header");
    String ns = ArchivePrelude.string(frames, header, ArchiveFormat.DB, at) + "."
        + ArchivePrelude.string(frames, header, ArchiveFormat.COLLECTION, at);
    BsonValue eof = header.get(ArchiveFormat.EOF);
    BsonValue crc = header.get(ArchiveFormat.CRC);
    if (eof == null || !eof.isBoolean() || crc == null || !(crc.isInt64() || crc.isInt32())) {
      throw frames.error(at, "namespace header of " + ns + " lacks a boolean EOF or int64 CRC");
    }
    ArchiveNamespace n = namespaces.get(ns);
    if (n == null) {
      throw frames.error(at, "a block for namespace " + ns + ", which the prelude does not list");
    }
    if (n.closed) {
      throw frames.error(at, "a namespace header for " + ns + " after its EOF header");
    }
    eventNs = n;
    if (!eof.asBoolean().getValue()) {
      n.opened = true;
      block = n;
      return Event.OPEN;
    }
    long declared = crc.isInt64() ? crc.asInt64().getValue() : crc.asInt32().getValue();
    if (declared != n.crc.value()) {
      throw frames.error(at, String.format("CRC mismatch for namespace %s: its EOF header says"
          + " %016x, its documents give %016x", ns, declared, n.crc.value()));
    }
    long t = frames.offset();
    if (frames.nextOrTerminator("terminator after the EOF header of " + ns)
        != BsonFrames.TERMINATOR) {
      throw frames.error(t, "no terminator after the EOF header of namespace " + ns);
    }
    n.closed = true;
    n.finishSpool();
    return Event.EOF;
  }

  private void end() throws DumpFormatException {
    ended = true;
    for (ArchiveNamespace n : namespaces.values()) {
      if (!n.closed) {
        throw frames.error(frames.offset(), "the archive ends before the EOF header of namespace "
            + n.ns + (n.opened ? "" : " (listed in the prelude, never seen in the body)"));
      }
    }
  }

  private DumpCollection open(ArchiveNamespace n) throws IOException {
    if (n.spool() != null) {
      current = n;
      spoolIn = new BufferedInputStream(Files.newInputStream(n.spool()), Streams.FILE_BUFFER);
      spoolFrames = new BsonFrames(spoolIn, "spool file " + n.spool() + " of " + n.ns);
    }
    return n.collection;
  }

  private void finishCurrent() throws IOException {
    InputStream s = spoolIn;
    spoolIn = null;
    spoolFrames = null;
    ArchiveNamespace n = current;
    current = null;
    try {
      s.close();
    } finally {
      n.deleteSpool();
    }
  }

  private static IOException run(IOException first, IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      if (first == null) {
        return e;
      }
      first.addSuppressed(e);
    }
    return first;
  }

  private interface IoAction {
    void run() throws IOException;
  }
}
