package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins chunk boundaries for seeded input (STYLE "Inject time and randomness"): if this fails, the
 * chunker changed, every block id after the first changed boundary changes with it, and the new
 * snapshots stop sharing blocks with the old ones. That needs a new format version in
 * docs/blockstore-format.md, not new numbers here.
 */
class ChunkerGoldenTest {
    @Test
    void theGearTableIsTheSeededSplitMix64() {
        assertThat(Chunker.GEAR[0]).isEqualTo(GEAR_0);
        assertThat(Chunker.GEAR[255]).isEqualTo(GEAR_255);
    }

    @Test
    void defaultParametersCutSeededRandomBytesHere() throws IOException {
        List<Chunk> chunks = ChunkerTest.pull(new Chunker(ChunkerParams.DEFAULT),
                new ByteArrayInputStream(ChunkerTest.seeded(24 << 20, 20261102)));
        assertThat(ChunkerTest.offsets(chunks)).isEqualTo(DEFAULT_OFFSETS);
    }

    @Test
    void smallParametersCutSeededRandomBytesHere() throws IOException {
        List<Chunk> chunks = ChunkerTest.pull(new Chunker(ChunkerTest.SMALL),
                new ByteArrayInputStream(ChunkerTest.seeded(1 << 20, 7)));
        assertThat(chunks).hasSize(SMALL_COUNT);
        assertThat(ChunkerTest.offsets(chunks).subList(0, 8)).isEqualTo(SMALL_FIRST);
        assertThat(digest(chunks)).isEqualTo(SMALL_DIGEST);
    }

    @Test
    void defaultParametersCutASeededBsonStreamHere() throws IOException {
        byte[] bson = BsonStreams.encode(BsonStreams.customers(20_000, 11));
        List<Chunk> chunks = ChunkerTest.pull(new Chunker(ChunkerParams.DEFAULT), new ByteArrayInputStream(bson));
        assertThat(ChunkerTest.offsets(chunks)).isEqualTo(BSON_OFFSETS);
    }

    static String digest(List<Chunk> chunks) {
        String all = chunks.stream().map(c -> c.offset() + ":" + c.length()).collect(Collectors.joining(","));
        return BlockId.of(all.getBytes(StandardCharsets.US_ASCII)).hex();
    }

    /** Prints the values pinned below, for a deliberate format change. */
    public static void main(String[] args) throws IOException {
        System.out.println("GEAR_0 " + Chunker.GEAR[0] + "L GEAR_255 " + Chunker.GEAR[255] + "L");
        System.out.println("DEFAULT " + ChunkerTest.offsets(ChunkerTest.pull(new Chunker(ChunkerParams.DEFAULT),
                new ByteArrayInputStream(ChunkerTest.seeded(24 << 20, 20261102)))));
        List<Chunk> small = ChunkerTest.pull(new Chunker(ChunkerTest.SMALL),
                new ByteArrayInputStream(ChunkerTest.seeded(1 << 20, 7)));
        System.out.println("SMALL " + small.size() + " " + ChunkerTest.offsets(small).subList(0, 8) + " " + digest(small));
        byte[] bson = BsonStreams.encode(BsonStreams.customers(20_000, 11));
        System.out.println("BSON " + bson.length + " " + ChunkerTest.offsets(ChunkerTest.pull(new Chunker(ChunkerParams.DEFAULT),
                new ByteArrayInputStream(bson))));
    }

    private static final long GEAR_0 = 2816127214695300837L;
    private static final long GEAR_255 = -7798106271963132917L;
    private static final List<Long> DEFAULT_OFFSETS = List.of(0L, 1141199L, 2561163L, 3669738L, 5086460L, 6266356L,
            7123176L, 8232292L, 9419846L, 10275843L, 11359501L, 12451402L, 14637573L, 16005535L, 17061668L, 18531033L,
            19694047L, 20970786L, 22222679L, 23321145L, 24453182L);
    private static final int SMALL_COUNT = 115;
    private static final List<Long> SMALL_FIRST = List.of(0L, 4541L, 8867L, 24809L, 31749L, 34209L, 44245L, 52854L);
    private static final String SMALL_DIGEST = "34eae4a3a684b84de3425c81418df267f971ec799a902e6fd98901da28b26968";
    private static final List<Long> BSON_OFFSETS = List.of(0L, 316510L, 1420370L, 2674833L, 3862189L, 5019089L,
            6232647L, 7299912L, 8577309L, 10059369L, 11614994L);
}
