package io.openmms.blockstore;

import java.io.IOException;
import java.io.InputStream;

/**
 * Pulls chunks from an input stream with a buffer of three times the maximum chunk size, however
 * long the stream. Cuts are exactly those of {@link ChunkingOutputStream} for the same bytes.
 * Not thread-safe. Closing it does not close the input stream.
 */
public final class ChunkReader {
    private final Chunker chunker;
    private final InputStream in;
    private final byte[] buf;
    private int start;
    private int end;
    private long offset;
    private boolean eof;

    ChunkReader(Chunker chunker, InputStream in) {
        this.chunker = chunker;
        this.in = in;
        this.buf = new byte[3 * chunker.params().max()];
    }

    /** The next chunk, or null at the end of the stream. */
    public Chunk next() throws IOException {
        int max = chunker.params().max();
        if (end - start < max && !eof) {
            fill(max);
        }
        if (start == end) {
            return null;
        }
        int n = chunker.cut(buf, start, end - start);
        Chunk chunk = new Chunk(offset, java.util.Arrays.copyOfRange(buf, start, start + n));
        start += n;
        offset += n;
        return chunk;
    }

    private void fill(int max) throws IOException {
        if (buf.length - start < max) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        while (end - start < max) {
            int r = in.read(buf, end, buf.length - end);
            if (r < 0) {
                eof = true;
                return;
            }
            end += r;
        }
    }
}
