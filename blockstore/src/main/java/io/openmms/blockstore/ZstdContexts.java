package io.openmms.blockstore;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * zstd contexts kept for reuse. {@code Zstd.compress(byte[], int)} allocates and clears a new
 * native context (its match tables, several MiB at level 3) for every call; for blocks of about
 * 1 MiB that costs a large share of the compression time. A few idle contexts per level are kept
 * here, one borrowed per call, so any number of threads can seal and open at once. Contexts are
 * never closed: there are at most {@link #IDLE} idle ones per level, and a borrowed one beyond
 * that is closed on return.
 */
final class ZstdContexts {
    /** Idle contexts kept per level and for decompression; more than the cores that use them. */
    static final int IDLE = 8;

    private static final ConcurrentHashMap<Integer, Pool<ZstdCompressCtx>> COMPRESS = new ConcurrentHashMap<>();
    private static final Pool<ZstdDecompressCtx> DECOMPRESS = new Pool<>();

    private ZstdContexts() {}

    /** {@code content} compressed at {@code level}, as {@code Zstd.compress} would. */
    static byte[] compress(byte[] content, int level) {
        Pool<ZstdCompressCtx> pool = COMPRESS.computeIfAbsent(level, l -> new Pool<>());
        ZstdCompressCtx ctx = pool.idle.pollFirst();
        if (ctx == null) {
            ctx = new ZstdCompressCtx().setLevel(level);
        } else {
            pool.size.decrementAndGet();
        }
        byte[] out;
        try {
            out = ctx.compress(content);
        } catch (RuntimeException e) {
            ctx.close(); // a context in an unknown state is not reused
            throw e;
        }
        pool.give(ctx);
        return out;
    }

    /** The {@code length} bytes {@code body} decompresses to; fails on anything else. */
    static byte[] decompress(byte[] body, int length) {
        ZstdDecompressCtx ctx = DECOMPRESS.idle.pollFirst();
        if (ctx == null) {
            ctx = new ZstdDecompressCtx();
        } else {
            DECOMPRESS.size.decrementAndGet();
        }
        byte[] out;
        try {
            out = ctx.decompress(body, length);
        } catch (RuntimeException e) {
            ctx.close(); // a context in an unknown state is not reused
            throw e;
        }
        DECOMPRESS.give(ctx);
        return out;
    }

    private static final class Pool<T extends AutoCloseable> {
        final ConcurrentLinkedDeque<T> idle = new ConcurrentLinkedDeque<>();
        final AtomicInteger size = new AtomicInteger();

        void give(T ctx) {
            if (size.incrementAndGet() <= IDLE) {
                idle.addFirst(ctx);
                return;
            }
            size.decrementAndGet();
            try {
                ctx.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing a zstd context failed", e);
            }
        }
    }
}
