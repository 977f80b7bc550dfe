package io.openmms.blockstore;

import java.io.InputStream;

/**
 * Content-defined chunking in the FastCDC family (Xia et al., "FastCDC", USENIX ATC 2016, and
 * "The Design of Fast and Lightweight Resemblance Detection...", TPDS 2020): a Gear rolling hash
 * {@code fp = (fp << 1) + GEAR[byte]} cuts where the masked hash is zero. Three tricks from the
 * paper: (1) no hashing before {@code min} (cut-point skipping), (2) normalized chunking, level
 * 2: before {@code avg} the mask has log2(avg)+2 bits (cuts are rarer), after it log2(avg)-2
 * bits (cuts are likelier), which narrows the size distribution; (3) a hard cut at {@code max}.
 *
 * <p>The masks test the <em>top</em> bits of {@code fp}: bit k of a Gear hash depends on the last
 * k+1 bytes only, so the top bits see a window of about 40-64 bytes while low bits would see a
 * handful. The 256-entry table comes from SplitMix64 seeded with {@link #GEAR_SEED}. Every one
 * of these choices is part of the format (docs/blockstore-format.md, "Chunker"): changing one
 * changes every block id after it, and {@code ChunkerGoldenTest} fails.
 *
 * <p>Immutable and thread-safe; the readers and streams it makes are not.
 */
public final class Chunker {
    /** "openmms!" in ASCII. */
    static final long GEAR_SEED = 0x6f70656e6d6d7321L;
    static final long[] GEAR = gearTable(GEAR_SEED);

    private final ChunkerParams params;
    private final long maskSmall;
    private final long maskLarge;

    public Chunker(ChunkerParams params) {
        this.params = params;
        this.maskSmall = topBits(params.bits() + 2);
        this.maskLarge = topBits(params.bits() - 2);
    }

    public ChunkerParams params() {
        return params;
    }

    /** Pull: chunks of {@code in}, read as they are needed. */
    public ChunkReader reader(InputStream in) {
        return new ChunkReader(this, in);
    }

    /** Push: an output stream that hands each chunk to {@code sink} as soon as it is cut. */
    public ChunkingOutputStream outputStream(ChunkingOutputStream.Sink sink) {
        return new ChunkingOutputStream(this, sink);
    }

    /**
     * The length of the chunk that starts at {@code buf[off]}, given {@code len} available bytes.
     * The caller passes at least {@code max} bytes unless the stream ends within them.
     */
    int cut(byte[] buf, int off, int len) {
        if (len <= params.min()) {
            return len;
        }
        int n = Math.min(len, params.max());
        int normal = Math.min(params.avg(), n);
        long fp = 0;
        int i = params.min();
        for (; i < normal; i++) {
            fp = (fp << 1) + GEAR[buf[off + i] & 0xff];
            if ((fp & maskSmall) == 0) {
                return i + 1;
            }
        }
        for (; i < n; i++) {
            fp = (fp << 1) + GEAR[buf[off + i] & 0xff];
            if ((fp & maskLarge) == 0) {
                return i + 1;
            }
        }
        return n;
    }

    private static long topBits(int n) {
        return -1L << (64 - n);
    }

    static long[] gearTable(long seed) {
        long[] table = new long[256];
        long state = seed;
        for (int i = 0; i < table.length; i++) {
            state += 0x9e3779b97f4a7c15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            table[i] = z ^ (z >>> 31);
        }
        return table;
    }
}
