package io.openmms.blockstore;

/**
 * Chunk size bounds for {@link Chunker}: no chunk is shorter than {@code min} (except the last of
 * a stream) or longer than {@code max}; {@code avg} is the normalization point, a power of two.
 * {@link #DEFAULT} is the measured choice recorded in docs/blockstore-format.md.
 */
public record ChunkerParams(int min, int avg, int max) {
    /** Format v1 default: 256 KiB / 1 MiB / 4 MiB (see the measurements in the format doc). */
    public static final ChunkerParams DEFAULT = new ChunkerParams(256 << 10, 1 << 20, 4 << 20);

    public ChunkerParams {
        if (Integer.bitCount(avg) != 1 || avg < 256) {
            throw new IllegalArgumentException("chunker avg: must be a power of two >= 256, was " + avg);
        }
        if (min < 64 || min >= avg) {
            throw new IllegalArgumentException("chunker min: must be >= 64 and < avg " + avg + ", was " + min);
        }
        if (max <= avg || max > BlockCodec.MAX_BLOCK_BYTES) {
            throw new IllegalArgumentException("chunker max: must be > avg " + avg + " and <= "
                    + BlockCodec.MAX_BLOCK_BYTES + ", was " + max);
        }
    }

    /** log2(avg): the number of hash bits a cut tests at the average. */
    int bits() {
        return Integer.numberOfTrailingZeros(avg);
    }
}
