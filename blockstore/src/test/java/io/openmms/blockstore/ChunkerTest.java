package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    static final ChunkerParams SMALL = new ChunkerParams(2 << 10, 8 << 10, 32 << 10);

    static byte[] seeded(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static List<Chunk> pull(Chunker c, InputStream in) throws IOException {
        List<Chunk> out = new ArrayList<>();
        ChunkReader r = c.reader(in);
        for (Chunk ch = r.next(); ch != null; ch = r.next()) {
            out.add(ch);
        }
        return out;
    }

    static List<Long> offsets(List<Chunk> chunks) {
        return chunks.stream().map(Chunk::offset).toList();
    }

    @Test
    void chunksRespectTheBoundsAndReassembleTheStream() throws IOException {
        byte[] data = seeded(3_000_000, 1);
        List<Chunk> chunks = pull(new Chunker(SMALL), new ByteArrayInputStream(data));
        long at = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertThat(c.offset()).isEqualTo(at);
            assertThat(c.data()).isEqualTo(java.util.Arrays.copyOfRange(data, (int) at, (int) at + c.length()));
            assertThat(c.length()).isLessThanOrEqualTo(SMALL.max());
            if (i < chunks.size() - 1) {
                assertThat(c.length()).isGreaterThan(SMALL.min());
            }
            at += c.length();
        }
        assertThat(at).isEqualTo(data.length);
        double mean = (double) data.length / chunks.size();
        assertThat(mean).isBetween(SMALL.avg() * 0.8, SMALL.avg() * 1.6);
    }

    @Test
    void pushAndPullCutTheSameBoundariesWhateverTheWriteAndReadSizes() throws IOException {
        byte[] data = seeded(1_000_000, 2);
        Chunker chunker = new Chunker(SMALL);
        List<Chunk> pulled = pull(chunker, new TrickleInputStream(data, new Random(3)));
        List<Chunk> pushed = new ArrayList<>();
        Random r = new Random(4);
        try (ChunkingOutputStream out = chunker.outputStream(pushed::add)) {
            for (int at = 0; at < data.length; ) {
                int n = Math.min(data.length - at, r.nextInt(70_000));
                out.write(data, at, n);
                at += n;
            }
        }
        assertThat(offsets(pushed)).isEqualTo(offsets(pulled)).hasSizeGreaterThan(50);
    }

    @Test
    void aCutMakesEachSegmentChunkAsIfAlone() throws IOException {
        byte[] a = seeded(300_000, 5);
        byte[] b = seeded(200_000, 6);
        Chunker chunker = new Chunker(SMALL);
        List<Chunk> segmented = new ArrayList<>();
        try (ChunkingOutputStream out = chunker.outputStream(segmented::add)) {
            out.write(a, 0, a.length);
            out.cut();
            out.write(b, 0, b.length);
            assertThat(out.count()).isEqualTo(a.length + b.length);
        }
        List<Chunk> alone = new ArrayList<>(pull(chunker, new ByteArrayInputStream(a)));
        for (Chunk c : pull(chunker, new ByteArrayInputStream(b))) {
            alone.add(new Chunk(c.offset() + a.length, c.data()));
        }
        assertThat(offsets(segmented)).isEqualTo(offsets(alone));
        assertThat(segmented).extracting(Chunk::offset).contains((long) a.length);
    }

    @Test
    void aSkippedSegmentMovesTheOffsetsOfWhatFollowsAndIsRefusedMidSegment() throws IOException {
        byte[] a = seeded(100_000, 7);
        byte[] b = seeded(200_000, 8);
        Chunker chunker = new Chunker(SMALL);
        List<Chunk> chunks = new ArrayList<>();
        try (ChunkingOutputStream out = chunker.outputStream(chunks::add)) {
            out.write(a, 0, a.length);
            assertThatThrownBy(() -> out.skip(1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("right after a cut");
            out.cut();
            int beforeSkip = chunks.size();
            out.skip(50_000);
            assertThat(chunks).as("nothing is emitted for skipped bytes").hasSize(beforeSkip);
            out.write(b, 0, b.length);
            assertThat(out.count()).isEqualTo(a.length + 50_000 + b.length);
        }
        List<Chunk> expected = new ArrayList<>(pull(chunker, new ByteArrayInputStream(a)));
        for (Chunk c : pull(chunker, new ByteArrayInputStream(b))) {
            expected.add(new Chunk(c.offset() + a.length + 50_000, c.data()));
        }
        assertThat(offsets(chunks)).isEqualTo(offsets(expected));
    }

    @Test
    void anInsertedByteChangesOnlyTheChunksAroundIt() throws IOException {
        byte[] data = seeded(2_000_000, 5);
        byte[] edited = new byte[data.length + 1];
        System.arraycopy(data, 0, edited, 0, 1_000_000);
        edited[1_000_000] = 42;
        System.arraycopy(data, 1_000_000, edited, 1_000_001, 1_000_000);
        Chunker chunker = new Chunker(SMALL);
        Set<BlockId> before = new HashSet<>();
        pull(chunker, new ByteArrayInputStream(data)).forEach(c -> before.add(BlockId.of(c.data())));
        List<Chunk> after = pull(chunker, new ByteArrayInputStream(edited));
        long changed = after.stream().filter(c -> !before.contains(BlockId.of(c.data()))).count();
        assertThat(changed).isBetween(1L, 3L);
    }

    @Test
    void shortAndEmptyStreams() throws IOException {
        Chunker chunker = new Chunker(SMALL);
        assertThat(pull(chunker, new ByteArrayInputStream(new byte[0]))).isEmpty();
        assertThat(pull(chunker, new ByteArrayInputStream(new byte[100]))).singleElement()
                .satisfies(c -> assertThat(c.length()).isEqualTo(100));
    }

    @Test
    void badParametersNameTheField() {
        assertThatThrownBy(() -> new ChunkerParams(1024, 3000, 8192)).hasMessageContaining("avg");
        assertThatThrownBy(() -> new ChunkerParams(8192, 4096, 16384)).hasMessageContaining("min");
        assertThatThrownBy(() -> new ChunkerParams(1024, 4096, 16 << 20)).hasMessageContaining("max");
    }

    /** Returns at most a random handful of bytes per read, as a socket would. */
    static final class TrickleInputStream extends InputStream {
        private final byte[] data;
        private final Random random;
        private int at;

        TrickleInputStream(byte[] data, Random random) {
            this.data = data;
            this.random = random;
        }

        @Override
        public int read() {
            return at < data.length ? data[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (at >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, data.length - at), 1 + random.nextInt(50_000));
            System.arraycopy(data, at, b, off, n);
            at += n;
            return n;
        }
    }
}
