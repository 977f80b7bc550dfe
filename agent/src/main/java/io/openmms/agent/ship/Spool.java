package io.openmms.agent.ship;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, ordered, crash-safe queue of encoded batches on disk.
 *
 * <p>Layout of the spool directory: one file per batch named by its sequence number, zero-padded
 * to 20 digits so that name order is sequence order ({@code 00000000000000000042}); {@code
 * last-seq} holding the highest sequence number ever assigned; {@code rejected/} keeping the last
 * {@value #MAX_REJECTED} batches the service refused as malformed, for inspection. A batch is
 * written to a {@code .tmp} file, forced to disk and atomically renamed, so after a crash a batch
 * file is either complete or absent; left-over {@code .tmp} files are deleted on open.
 *
 * <p>Invariants: sequence numbers only grow, across restarts too (the next number is one more
 * than the maximum of {@code last-seq} and every batch file present); a batch leaves the queue
 * only by {@link #acknowledge}, {@link #reject} or being dropped as the oldest when the spool
 * exceeds its byte bound.
 *
 * <p>Thread-safe: the poller appends while the sender reads and removes.
 */
public final class Spool {
  static final int MAX_REJECTED = 100;
  private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
  private static final String SEQ_FILE = "last-seq";

  /** A spooled batch: its sequence number, file and size. */
  public record Entry(long seq, Path file, long bytes) {}

  private final Path dir;
  private final Path rejectedDir;
  private final long maxBytes;
  private final ToIntFunction<byte[]> sampleCounter;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition added = lock.newCondition();
  private final TreeMap<Long, Entry> entries = new TreeMap<>();
  private long totalBytes;
  private long lastSeq;
  private long droppedBatches;
  private long droppedSamples;

  private Spool(Path dir, long maxBytes, ToIntFunction<byte[]> sampleCounter) {
    this.dir = dir;
    this.rejectedDir = dir.resolve("rejected");
    this.maxBytes = maxBytes;
    this.sampleCounter = sampleCounter;
  }

  /**
   * Opens (creating if needed) the spool in {@code dir}.
   *
   * @param sampleCounter counts the samples in an encoded batch, for the log line when batches
   *     are dropped; only called then
   */
  public static Spool open(Path dir, long maxBytes, ToIntFunction<byte[]> sampleCounter)
      throws IOException {
    Spool s = new Spool(dir, maxBytes, sampleCounter);
    s.load();
    return s;
  }

  private void load() throws IOException {
    Files.createDirectories(rejectedDir);
    Path seqFile = dir.resolve(SEQ_FILE);
    if (Files.exists(seqFile)) {
      lastSeq = Long.parseLong(Files.readString(seqFile, StandardCharsets.US_ASCII).trim());
    }
    for (Path d : new Path[] {dir, rejectedDir}) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
        for (Path f : files) {
          String name = f.getFileName().toString();
          if (name.endsWith(".tmp")) {
            Files.deleteIfExists(f);
          } else if (name.matches("\\d{20}")) {
            long seq = Long.parseLong(name);
            lastSeq = Math.max(lastSeq, seq);
            if (d == dir) {
              entries.put(seq, new Entry(seq, f, Files.size(f)));
              totalBytes += Files.size(f);
            }
          }
        }
      }
    }
  }

  /**
   * Assigns the next sequence number, encodes the batch with it and stores it durably, dropping
   * the oldest batches first if the spool would exceed its bound.
   *
   * @return the batch's sequence number
   */
  public long append(LongFunction<byte[]> encoder) throws IOException {
    lock.lock();
    try {
      long seq = lastSeq + 1;
      byte[] body = encoder.apply(seq);
      makeRoom(body.length);
      Path file = dir.resolve(name(seq));
      writeDurably(file, body);
      lastSeq = seq;
      writeDurably(dir.resolve(SEQ_FILE), Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
      entries.put(seq, new Entry(seq, file, body.length));
      totalBytes += body.length;
      added.signalAll();
      return seq;
    } finally {
      lock.unlock();
    }
  }

  private void makeRoom(long needed) {
    long batches = 0;
    long samples = 0;
    long firstSeq = -1;
    long lastDropped = -1;
    while (!entries.isEmpty() && totalBytes + needed > maxBytes) {
      Entry oldest = entries.pollFirstEntry().getValue();
      totalBytes -= oldest.bytes();
      samples += countSamples(oldest);
      delete(oldest.file());
      batches++;
      firstSeq = firstSeq < 0 ? oldest.seq() : firstSeq;
      lastDropped = oldest.seq();
    }
    if (batches > 0) {
      droppedBatches += batches;
      droppedSamples += samples;
      LOG.warn("Spool full ({} bytes, agent.spool.max.bytes={}): dropped the {} oldest unsent "
          + "batches (seq {}..{}, {} samples); the service never receives them", totalBytes,
          maxBytes, batches, firstSeq, lastDropped, samples);
    }
  }

  private int countSamples(Entry e) {
    try {
      return sampleCounter.applyAsInt(Files.readAllBytes(e.file()));
    } catch (IOException | RuntimeException ex) {
      return 0;
    }
  }

  /** The oldest batch, waiting up to {@code timeout} for one; {@code null} if none came. */
  public Entry awaitOldest(long timeout, TimeUnit unit) throws InterruptedException {
    long nanos = unit.toNanos(timeout);
    lock.lockInterruptibly();
    try {
      while (entries.isEmpty()) {
        if (nanos <= 0) {
          return null;
        }
        nanos = added.awaitNanos(nanos);
      }
      return entries.firstEntry().getValue();
    } finally {
      lock.unlock();
    }
  }

  /** The batch's bytes, or {@code null} when it was dropped meanwhile. */
  public byte[] read(Entry e) throws IOException {
    try {
      return Files.readAllBytes(e.file());
    } catch (NoSuchFileException gone) {
      return null;
    }
  }

  /** The service has the batch: remove it. */
  public void acknowledge(Entry e) {
    remove(e, null);
  }

  /** The service refused the batch as malformed: move it to {@code rejected/}. */
  public void reject(Entry e) {
    remove(e, rejectedDir.resolve(e.file().getFileName()));
  }

  private void remove(Entry e, Path moveTo) {
    lock.lock();
    try {
      if (entries.remove(e.seq()) == null) {
        return; // dropped while it was being sent
      }
      totalBytes -= e.bytes();
      if (moveTo == null) {
        delete(e.file());
      } else {
        Files.move(e.file(), moveTo, StandardCopyOption.REPLACE_EXISTING);
        pruneRejected();
      }
    } catch (IOException ex) {
      throw new UncheckedIOException("Cannot move " + e.file() + " to " + moveTo, ex);
    } finally {
      lock.unlock();
    }
  }

  private void pruneRejected() throws IOException {
    TreeMap<String, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(rejectedDir)) {
      ds.forEach(p -> files.put(p.getFileName().toString(), p));
    }
    while (files.size() > MAX_REJECTED) {
      delete(files.pollFirstEntry().getValue());
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete spooled batch " + file, e);
    }
  }

  private void writeDurably(Path target, byte[] body) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(body);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDirectory();
  }

  /** Makes the rename durable; not possible on every platform, best effort there. */
  private void forceDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Windows cannot open a directory; its rename is durable enough with the data forced
    }
  }

  static String name(long seq) {
    return String.format("%020d", seq);
  }

  /** Batches waiting to be sent. */
  public int size() {
    lock.lock();
    try {
      return entries.size();
    } finally {
      lock.unlock();
    }
  }

  public long bytes() {
    lock.lock();
    try {
      return totalBytes;
    } finally {
      lock.unlock();
    }
  }

  /** Samples dropped since open because the spool was full. */
  public long droppedSamples() {
    lock.lock();
    try {
      return droppedSamples;
    } finally {
      lock.unlock();
    }
  }

  public long droppedBatches() {
    lock.lock();
    try {
      return droppedBatches;
    } finally {
      lock.unlock();
    }
  }

  /** The directory of batches the service rejected. */
  public Path rejectedDir() {
    return rejectedDir;
  }

  Map<Long, Entry> snapshot() {
    lock.lock();
    try {
      return Map.copyOf(entries);
    } finally {
      lock.unlock();
    }
  }
}
