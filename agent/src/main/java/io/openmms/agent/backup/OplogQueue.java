package io.openmms.agent.backup;

import io.openmms.common.util.FileTrees;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.bson.RawBsonDocument;

/**
 * A bounded first-in first-out queue of oplog entries on disk, between the thread that reads
 * the source oplog ({@link OplogReader}) and the thread that ships ({@link BackupWorker}). It
 * lets the reader run ahead of shipping — during an initial sync it holds the oplog of the
 * copy's whole duration, which is shipped only after {@code syncEnd} — while memory stays at
 * one batch: each {@link #put} writes one file of concatenated BSON entries.
 *
 * <p>Bounded by bytes: {@link #put} blocks while the queue is not empty and the entries would
 * not fit (a slow service therefore pauses the reader, which then resumes from the source
 * oplog). The content only serves the running worker; it is deleted at {@link #open} and
 * {@link #close}, since after a restart the agent resumes from the service's position.
 *
 * <p>The reader ends by {@link #fail}ing the queue; the failure reaches the shipping thread
 * after everything queued before it. One thread puts, one takes.
 */
final class OplogQueue implements AutoCloseable {
  private record Chunk(Path file, int count, long bytes) {}

  private final Path dir;
  private final long maxBytes;
  private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long bytes;
  private long nextFile;
  private Exception failure;

  private OplogQueue(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** Creates {@code dir} (removing what an earlier run left there). */
  static OplogQueue open(Path dir, long maxBytes) throws IOException {
    FileTrees.delete(dir);
    Files.createDirectories(dir);
    return new OplogQueue(dir, maxBytes);
  }

  /** Appends entries (in {@code ts} order), waiting while the queue is full. */
  void put(List<RawBsonDocument> entries) throws InterruptedException {
    if (entries.isEmpty()) {
      return;
    }
    long size = 0;
    for (RawBsonDocument e : entries) {
      size += BsonStream.size(e);
    }
    Path file;
    lock.lockInterruptibly();
    try {
      while (!chunks.isEmpty() && bytes + size > maxBytes) {
        changed.await();
      }
      file = dir.resolve(String.format("%012d.bson", nextFile++));
    } finally {
      lock.unlock();
    }
    write(file, entries);
    lock.lock();
    try {
      chunks.addLast(new Chunk(file, entries.size(), size));
      bytes += size;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the oldest entries, whole chunks at a time, up to the limits (always at least one
   * chunk); waits up to {@code timeoutMs} for one and returns an empty list on time-out. After
   * the queue is drained, throws the reader's failure.
   */
  List<RawBsonDocument> take(long limitBytes, int limitDocs, long timeoutMs)
      throws InterruptedException, BackupStop {
    List<Chunk> taken = new ArrayList<>();
    lock.lockInterruptibly();
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      while (chunks.isEmpty() && failure == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return List.of();
        }
        changed.awaitNanos(left);
      }
      if (chunks.isEmpty()) {
        throw rethrow(failure);
      }
      long b = 0;
      int n = 0;
      while (!chunks.isEmpty() && (taken.isEmpty() || b + chunks.peekFirst().bytes() <= limitBytes
          && n + chunks.peekFirst().count() <= limitDocs)) {
        Chunk c = chunks.pollFirst();
        taken.add(c);
        b += c.bytes();
        n += c.count();
      }
    } finally {
      lock.unlock();
    }
    List<RawBsonDocument> entries = new ArrayList<>();
    for (Chunk c : taken) {
      entries.addAll(read(c.file()));
    }
    release(taken);
    return entries;
  }

  private void release(List<Chunk> taken) {
    lock.lock();
    try {
      for (Chunk c : taken) {
        bytes -= c.bytes();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Ends the queue: {@link #take} throws {@code cause} once the entries before it are taken. */
  void fail(Exception cause) {
    lock.lock();
    try {
      if (failure == null) {
        failure = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private static BackupStop rethrow(Exception failure) {
    if (failure instanceof BackupStop stop) {
      return stop;
    }
    throw new IllegalStateException("reading the source oplog failed: " + failure, failure);
  }

  /** Bytes of entries waiting. */
  long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  private static void write(Path file, List<RawBsonDocument> entries) {
    try (OutputStream out = Files.newOutputStream(file)) {
      for (RawBsonDocument e : entries) {
        ByteBuffer b = e.getByteBuffer().asNIO();
        out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the oplog spool file " + file, e);
    }
  }

  private static List<RawBsonDocument> read(Path file) {
    try {
      byte[] all = Files.readAllBytes(file);
      Files.delete(file);
      return BsonStream.split(all, 0, all.length);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the oplog spool file " + file, e);
    }
  }

  @Override
  public void close() {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the oplog spool " + dir, e);
    }
  }

}
