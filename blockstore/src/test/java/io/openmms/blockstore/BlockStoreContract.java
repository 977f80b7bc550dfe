package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link BlockStore} backend meets. A subclass says how to open a fresh
 * store, how to reopen it over the same storage with another codec, and how to damage a stored
 * block in the backend itself.
 */
abstract class BlockStoreContract {
    static final BlockKey KEY_A = new BlockKey("group-a-2026", bytes(32, 1));
    static final BlockKey KEY_B = new BlockKey("group-b-2026", bytes(32, 2));

    protected BlockStore store;

    /** A fresh, empty store sealing with {@code codec}. */
    protected abstract BlockStore open(BlockCodec codec) throws IOException;

    /** Closes {@code old} and opens its storage again with {@code codec}. */
    protected abstract BlockStore reopen(BlockStore old, BlockCodec codec) throws IOException;

    /** Flips a bit of block {@code id}'s stored bytes in the backend itself. */
    protected abstract void damageStored(BlockStore store, BlockId id) throws IOException;

    @BeforeEach
    void openStore() throws IOException {
        store = open(BlockCodec.plain());
    }

    @AfterEach
    void closeStore() throws IOException {
        if (store != null) {
            store.close();
        }
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Block text(String s, int repeat) {
        return Block.of(s.repeat(repeat).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPutBlockReadsBackEqualAndCompressed() throws IOException {
        Block block = text("{name: 'alpha', city: 'berlin'} ", 2000);
        long stored = store.put(block);
        assertThat(stored).isPositive().isLessThan(block.length() / 10);
        assertThat(store.get(block.id())).isEqualTo(block.content());
        assertThat(store.exists(block.id())).isTrue();
    }

    @Test
    void aBlockIsStoredOnceAndTheSecondPutReportsZeroBytes() throws IOException {
        Block block = text("same content ", 500);
        long first = store.put(block);
        assertThat(store.put(Block.of(block.content().clone()))).isZero();
        assertThat(store.stats()).isEqualTo(new StoreStats(1, first));
    }

    @Test
    void incompressibleAndEmptyBlocksRoundTrip() throws IOException {
        Block random = Block.of(bytes(100_000, 3));
        Block empty = Block.of(new byte[0]);
        assertThat(store.put(random)).isBetween(100_000L, 100_000L + 64);
        store.put(empty);
        assertThat(store.get(random.id())).isEqualTo(random.content());
        assertThat(store.get(empty.id())).isEmpty();
    }

    @Test
    void aMissingBlockIsReportedByIdAndSnapshot() throws IOException {
        BlockId id = Block.of("never stored".getBytes(StandardCharsets.UTF_8)).id();
        assertThat(store.exists(id)).isFalse();
        assertThatThrownBy(() -> store.get(id)).isInstanceOf(MissingBlockException.class)
                .hasMessageContaining(id.hex());
        assertThatThrownBy(() -> store.get(id, "rs0@2026-11-02T06:00Z"))
                .isInstanceOfSatisfying(MissingBlockException.class, e -> {
                    assertThat(e.blockId()).isEqualTo(id);
                    assertThat(e.snapshot()).contains("rs0@2026-11-02T06:00Z");
                    assertThat(e).hasMessageContaining(id.hex()).hasMessageContaining("rs0@2026-11-02T06:00Z");
                });
    }

    @Test
    void aDeletedBlockIsGoneAndNoLongerCounted() throws IOException {
        Block keep = text("keep ", 1000);
        Block drop = text("drop ", 1000);
        long kept = store.put(keep);
        store.put(drop);
        store.flush();
        assertThat(store.delete(drop.id())).isTrue();
        assertThat(store.delete(drop.id())).isFalse();
        assertThat(store.exists(drop.id())).isFalse();
        assertThatThrownBy(() -> store.get(drop.id())).isInstanceOf(MissingBlockException.class);
        assertThat(store.get(keep.id())).isEqualTo(keep.content());
        assertThat(store.stats()).isEqualTo(new StoreStats(1, kept));
    }

    @Test
    void aDeletedBlockCanBePutAgain() throws IOException {
        Block b = text("again ", 300);
        store.put(b);
        store.flush();
        store.delete(b.id());
        assertThat(store.put(b)).isPositive();
        assertThat(store.get(b.id())).isEqualTo(b.content());
    }

    @Test
    void theListingAndStatsAgreeWithWhatPutReturned() throws IOException {
        Map<BlockId, Long> sizes = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            Block b = text("doc " + i + " ", 100 + i * 37);
            sizes.put(b.id(), store.put(b));
        }
        store.flush();
        Map<BlockId, Long> listed;
        try (Stream<BlockInfo> all = store.list()) {
            listed = all.collect(Collectors.toMap(BlockInfo::id, BlockInfo::storedBytes));
        }
        assertThat(listed).isEqualTo(sizes);
        assertThat(store.stats()).isEqualTo(new StoreStats(12, sizes.values().stream().mapToLong(x -> x).sum()));
    }

    @Test
    void flushedBlocksSurviveAReopen() throws IOException {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            blocks.add(Block.of(bytes(20_000 + i, 100 + i)));
            store.put(blocks.get(i));
        }
        store.flush();
        store = reopen(store, BlockCodec.plain());
        for (Block b : blocks) {
            assertThat(store.get(b.id())).isEqualTo(b.content());
        }
        assertThat(store.stats().blocks()).isEqualTo(8);
    }

    @Test
    void encryptedBlocksRoundTripAndOtherKeysGetWrongKeyException() throws IOException {
        SecureRandom random = new SecureRandom(new byte[] {7});
        store = reopen(store, BlockCodec.encrypted(KEY_A, random));
        Block b = text("secret customer record ", 400);
        store.put(b);
        store.flush();
        assertThat(new String(store.getSealed(b.id()), StandardCharsets.ISO_8859_1)).doesNotContain("customer");
        assertThat(store.get(b.id())).isEqualTo(b.content());

        store = reopen(store, BlockCodec.encrypted(KEY_B, random));
        assertThatThrownBy(() -> store.get(b.id(), "snap-1")).isInstanceOfSatisfying(WrongKeyException.class, e -> {
            assertThat(e.blockId()).isEqualTo(b.id());
            assertThat(e.keyId()).isEqualTo("group-a-2026");
            assertThat(e).hasMessageContaining(b.id().hex()).hasMessageContaining("group-a-2026")
                    .hasMessageContaining("snap-1");
        });
        store = reopen(store, BlockCodec.plain());
        assertThatThrownBy(() -> store.get(b.id())).isInstanceOf(WrongKeyException.class);
        store = reopen(store, BlockCodec.encrypted(KEY_B, random, KEY_A));
        assertThat(store.get(b.id())).isEqualTo(b.content());
    }

    @Test
    void aBlockDamagedInTheBackendIsReportedAsCorruptByItsId() throws IOException {
        Block b = text("will be damaged ", 700);
        Block other = text("stays intact ", 700);
        store.put(b);
        store.put(other);
        store.flush();
        damageStored(store, b.id());
        assertThatThrownBy(() -> store.get(b.id(), "snap-7")).isInstanceOfSatisfying(CorruptBlockException.class,
                e -> assertThat(e).hasMessageContaining(b.id().hex()).hasMessageContaining("snap-7"));
        assertThat(store.get(other.id())).isEqualTo(other.content());
    }

    @Test
    void aCorruptReadIsDetectedAndTheNextReadIsClean() throws IOException {
        FaultyBlockStore faulty = new FaultyBlockStore(store);
        Block b = text("read me twice ", 900);
        faulty.put(b);
        faulty.corruptNextRead();
        assertThatThrownBy(() -> faulty.get(b.id())).isInstanceOfSatisfying(CorruptBlockException.class,
                e -> assertThat(e.blockId()).isEqualTo(b.id()));
        assertThat(faulty.get(b.id())).isEqualTo(b.content());
    }

    @Test
    void aCorruptReadOfAnEncryptedBlockIsCorruptNotWrongKey() throws IOException {
        store = reopen(store, BlockCodec.encrypted(KEY_A, new SecureRandom(new byte[] {9})));
        FaultyBlockStore faulty = new FaultyBlockStore(store);
        Block b = text("sealed and then flipped ", 900);
        faulty.put(b);
        faulty.corruptNextRead();
        assertThatThrownBy(() -> faulty.get(b.id())).isInstanceOf(CorruptBlockException.class)
                .hasMessageContaining("authentication failed");
    }

    @Test
    void aFailedWriteLeavesNoVisibleBlockAndTheOthersIntact() throws IOException {
        FaultyBlockStore faulty = new FaultyBlockStore(store).failWrite(3);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            blocks.add(text("block " + i + " ", 400));
        }
        for (int i = 0; i < 5; i++) {
            Block b = blocks.get(i);
            if (i == 2) {
                assertThatThrownBy(() -> faulty.put(b)).isInstanceOfSatisfying(BlockStoreException.class,
                        e -> assertThat(e.retryable()).isTrue());
            } else {
                faulty.put(b);
            }
        }
        faulty.flush();
        assertThat(store.exists(blocks.get(2).id())).isFalse();
        assertThatThrownBy(() -> store.get(blocks.get(2).id())).isInstanceOf(MissingBlockException.class);
        assertThat(store.stats().blocks()).isEqualTo(4);
        for (int i : new int[] {0, 1, 3, 4}) {
            assertThat(store.get(blocks.get(i).id())).isEqualTo(blocks.get(i).content());
        }
        assertThat(faulty.put(blocks.get(2))).as("a retry stores it").isPositive();
    }

    @Test
    void garbagePutAtTheSealedLevelIsCaughtOnRead() throws IOException {
        BlockId id = Block.of("what the id promises".getBytes(StandardCharsets.UTF_8)).id();
        store.putSealed(id, "not an envelope at all".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.get(id)).isInstanceOf(CorruptBlockException.class).hasMessageContaining("magic");
        Block real = text("real content ", 50);
        store.put(real);
        BlockId other = Block.of("other content".getBytes(StandardCharsets.UTF_8)).id();
        store.putSealed(other, store.getSealed(real.id()));
        assertThatThrownBy(() -> store.get(other)).isInstanceOf(CorruptBlockException.class)
                .hasMessageContaining("SHA-256");
    }

    @Test
    void missingNamesExactlyTheBlocksNotStoredInTheOrderAsked() throws IOException {
        List<BlockId> asked = new ArrayList<>();
        List<BlockId> absent = new ArrayList<>();
        for (int i = 0; i < 1500; i++) { // more than one lookup batch of any backend
            Block b = text("lookup " + i + " ", 20);
            if (i % 500 == 7) {
                store.put(b);
            } else {
                absent.add(b.id());
            }
            asked.add(b.id());
        }
        Block deleted = text("deleted ", 20);
        store.put(deleted);
        store.delete(deleted.id());
        asked.add(deleted.id());
        absent.add(deleted.id());
        store.flush();
        assertThat(store.missing(asked)).containsExactlyElementsOf(absent);
        assertThat(store.missing(List.of())).isEmpty();
        assertThat(store.missing(List.of(asked.get(7)))).isEmpty();
    }

    @Test
    void concurrentWritersStoreEachBlockOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicLong written = new AtomicLong();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 12; i++) {
                        written.addAndGet(store.put(text("shared " + i + " ", 200)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        store.flush();
        assertThat(store.stats()).isEqualTo(new StoreStats(12, written.get()));
        assertThat(store.get(text("shared 7 ", 200).id())).isEqualTo(text("shared 7 ", 200).content());
    }
}
