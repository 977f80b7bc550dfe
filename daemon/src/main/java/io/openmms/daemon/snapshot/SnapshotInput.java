package io.openmms.daemon.snapshot;

import io.openmms.blockstore.BlockId;
import io.openmms.blockstore.BlockStore;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A snapshot's stream read back from its blocks: every block is verified by the store (hash,
 * decompression, decryption) and its length checked against the block list; up to
 * {@code readAhead} blocks are fetched ahead on background threads. Errors name the block and
 * the snapshot. Not thread-safe.
 */
public final class SnapshotInput extends InputStream {
  private final BlockStore store;
  private final String snapshotId;
  private final List<BlockList.Ref> refs;
  private final ExecutorService pool;
  private final Deque<CompletableFuture<byte[]>> ahead = new ArrayDeque<>();
  private final int readAhead;
  private int nextToFetch;
  private int nextToRead;
  private byte[] current = new byte[0];
  private int pos;

  SnapshotInput(BlockStore store, String snapshotId, List<BlockList.Ref> refs,
      int readAhead) {
    this.store = store;
    this.snapshotId = snapshotId;
    this.refs = refs;
    this.readAhead = Math.max(0, readAhead);
    this.pool = readAhead > 0 ? Executors.newFixedThreadPool(Math.min(readAhead, 4), r -> {
      Thread t = new Thread(r, "openmms-snapshot-read");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  /** The stream blocks of {@code s}, in order, from its block lists. */
  public static List<BlockList.Ref> blocks(BlockStore store, Snapshots.Snapshot s)
      throws IOException {
    List<BlockList.Ref> refs = new ArrayList<>();
    for (String hex : s.blockLists()) {
      BlockId id = BlockId.parse(hex);
      refs.addAll(BlockList.decode(store.get(id, s.id()), "block list " + hex + " of snapshot "
          + s.id()));
    }
    if (refs.size() != s.blockCount()) {
      throw new IOException("snapshot " + s.id() + ": its block lists name " + refs.size()
          + " blocks but its manifest says " + s.blockCount());
    }
    return refs;
  }

  /** Opens the stream of snapshot {@code s}. */
  public static SnapshotInput open(BlockStore store, Snapshots.Snapshot s, int readAhead)
      throws IOException {
    return new SnapshotInput(store, s.id(), blocks(store, s), readAhead);
  }

  /**
   * A reader of snapshot {@code s}'s stream, which opens the stream a second time, at the
   * patch, for each patched collection.
   */
  public static SnapshotStreamReader reader(BlockStore store, Snapshots.Snapshot s, int readAhead)
      throws IOException {
    SnapshotInput in = open(store, s, readAhead);
    return new SnapshotStreamReader(in, in::at);
  }

  /**
   * The same stream from byte {@code offset} on, as a new input that reads no block ahead: it
   * reads a patch, whose end it does not know, and a block fetched ahead past it would be
   * fetched again by this stream.
   */
  public SnapshotInput at(long offset) throws IOException {
    long start = 0;
    for (int i = 0; i < refs.size(); i++) {
      long len = refs.get(i).length();
      if (offset < start + len) {
        SnapshotInput in = new SnapshotInput(store, snapshotId, refs.subList(i, refs.size()), 0);
        in.skipNBytes(offset - start);
        return in;
      }
      start += len;
    }
    if (offset == start) {
      return new SnapshotInput(store, snapshotId, List.of(), 0);
    }
    throw new IOException("snapshot " + snapshotId + ": offset " + offset + " is past the end of"
        + " its stream (" + start + " bytes)");
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (pos == current.length) {
      if (nextToRead == refs.size()) {
        return -1;
      }
      current = nextBlock();
      pos = 0;
    }
    int n = Math.min(len, current.length - pos);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    return n;
  }

  /**
   * Skips {@code n} bytes; whole blocks in between are not fetched (or, fetched ahead, dropped),
   * so a reader that skips a section another stream read costs no block twice.
   */
  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    long skipped = Math.min(n, current.length - pos);
    pos += (int) skipped;
    while (nextToRead < refs.size() && n - skipped >= refs.get(nextToRead).length()) {
      skipped += refs.get(nextToRead).length();
      if (nextToRead < nextToFetch) {
        ahead.removeFirst().cancel(true);
      }
      nextToRead++;
      nextToFetch = Math.max(nextToFetch, nextToRead);
    }
    if (skipped < n && nextToRead < refs.size()) {
      current = nextBlock();
      pos = (int) (n - skipped);
      skipped = n;
    }
    return skipped;
  }

  private byte[] nextBlock() throws IOException {
    while (pool != null && nextToFetch < refs.size() && ahead.size() <= readAhead) {
      BlockList.Ref r = refs.get(nextToFetch++);
      ahead.add(CompletableFuture.supplyAsync(() -> {
        try {
          return fetch(r);
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, pool));
    }
    BlockList.Ref r = refs.get(nextToRead++);
    if (pool == null) {
      return fetch(r);
    }
    try {
      return ahead.removeFirst().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }

  private byte[] fetch(BlockList.Ref r) throws IOException {
    byte[] content = store.get(r.id(), snapshotId);
    if (content.length != r.length()) {
      throw new IOException("block " + r.id().hex() + " of snapshot " + snapshotId + " holds "
          + content.length + " bytes but the block list says " + r.length());
    }
    return content;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
    ahead.clear();
  }
}
