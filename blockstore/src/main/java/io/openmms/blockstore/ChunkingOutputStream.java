package io.openmms.blockstore;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * An output stream that cuts what is written to it into chunks and hands each to a {@link Sink}
 * as soon as its end is known: at most three maximum-size chunks are buffered. {@link #close()}
 * emits the tail. Cuts are exactly those of {@link ChunkReader} for the same bytes.
 * Not thread-safe.
 */
public final class ChunkingOutputStream extends OutputStream {
    /** Receives chunks in stream order. A failure aborts the write that caused the cut. */
    @FunctionalInterface
    public interface Sink {
        void accept(Chunk chunk) throws IOException;
    }

    private final Chunker chunker;
    private final Sink sink;
    private final byte[] buf;
    private int start;
    private int end;
    private long offset;
    private boolean closed;

    ChunkingOutputStream(Chunker chunker, Sink sink) {
        this.chunker = chunker;
        this.sink = sink;
        this.buf = new byte[3 * chunker.params().max()];
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("chunking stream is closed");
        }
        int max = chunker.params().max();
        while (len > 0) {
            if (buf.length - end < max && start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            int n = Math.min(len, buf.length - end);
            System.arraycopy(b, off, buf, end, n);
            end += n;
            off += n;
            len -= n;
            while (end - start >= max) {
                emit();
            }
        }
    }

    /** The number of bytes written so far. */
    public long count() {
        return offset + (end - start);
    }

    private void emit() throws IOException {
        int n = chunker.cut(buf, start, end - start);
        Chunk chunk = new Chunk(offset, Arrays.copyOfRange(buf, start, start + n));
        start += n;
        offset += n;
        sink.accept(chunk);
    }

    /**
     * Ends a segment: emits the bytes written since the last cut as chunks, and starts cutting
     * afresh, so that what follows never shares a chunk with what came before. A stream made of
     * independent parts (a snapshot's collections) cuts between them, so that a change in one
     * part leaves the chunks of the others as they were.
     */
    public void cut() throws IOException {
        if (closed) {
            throw new IOException("chunking stream is closed");
        }
        while (end > start) {
            emit();
        }
    }

    /**
     * Counts {@code length} bytes as written without writing them: the caller stands for them
     * with chunks it already has (an earlier stream's, for a segment that did not change). Only
     * at a segment boundary, right after {@link #cut()}; the chunks that follow start after them.
     */
    public void skip(long length) throws IOException {
        if (closed) {
            throw new IOException("chunking stream is closed");
        }
        if (end > start) {
            throw new IllegalStateException("skip is only allowed right after a cut; "
                    + (end - start) + " bytes are not emitted yet");
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        offset += length;
    }

    /** Emits the remaining bytes as the last chunks. Does not close the sink. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        while (end > start) {
            emit();
        }
    }
}
