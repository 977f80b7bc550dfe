package io.openmms.daemon.snapshot;

import io.openmms.blockstore.Block;
import io.openmms.blockstore.BlockId;
import io.openmms.blockstore.BlockStore;
import io.openmms.blockstore.Chunk;
import io.openmms.blockstore.Chunker;
import io.openmms.blockstore.ChunkerParams;
import io.openmms.blockstore.ChunkingOutputStream;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.OplogPosition;
import io.openmms.server.backup.Snapshots;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one snapshot of a head into a block store (docs/snapshot-format.md): the snapshot stream
 * is cut by the chunker as it is produced; each chunk is hashed, registered with the
 * {@link Coordination} and stored unless already there (on {@code threads} workers when more than
 * one, in stream order of ids); then the block lists are stored, the store is flushed, grooms are
 * waited for, and only then is the manifest inserted. A failure at any step leaves no manifest:
 * the blocks already stored are orphans the groom reclaims.
 *
 * <p>The head keeps applying oplog while this runs: it reads a {@link HeadReader} that is a
 * consistent snapshot view of one commit. Not thread-safe; one snapshot per instance at a time.
 */
public final class SnapshotWriter {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotWriter.class);
  private static final Duration HEARTBEAT = Duration.ofSeconds(5);
  /** Chunks handed out before a simulated crash in {@link Step#BLOCKS}. */
  private static final int CRASH_AFTER_CHUNKS = 6;

  /** What to write: the manifest fields that do not come from the content. */
  public record Plan(String snapshotId, String backupId, String groupId, String store,
      Set<String> tiers, Instant expires, boolean onDemand, String syncId) {
    /** A plan outside any backup sync (tests, benchmarks). */
    public Plan(String snapshotId, String backupId, String groupId, String store,
        Set<String> tiers, Instant expires, boolean onDemand) {
      this(snapshotId, backupId, groupId, store, tiers, expires, onDemand, null);
    }
  }

  /** A step at which a test stops the writer, as a crash there would (see {@link #failAt}). */
  public enum Step { BLOCKS, BLOCK_LISTS, FLUSH, MANIFEST, CLEANUP }

  private final BlockStore store;
  private final Coordination coordination;
  private final Chunker chunker;
  private final int threads;
  private final Clock clock;
  private Step failAt;
  private LongConsumer progress = n -> { };
  private BooleanSupplier stopRequested = () -> false;

  public SnapshotWriter(BlockStore store, Coordination coordination, int threads, Clock clock) {
    this(store, coordination, ChunkerParams.DEFAULT, threads, clock);
  }

  public SnapshotWriter(BlockStore store, Coordination coordination, ChunkerParams params,
      int threads, Clock clock) {
    this.store = store;
    this.coordination = coordination;
    this.chunker = new Chunker(params);
    this.threads = Math.max(1, threads);
    this.clock = clock;
  }

  /** Receives the stream bytes written so far, after each chunk. */
  public SnapshotWriter onProgress(LongConsumer progress) {
    this.progress = progress;
    return this;
  }

  /** Checked at every block: when it answers true the snapshot is abandoned. */
  public SnapshotWriter stopWhen(BooleanSupplier stopRequested) {
    this.stopRequested = stopRequested;
    return this;
  }

  /** Makes the writer throw just before {@code step}, leaving what a crash there would. Tests. */
  SnapshotWriter failAt(Step step) {
    this.failAt = step;
    return this;
  }

  /**
   * Writes {@code view} (a consistent view of a head) and inserts its manifest into
   * {@code snapshots}. Returns the manifest.
   */
  public Snapshots.Snapshot write(HeadReader view, Plan plan, Snapshots snapshots)
      throws IOException, InterruptedException {
    OplogPosition pos = view.position().orElseThrow(() -> new IllegalStateException(
        "backup " + plan.backupId() + " has no head position yet; nothing to snapshot"));
    Instant started = clock.instant();
    String domain = SnapshotStores.domain(plan.store(), plan.groupId());
    long estimate = 0;
    for (var ns : view.namespaces()) {
      estimate += view.dataSize(ns);
    }
    Coordination.Writer writer = coordination.beginWriter(plan.snapshotId(), plan.backupId(),
        domain, estimate);
    boolean published = false;
    Earlier earlier = new Earlier(snapshots, plan);
    try {
      Written w = writeBlocks(view, writer, earlier);
      check(Step.BLOCK_LISTS);
      List<Block> lists = BlockList.encode(w.refs).stream().map(Block::of).toList();
      coordination.referenceAll(writer, w.referenced, lists.stream().map(Block::id).toList());
      List<String> listIds = new ArrayList<>();
      for (Block b : lists) {
        w.add(b.id(), store.put(b));
        listIds.add(b.id().hex());
      }
      check(Step.FLUSH);
      store.flush();
      if (coordination.awaitGroomsAfter(writer, Duration.ofMillis(200))) {
        List<BlockId> gone = store.missing(w.reused);
        if (!gone.isEmpty()) {
          throw new IOException("a groom that ran during snapshot " + plan.snapshotId()
              + " removed block " + gone.get(0).hex() + " it shares with older snapshots; the"
              + " snapshot is abandoned and will be taken again");
        }
      }
      if (!coordination.heartbeat(writer)) {
        throw new IOException("snapshot " + plan.snapshotId() + " was declared dead by a groom"
            + " (no heartbeat for " + coordination.staleAfter() + "); it is abandoned");
      }
      check(Step.MANIFEST);
      Snapshots.Snapshot s = new Snapshots.Snapshot(plan.snapshotId(), plan.backupId(),
          plan.groupId(), plan.store(), pos.ts(), pos.wallTime(), started,
          Duration.between(started, clock.instant()), w.logical, w.stored, w.refs.size(),
          listIds, w.collections, plan.tiers(), plan.expires(), plan.onDemand(), plan.syncId());
      snapshots.insert(s);
      published = true;
      check(Step.CLEANUP);
      coordination.endWriter(writer);
      LOG.info("Snapshot {} of backup {} at {}: {} in {} blocks ({} taken from snapshot {}; {}"
          + " collection(s) patched), {} new stored bytes, {} ms", s.id(), s.backupId(), s.ts(),
          s.logicalSizeBytes(), s.blockCount(), earlier.reusedBytes(), earlier.snapshotId(),
          s.collections().stream().filter(Snapshots.Collection::patched).count(),
          s.newStoredBytes(), s.took().toMillis());
      return s;
    } catch (IOException | RuntimeException | InterruptedException e) {
      if (!published && !(e instanceof SimulatedCrash)) {
        try {
          coordination.endWriter(writer);
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  /** The stream's blocks and what the writer learnt while storing them. */
  private static final class Written {
    final List<BlockList.Ref> refs = new ArrayList<>();
    /** The blocks found already stored: re-checked if a groom ran meanwhile. */
    final List<BlockId> reused = new ArrayList<>();
    long stored;
    /** References recorded so far: the sequence number of the next one. */
    long referenced;
    List<Snapshots.Collection> collections;
    long logical;

    /** Counts a block {@code store.put} answered {@code bytes} for (0: it was there). */
    void add(BlockId id, long bytes) {
      stored += bytes;
      if (bytes == 0) {
        reused.add(id);
      }
    }
  }

  private Written writeBlocks(HeadReader view, Coordination.Writer writer, Earlier earlier)
      throws IOException, InterruptedException {
    Written w = new Written();
    ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "openmms-snapshot-seal");
      t.setDaemon(true);
      return t;
    }) : null;
    Blocks blocks = new Blocks(writer, earlier, pool);
    ChunkingOutputStream out = chunker.outputStream(blocks::accept);
    try {
      w.collections = SnapshotStream.write(view, out, blocks);
      out.close();
      blocks.flush();
      w.logical = out.count();
      w.referenced = blocks.referenced;
      for (Future<Stored> f : blocks.futures) {
        Stored s = f.get();
        w.refs.add(s.ref);
        w.add(s.ref.id(), s.bytes);
      }
      return w;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(c);
    } finally {
      if (pool != null) {
        // never interrupt a worker: an interrupted file write closes the store's channel
        blocks.futures.forEach(f -> f.cancel(false));
        pool.shutdown();
        if (!pool.awaitTermination(5, TimeUnit.MINUTES)) {
          LOG.warn("Snapshot workers did not finish within 5 minutes");
        }
      }
    }
  }

  /**
   * The stream's blocks as the chunker cuts them: hashed on the calling thread in groups of
   * {@link #GROUP}, each group's references recorded in one write, then each block stored
   * unless present (on the workers when there are any), its result kept in stream order.
   */
  private final class Blocks implements SnapshotStream.Blocks {
    /** Chunks hashed and referenced together: one coordination write per group. */
    static final int GROUP = 8;

    final List<Future<Stored>> futures = new ArrayList<>();
    private final Coordination.Writer writer;
    private final Earlier earlier;
    private final ExecutorService pool;
    private final Semaphore inFlight;
    private final List<Chunk> group = new ArrayList<>(GROUP);
    /** References recorded: each gets its own sequence number, whatever its stream position. */
    long referenced;
    private long chunks;
    private Instant lastBeat = clock.instant();

    Blocks(Coordination.Writer writer, Earlier earlier, ExecutorService pool) {
      this.writer = writer;
      this.earlier = earlier;
      this.pool = pool;
      this.inFlight = new Semaphore(GROUP + threads * 2);
    }

    /** The chunker's sink. */
    void accept(Chunk chunk) throws IOException {
      if (chunks++ >= CRASH_AFTER_CHUNKS && !futures.isEmpty()) {
        check(Step.BLOCKS); // a crash with some of the stream's blocks handed out
      }
      if (stopRequested.getAsBoolean()) {
        throw new IOException("the snapshot was stopped: its head is closing or the daemon is shutting down");
      }
      group.add(chunk);
      if (group.size() == GROUP) {
        flush();
      }
      long at = chunk.offset() + chunk.length();
      progress.accept(at);
      if (clock.instant().isAfter(lastBeat.plus(HEARTBEAT))) {
        lastBeat = clock.instant();
        if (!coordination.heartbeat(writer, at)) {
          throw new IOException("the snapshot was declared dead by a groom; abandoned");
        }
      }
    }

    /** Hashes and references the chunks of the group, then has them stored. */
    void flush() throws IOException {
      if (group.isEmpty()) {
        return;
      }
      List<Block> hashed = new ArrayList<>(group.size());
      for (Chunk c : group) {
        hashed.add(Block.of(c.data()));
      }
      group.clear();
      // referenced before it is checked for or stored (docs/snapshot-format.md, "Atomicity")
      reference(hashed.stream().map(Block::id).toList());
      for (Block b : hashed) {
        if (pool == null) {
          futures.add(CompletableFuture.completedFuture(put(b)));
        } else {
          acquire(inFlight);
          futures.add(pool.submit(() -> {
            try {
              return put(b);
            } finally {
              inFlight.release();
            }
          }));
        }
      }
    }

    private Stored put(Block b) throws IOException {
      long n = store.put(b);
      return new Stored(new BlockList.Ref(b.id(), b.content().length), n);
    }

    @Override
    public long count() throws IOException {
      flush();
      return futures.size();
    }

    private void reference(List<BlockId> ids) {
      coordination.referenceAll(writer, referenced, ids);
      referenced += ids.size();
    }

    @Override
    public Optional<Snapshots.Collection> sameContent(String contentTag, long count, long bytes) {
      return earlier.byTag(contentTag).filter(c -> c.count() == count && c.bytes() == bytes);
    }

    @Override
    public Optional<Snapshots.Collection> previous(String ns) {
      return earlier.byNs(ns);
    }

    @Override
    public boolean claim(Snapshots.Collection c, long n) throws IOException {
      flush();
      List<BlockList.Ref> refs = earlier.refs(c, n);
      // as for any block found stored: referenced first, then checked
      List<BlockId> ids = refs.stream().map(BlockList.Ref::id).toList();
      reference(ids);
      List<BlockId> gone = store.missing(ids);
      if (!gone.isEmpty()) {
        LOG.info("Snapshot {}: block {} of {} (from snapshot {}) is no longer stored; its"
            + " documents are read again", writer.snapshotId(), gone.get(0).hex(), c.ns(),
            earlier.snapshotId());
        return false;
      }
      return true;
    }

    @Override
    public void place(Snapshots.Collection c, long n) throws IOException {
      flush();
      long bytes = 0;
      for (BlockList.Ref r : earlier.refs(c, n)) {
        futures.add(CompletableFuture.completedFuture(new Stored(r, 0)));
        bytes += r.length();
      }
      earlier.reused(bytes);
    }
  }

  private record Stored(BlockList.Ref ref, long bytes) {}

  /**
   * The latest earlier snapshot of the same backup in the same store, read when a collection
   * first asks for it: its collections by content tag and by name, with their blocks.
   */
  private final class Earlier {
    private final Snapshots snapshots;
    private final Plan plan;
    private Map<String, Snapshots.Collection> byTag;
    private Map<String, Snapshots.Collection> byNs;
    private List<BlockList.Ref> refs;
    private String snapshotId;
    private long reusedBytes;

    Earlier(Snapshots snapshots, Plan plan) {
      this.snapshots = snapshots;
      this.plan = plan;
    }

    String snapshotId() {
      return snapshotId;
    }

    void reused(long bytes) {
      reusedBytes += bytes;
    }

    long reusedBytes() {
      return reusedBytes;
    }

    Optional<Snapshots.Collection> byTag(String tag) {
      load();
      return Optional.ofNullable(byTag.get(tag));
    }

    Optional<Snapshots.Collection> byNs(String ns) {
      load();
      return Optional.ofNullable(byNs.get(ns));
    }

    /** The first {@code n} blocks of {@code c}'s block range (an entry this gave out). */
    List<BlockList.Ref> refs(Snapshots.Collection c, long n) {
      return refs.subList((int) c.firstBlock(), (int) (c.firstBlock() + n));
    }

    private void load() {
      if (byTag != null) {
        return;
      }
      byTag = new HashMap<>();
      byNs = new HashMap<>();
      Snapshots.Snapshot last = snapshots.list(plan.backupId()).stream()
          .filter(s -> s.store().equals(plan.store()) && !s.id().equals(plan.snapshotId()))
          .max(Comparator.comparing(Snapshots.Snapshot::taken)
              .thenComparing(Snapshots.Snapshot::ts)).orElse(null);
      if (last == null || last.collections().stream().noneMatch(Snapshots.Collection::reusable)) {
        return;
      }
      try {
        refs = List.copyOf(SnapshotInput.blocks(store, last));
      } catch (IOException | RuntimeException e) {
        LOG.warn("Snapshot {}: the block lists of the previous snapshot {} cannot be read ({});"
            + " every collection is read", plan.snapshotId(), last.id(), e.getMessage());
        return;
      }
      for (Snapshots.Collection c : last.collections()) {
        if (c.reusable() && c.firstBlock() + c.blocks() <= refs.size()) {
          byTag.put(c.contentTag(), c);
          byNs.put(c.ns(), c);
        }
      }
      snapshotId = last.id();
    }
  }

  private static void acquire(Semaphore s) throws InterruptedIOException {
    try {
      s.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("snapshot interrupted");
    }
  }

  private void check(Step step) throws SimulatedCrash {
    if (failAt == step) {
      throw new SimulatedCrash(step);
    }
  }

  /** Thrown by {@link #failAt}: leaves everything as a crash at that step would. */
  static final class SimulatedCrash extends IOException {
    SimulatedCrash(Step step) {
      super("simulated crash before step " + step);
    }
  }
}
