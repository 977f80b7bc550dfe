package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockStoreTest extends BlockStoreContract {
    @TempDir
    Path dir;

    private Path root() {
        return dir.resolve("blocks");
    }

    @Override
    protected BlockStore open(BlockCodec codec) throws IOException {
        return FileBlockStore.open(root(), codec, 256 << 10);
    }

    @Override
    protected BlockStore reopen(BlockStore old, BlockCodec codec) throws IOException {
        old.close();
        return FileBlockStore.open(root(), codec, 256 << 10);
    }

    @Override
    protected void damageStored(BlockStore store, BlockId id) throws IOException {
        byte[] sealed = store.getSealed(id);
        for (Path pack : packFiles(root())) {
            byte[] all = Files.readAllBytes(pack);
            int at = indexOf(all, sealed);
            if (at >= 0) {
                all[at + sealed.length / 2] ^= 0x10;
                Files.write(pack, all);
                return;
            }
        }
        throw new AssertionError("block " + id + " not found in any pack");
    }

    static List<Path> packFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root.resolve("packs"))) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private FileBlockStore file() {
        return (FileBlockStore) store;
    }

    private List<Block> putRandom(int n, int size, long seed) throws IOException {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Block b = Block.of(bytes(size, seed + i));
            store.put(b);
            blocks.add(b);
        }
        return blocks;
    }

    @Test
    void blocksAreVisibleBeforeFlushAndPackedAfterIt() throws IOException {
        List<Block> blocks = putRandom(3, 10_000, 1);
        assertThat(packFiles(root())).isEmpty();
        assertThat(store.get(blocks.get(1).id())).isEqualTo(blocks.get(1).content());
        store.flush();
        assertThat(packFiles(root())).hasSize(1);
        assertThat(file().packStats().packs()).isEqualTo(1);
    }

    @Test
    void aFullPackIsWrittenWithoutWaitingForFlush() throws IOException {
        putRandom(30, 20_000, 2);
        assertThat(packFiles(root())).as("256 KiB target, 600 KB put").hasSize(2);
    }

    @Test
    void aTornTemporaryPackIsRemovedOnOpen() throws IOException {
        List<Block> kept = putRandom(3, 5_000, 3);
        store.flush();
        putRandom(2, 5_000, 50);
        Files.copy(Files.list(root().resolve("tmp")).findFirst().orElseThrow(), dir.resolve("torn"));
        store.close();
        Files.write(root().resolve("tmp/pack-99-1.tmp"), Files.readAllBytes(dir.resolve("torn")));
        store = FileBlockStore.open(root(), BlockCodec.plain());
        assertThat(Files.list(root().resolve("tmp"))).isEmpty();
        for (Block b : kept) {
            assertThat(store.get(b.id())).isEqualTo(b.content());
        }
    }

    @Test
    void aPackWrittenButNeverIndexedIsAnOrphanForTheGroom() throws IOException {
        Path other = dir.resolve("other");
        List<Block> unindexed;
        try (FileBlockStore o = FileBlockStore.open(other, BlockCodec.plain())) {
            unindexed = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                unindexed.add(Block.of(bytes(4_000, 70 + i)));
                o.put(unindexed.get(i));
            }
        }
        Path orphan = packFiles(other).get(0);
        store.close();
        Path target = root().resolve("packs").resolve(other.relativize(orphan).subpath(1, 3));
        Files.createDirectories(target.getParent());
        Files.copy(orphan, target);
        store = FileBlockStore.open(root(), BlockCodec.plain());
        assertThat(file().orphanPacks()).containsExactly(target);
        assertThat(store.exists(unindexed.get(0).id())).as("never acknowledged as durable").isFalse();
        assertThat(file().removeOrphanPacks()).isEqualTo(1);
        assertThat(target).doesNotExist();
    }

    @Test
    void aTornIndexTailIsCutOffAndEarlierPacksStayReadable() throws IOException {
        List<Block> blocks = putRandom(4, 6_000, 4);
        store.close();
        Path index = root().resolve("index");
        long good = Files.size(index);
        Files.write(index, new byte[] {1, 0, 0, 1, 0, 42, 42}, StandardOpenOption.APPEND);
        store = FileBlockStore.open(root(), BlockCodec.plain());
        assertThat(Files.size(index)).isEqualTo(good);
        for (Block b : blocks) {
            assertThat(store.get(b.id())).isEqualTo(b.content());
        }
    }

    @Test
    void aPackMissingFromDiskIsReportedAndItsBlocksAreMissing() throws IOException {
        List<Block> blocks = putRandom(2, 6_000, 5);
        store.close();
        Files.delete(packFiles(root()).get(0));
        store = FileBlockStore.open(root(), BlockCodec.plain());
        assertThat(file().missingPacks()).hasSize(1);
        assertThatThrownBy(() -> store.get(blocks.get(0).id())).isInstanceOf(MissingBlockException.class);
    }

    @Test
    void deletingEveryBlockOfAPackRemovesThePackFile() throws IOException {
        List<Block> blocks = putRandom(3, 6_000, 6);
        store.flush();
        for (Block b : blocks) {
            store.delete(b.id());
        }
        assertThat(packFiles(root())).isEmpty();
        store = reopen(store, BlockCodec.plain());
        assertThat(store.stats()).isEqualTo(new StoreStats(0, 0));
    }

    @Test
    void repackReclaimsDeadSpaceAndKeepsLiveBlocksAcrossReopen() throws IOException {
        List<Block> blocks = putRandom(10, 20_000, 7);
        store.flush();
        for (int i = 0; i < 7; i++) {
            store.delete(blocks.get(i).id());
        }
        long before = file().packStats().packBytes();
        long reclaimed = file().repack(0.5);
        assertThat(reclaimed).isGreaterThan(100_000);
        assertThat(file().packStats().packBytes()).isLessThan(before - 100_000);
        assertThat(file().packStats().deadBytes()).isLessThan(1_000);
        store = reopen(store, BlockCodec.plain());
        for (int i = 7; i < 10; i++) {
            assertThat(store.get(blocks.get(i).id())).isEqualTo(blocks.get(i).content());
        }
        assertThat(store.stats().blocks()).isEqualTo(3);
        assertThat(packFiles(root())).hasSize(file().packStats().packs());
    }

    @Test
    void aCrashBetweenRepackAndDropLeavesTheOldPackToBeDroppedOnOpen() throws IOException {
        List<Block> blocks = putRandom(4, 20_000, 8);
        store.flush();
        Path oldPack = packFiles(root()).get(0);
        byte[] oldBytes = Files.readAllBytes(oldPack);
        byte[] indexBefore = Files.readAllBytes(root().resolve("index"));
        store.delete(blocks.get(0).id());
        file().repack(0.9);
        store.close();
        // put the old pack back and cut the index after the new pack's record: the DROP never happened
        byte[] index = Files.readAllBytes(root().resolve("index"));
        int dropRecord = 9 + 32;
        Files.write(root().resolve("index"), java.util.Arrays.copyOf(index, index.length - dropRecord));
        Files.write(oldPack, oldBytes);
        assertThat(index.length).isGreaterThan(indexBefore.length);
        store = FileBlockStore.open(root(), BlockCodec.plain());
        assertThat(oldPack).as("all its blocks live in the new pack").doesNotExist();
        for (int i = 1; i < 4; i++) {
            assertThat(store.get(blocks.get(i).id())).isEqualTo(blocks.get(i).content());
        }
        assertThat(store.exists(blocks.get(0).id())).isFalse();
    }

    @Test
    void aSecondOpenOfTheSameRootIsRefused() {
        assertThatThrownBy(() -> FileBlockStore.open(root(), BlockCodec.plain()))
                .isInstanceOf(BlockStoreException.class).hasMessageContaining("in use");
    }

    @Test
    void theIndexIsCompactedWhenDeletesDominateIt() throws IOException {
        List<Block> blocks = putRandom(200, 1_000, 9);
        store.flush();
        for (int i = 0; i < 150; i++) {
            store.delete(blocks.get(i).id());
        }
        long before = Files.size(root().resolve("index"));
        store = reopen(store, BlockCodec.plain());
        assertThat(Files.size(root().resolve("index"))).isLessThan(before);
        for (int i = 150; i < 200; i++) {
            assertThat(store.get(blocks.get(i).id())).isEqualTo(blocks.get(i).content());
        }
    }

    @Test
    void packTrailerListsEveryBlock() throws IOException {
        List<Block> blocks = putRandom(5, 3_000, 10);
        store.flush();
        Path pack = packFiles(root()).get(0);
        try (var ch = java.nio.channels.FileChannel.open(pack)) {
            List<PackEntry> entries = PackFormat.readTrailer(ch, ch.size(), pack.toString());
            assertThat(entries).extracting(PackEntry::id).containsExactlyElementsOf(blocks.stream().map(Block::id).toList());
            ByteBuffer first = PackFormat.readFully(ch, entries.get(0).offset(), entries.get(0).length());
            assertThat(BlockCodec.plain().open(blocks.get(0).id(), first.array())).isEqualTo(blocks.get(0).content());
        }
    }

    @Test
    void readsRacingPackCommitsAlwaysFindTheirBlock() throws Exception {
        List<Block> blocks = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            try {
                while (!done.get()) {
                    for (Block b : blocks) {
                        assertThat(store.get(b.id())).isEqualTo(b.content());
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        for (int i = 0; i < 120; i++) {
            Block b = Block.of(bytes(9_000, 500 + i));
            store.put(b);
            blocks.add(b);
        }
        done.set(true);
        reader.join();
        assertThat(failure.get()).isNull();
        assertThat(packFiles(root()).size()).as("about 1 MB in 256 KiB packs").isGreaterThanOrEqualTo(4);
    }
}
