package io.openmms.blockstore;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blocks in pack files on a local file system, in the manner of restic (docs/blockstore-format.md,
 * "Filesystem backend"). Layout under the root: {@code packs/xx/<pack id>} (immutable packs named
 * by the SHA-256 of their bytes), {@code index} (an append-only {@link IndexLog}), {@code tmp/}
 * (the pack being filled), {@code lock}.
 *
 * <p>Write order: blocks are appended to a temporary pack; when it reaches the target size or on
 * {@link #flush()}, its trailer is written, it is fsynced and renamed to its id, the directory is
 * fsynced, and only then is a PACK record appended to the index and fsynced. So a pack is whole
 * before the index names it, and a crash leaves at worst a temporary file (deleted on open) or a
 * pack no index record names (an orphan, listed by {@link #orphanPacks()} for the groom).
 *
 * <p>Delete appends a DEAD record; a pack whose blocks are all dead is dropped (DROP record, then
 * the file is removed). {@link #repack(double)} copies the live blocks of mostly-dead packs into
 * a new pack, indexes it, then drops the old packs. One process owns a root at a time (a file
 * lock). Thread-safe: writes hold the store's monitor; reads do not.
 */
public final class FileBlockStore implements BlockStore {
    public static final long DEFAULT_PACK_BYTES = 16L << 20;
    private static final Logger LOG = LoggerFactory.getLogger(FileBlockStore.class);

    /** A block's place: a committed pack, or the pack being filled ({@code writer} non-null). */
    private record Location(String pack, PackWriter writer, long offset, int length) {
    }

    private static final class PackState {
        final long fileLength;
        int live;
        long liveBytes;

        PackState(long fileLength) {
            this.fileLength = fileLength;
        }
    }

    /** Counts of a store's packs, for the groom and the admin page. */
    public record PackStats(int packs, long packBytes, long deadBytes, int orphanPacks, int missingPacks) {
    }

    private final Path root;
    private final Path packsDir;
    private final Path tmpDir;
    private final BlockCodec codec;
    private final long packTarget;
    private final FileChannel lockChannel;
    private final ConcurrentHashMap<BlockId, Location> blocks = new ConcurrentHashMap<>();
    private final Map<String, PackState> packs = new HashMap<>();
    private final AtomicLong liveBytes = new AtomicLong();
    private final List<Path> orphans = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private IndexLog index;
    private PackWriter pending;
    private long tmpSeq;
    private IOException lostPending;
    private boolean closed;

    private FileBlockStore(Path root, BlockCodec codec, long packTarget, FileChannel lockChannel) {
        this.root = root;
        this.packsDir = root.resolve("packs");
        this.tmpDir = root.resolve("tmp");
        this.codec = codec;
        this.packTarget = packTarget;
        this.lockChannel = lockChannel;
    }

    public static FileBlockStore open(Path root, BlockCodec codec) throws IOException {
        return open(root, codec, DEFAULT_PACK_BYTES);
    }

    /** Opens (creating) the store at {@code root}; recovers from a crash as the format doc says. */
    public static FileBlockStore open(Path root, BlockCodec codec, long packTargetBytes) throws IOException {
        Files.createDirectories(root.resolve("packs"));
        Files.createDirectories(root.resolve("tmp"));
        FileChannel lockChannel = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new BlockStoreException("blockstore " + root + " is in use by another process (lock held on "
                    + root.resolve("lock") + ")", Failures.Kind.PERMANENT, null);
        }
        FileBlockStore store = new FileBlockStore(root, codec, packTargetBytes, lockChannel);
        try {
            store.recover();
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        return store;
    }

    private void recover() throws IOException {
        try (Stream<Path> torn = Files.list(tmpDir)) {
            for (Path p : torn.toList()) {
                LOG.info("blockstore {}: removing unfinished pack {}", root, p.getFileName());
                Files.delete(p);
            }
        }
        Files.deleteIfExists(root.resolve("index.tmp"));
        index = IndexLog.open(root.resolve("index"), this::replay);
        checkPackFiles();
        for (String p : new ArrayList<>(packs.keySet())) {
            if (packs.get(p).live == 0) {
                dropPack(p);
            }
        }
        if (index.records() > 2 * packs.size() + 64) {
            compactIndex();
        }
    }

    private void replay(IndexLog.Record r) {
        switch (r) {
            case IndexLog.Pack p -> {
                PackState st = new PackState(p.fileLength());
                packs.put(p.packId(), st);
                for (PackEntry e : p.entries()) {
                    unlink(blocks.put(e.id(), new Location(p.packId(), null, e.offset(), e.length())));
                    st.live++;
                    st.liveBytes += e.length();
                    liveBytes.addAndGet(e.length());
                }
            }
            case IndexLog.Dead d -> d.ids().forEach(id -> unlink(blocks.remove(id)));
            case IndexLog.Drop d -> {
                PackState st = packs.remove(d.packId());
                if (st != null && st.live > 0) {
                    removeBlocksIn(d.packId());
                }
            }
        }
    }

    /** Accounts for a location that no longer holds a live block. */
    private void unlink(Location old) {
        if (old == null) {
            return;
        }
        liveBytes.addAndGet(-old.length());
        PackState st = old.pack() == null ? null : packs.get(old.pack());
        if (st != null) {
            st.live--;
            st.liveBytes -= old.length();
        }
    }

    private void removeBlocksIn(String packId) {
        blocks.values().removeIf(l -> {
            boolean gone = packId.equals(l.pack());
            if (gone) {
                liveBytes.addAndGet(-l.length());
            }
            return gone;
        });
    }

    private void checkPackFiles() throws IOException {
        for (String p : new ArrayList<>(packs.keySet())) {
            Path file = PackFormat.path(packsDir, p);
            if (!Files.exists(file)) {
                LOG.error("blockstore {}: pack {} named by the index is missing; its {} blocks are lost",
                        root, p, packs.get(p).live);
                missing.add(p);
                packs.remove(p);
                removeBlocksIn(p);
            } else if (Files.size(file) != packs.get(p).fileLength) {
                LOG.error("blockstore {}: pack {} is {} bytes, the index says {}; reads will report its blocks",
                        root, p, Files.size(file), packs.get(p).fileLength);
            }
        }
        try (Stream<Path> files = Files.walk(packsDir, 2)) {
            files.filter(Files::isRegularFile)
                    .filter(f -> !packs.containsKey(f.getFileName().toString()))
                    .forEach(orphans::add);
        }
        if (!orphans.isEmpty()) {
            LOG.warn("blockstore {}: {} orphan packs (written, never indexed)", root, orphans.size());
        }
    }

    private void compactIndex() throws IOException {
        Map<String, List<PackEntry>> live = new LinkedHashMap<>();
        packs.keySet().forEach(p -> live.put(p, new ArrayList<>()));
        blocks.forEach((id, l) -> {
            if (l.pack() != null) {
                live.get(l.pack()).add(new PackEntry(id, l.offset(), l.length()));
            }
        });
        List<IndexLog.Pack> records = new ArrayList<>();
        live.forEach((p, entries) -> records.add(new IndexLog.Pack(p, packs.get(p).fileLength, entries)));
        index.close();
        IndexLog.rewrite(root.resolve("index"), records);
        index = IndexLog.open(root.resolve("index"), r -> { });
    }

    @Override
    public String location() {
        return "file:" + root;
    }

    @Override
    public BlockCodec codec() {
        return codec;
    }

    @Override
    public synchronized long putSealed(BlockId id, byte[] sealed) throws IOException {
        ensureOpen();
        if (blocks.containsKey(id)) {
            return 0;
        }
        if (pending == null) {
            pending = new PackWriter(tmpDir.resolve("pack-" + ProcessHandle.current().pid() + "-" + ++tmpSeq + ".tmp"));
        }
        long offset;
        try {
            offset = pending.append(id, sealed);
        } catch (IOException e) {
            if (pending.broken()) {
                losePending(e);
            }
            throw Failures.wrap("writing block " + id + " to " + root, e);
        }
        blocks.put(id, new Location(null, pending, offset, sealed.length));
        liveBytes.addAndGet(sealed.length);
        if (pending.size() >= packTarget) {
            finishPack();
        }
        return sealed.length;
    }

    /** Commits the pending pack: trailer, fsync, rename, fsync directory, then the index record. */
    private void finishPack() throws IOException {
        PackWriter w = pending;
        pending = null;
        List<PackEntry> live = w.entries().stream().filter(e -> isIn(e, w)).toList();
        if (live.isEmpty()) {
            w.abort();
            return;
        }
        try {
            String packId = commit(w, live);
            PackState st = new PackState(w.size());
            packs.put(packId, st);
            for (PackEntry e : live) {
                blocks.put(e.id(), new Location(packId, null, e.offset(), e.length()));
                st.live++;
                st.liveBytes += e.length();
            }
        } catch (IOException e) {
            pending = w;
            losePending(e);
            throw Failures.wrap("writing a pack to " + root, e);
        }
    }

    private boolean isIn(PackEntry e, PackWriter w) {
        Location l = blocks.get(e.id());
        return l != null && l.writer() == w && l.offset() == e.offset();
    }

    private String commit(PackWriter w, List<PackEntry> live) throws IOException {
        String packId = w.finish();
        Path target = PackFormat.path(packsDir, packId);
        Files.createDirectories(target.getParent());
        Files.move(w.file(), target, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(target.getParent());
        fsyncDirectory(packsDir);
        index.appendPack(packId, w.size(), live, true);
        return packId;
    }

    /** The pending pack cannot be committed: its blocks disappear and the next flush says so. */
    private void losePending(IOException cause) {
        PackWriter w = pending;
        pending = null;
        int lost = 0;
        for (PackEntry e : w.entries()) {
            if (isIn(e, w)) {
                blocks.remove(e.id());
                liveBytes.addAndGet(-e.length());
                lost++;
            }
        }
        w.abort();
        IOException report = new BlockStoreException(lost + " blocks put to " + root
                + " since the last flush were lost", Failures.Kind.PERMANENT, cause);
        if (lostPending == null) {
            lostPending = report;
        } else {
            lostPending.addSuppressed(report);
        }
    }

    @Override
    public byte[] getSealed(BlockId id) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Location loc = blocks.get(id);
            if (loc == null) {
                throw new MissingBlockException(id, location());
            }
            try {
                return read(loc);
            } catch (IOException e) {
                if (attempt < 3 && moved(id, loc)) {
                    continue;
                }
                if (e instanceof EOFException) {
                    throw new CorruptBlockException(id, "pack " + loc.pack() + " ends inside the block", e);
                }
                throw Failures.wrap("reading block " + id + " from pack " + loc.pack() + " in " + root, e);
            }
        }
    }

    /**
     * True when the block's location changed since {@code loc} was read: its pending pack was
     * committed (the writer's channel closes before the locations are updated, under the monitor)
     * or its pack was repacked.
     */
    private boolean moved(BlockId id, Location loc) {
        if (loc.writer() != null) {
            synchronized (this) {
                return blocks.get(id) != loc;
            }
        }
        return blocks.get(id) != loc;
    }

    private byte[] read(Location loc) throws IOException {
        if (loc.writer() != null) {
            return loc.writer().read(loc.offset(), loc.length());
        }
        try (FileChannel ch = FileChannel.open(PackFormat.path(packsDir, loc.pack()), StandardOpenOption.READ)) {
            return PackFormat.readFully(ch, loc.offset(), loc.length()).array();
        }
    }

    @Override
    public boolean exists(BlockId id) {
        return blocks.containsKey(id);
    }

    @Override
    public synchronized boolean delete(BlockId id) throws IOException {
        ensureOpen();
        Location loc = blocks.get(id);
        if (loc == null) {
            return false;
        }
        if (loc.pack() != null) {
            index.appendDead(List.of(id), false);
        }
        blocks.remove(id);
        unlink(loc);
        if (loc.pack() != null && packs.get(loc.pack()).live == 0) {
            dropPack(loc.pack());
        }
        return true;
    }

    private void dropPack(String packId) throws IOException {
        index.appendDrop(packId, true);
        packs.remove(packId);
        Path file = PackFormat.path(packsDir, packId);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("blockstore {}: dropped pack {} could not be removed; it is now an orphan", root, packId, e);
            orphans.add(file);
        }
    }

    /**
     * Copies the live blocks of every pack whose live bytes are below {@code minLiveFraction} of
     * its size into new packs, indexes them, then drops the old packs. A crash in between leaves
     * the blocks in both; the old packs are then all dead and are dropped on open.
     * @return the pack bytes reclaimed
     */
    public synchronized long repack(double minLiveFraction) throws IOException {
        ensureOpen();
        Map<String, List<BlockId>> victims = new LinkedHashMap<>();
        packs.forEach((p, st) -> {
            if (st.liveBytes < minLiveFraction * st.fileLength) {
                victims.put(p, new ArrayList<>());
            }
        });
        blocks.forEach((id, l) -> {
            if (l.pack() != null && victims.containsKey(l.pack())) {
                victims.get(l.pack()).add(id);
            }
        });
        long reclaimed = 0;
        PackWriter w = null;
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, List<BlockId>> v : victims.entrySet()) {
            if (w == null) {
                w = new PackWriter(tmpDir.resolve("repack-" + ProcessHandle.current().pid() + "-" + ++tmpSeq + ".tmp"));
            }
            for (BlockId id : v.getValue()) {
                w.append(id, read(blocks.get(id)));
            }
            done.add(v.getKey());
            reclaimed += packs.get(v.getKey()).fileLength - packs.get(v.getKey()).liveBytes;
            if (w.size() >= packTarget) {
                commitRepack(w, done);
                w = null;
                done.clear();
            }
        }
        if (w != null) {
            commitRepack(w, done);
        }
        return reclaimed;
    }

    private void commitRepack(PackWriter w, List<String> oldPacks) throws IOException {
        if (w.entries().isEmpty()) {
            w.abort();
        } else {
            String packId;
            try {
                packId = commit(w, w.entries());
            } catch (IOException e) {
                w.abort();
                throw Failures.wrap("repacking in " + root, e);
            }
            PackState st = new PackState(w.size());
            packs.put(packId, st);
            for (PackEntry e : w.entries()) {
                unlink(blocks.put(e.id(), new Location(packId, null, e.offset(), e.length())));
                liveBytes.addAndGet(e.length());
                st.live++;
                st.liveBytes += e.length();
            }
        }
        for (String p : oldPacks) {
            dropPack(p);
        }
    }

    @Override
    public Stream<BlockInfo> list() {
        return blocks.entrySet().stream().map(e -> new BlockInfo(e.getKey(), e.getValue().length()));
    }

    @Override
    public StoreStats stats() {
        return new StoreStats(blocks.size(), liveBytes.get());
    }

    public synchronized PackStats packStats() {
        long bytes = 0;
        long live = 0;
        for (PackState st : packs.values()) {
            bytes += st.fileLength;
            live += st.liveBytes;
        }
        return new PackStats(packs.size(), bytes, bytes - live, orphans.size(), missing.size());
    }

    /** Packs on disk that no index record names: written before a crash, or dropped but not removed. */
    public synchronized List<Path> orphanPacks() {
        return List.copyOf(orphans);
    }

    /** Deletes the orphan packs; returns how many. */
    public synchronized int removeOrphanPacks() throws IOException {
        int n = 0;
        for (Path p : orphans) {
            if (Files.deleteIfExists(p)) {
                n++;
            }
        }
        orphans.clear();
        return n;
    }

    /** Packs the index names but the disk lacks: their blocks are lost. */
    public synchronized List<String> missingPacks() {
        return List.copyOf(missing);
    }

    @Override
    public synchronized void flush() throws IOException {
        ensureOpen();
        IOException earlier = lostPending;
        try {
            if (pending != null) {
                finishPack();
            }
            index.sync();
        } catch (IOException e) {
            if (earlier != null) {
                e.addSuppressed(earlier);
            }
            lostPending = null;
            throw e;
        }
        if (lostPending != null) {
            IOException e = lostPending;
            lostPending = null;
            throw e;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        IOException first = null;
        try {
            flush();
        } catch (IOException e) {
            first = e;
        }
        closed = true;
        for (AutoCloseable c : new AutoCloseable[] {index, lockChannel}) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof IOException io ? io : new IOException(e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new BlockStoreException("blockstore " + root + " is closed", Failures.Kind.PERMANENT, null);
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
