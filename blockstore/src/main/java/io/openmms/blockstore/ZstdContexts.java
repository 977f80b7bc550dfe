package io.openmms.blockstore;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * zstd contexts kept for reuse. {@code Zstd.compress(byte[], int)} allocates and clears a new
 * native context (its match tables, several MiB at level 3) for every call; for blocks of about
 * 1 MiB that costs a large share of the compression time. Each call borrows an idle context (or
 * makes one), so any number of threads can seal and open at once, and gives it back after: at most
 * {@link #IDLE} idle contexts are kept per level and for decompression, and one given back beyond
 * that, or one a call failed in, is closed.
 */
final class ZstdContexts {
    /**
     * Idle contexts kept per level and for decompression: as many as the threads that use them
     * at once by default (the daemon's snapshots run two at a time, each with a worker per core).
     */
    static final int IDLE = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

    private static final ConcurrentHashMap<Integer, Pool<ZstdCompressCtx>> COMPRESS = new ConcurrentHashMap<>();
    private static final Pool<ZstdDecompressCtx> DECOMPRESS = new Pool<>(ZstdDecompressCtx::new);

    private ZstdContexts() {}

    /** {@code content} compressed at {@code level}, as {@code Zstd.compress} would. */
    static byte[] compress(byte[] content, int level) {
        return COMPRESS.computeIfAbsent(level, l -> new Pool<>(() -> new ZstdCompressCtx().setLevel(l)))
                .use(ctx -> ctx.compress(content));
    }

    /** The {@code length} bytes {@code body} decompresses to; fails on anything else. */
    static byte[] decompress(byte[] body, int length) {
        return DECOMPRESS.use(ctx -> ctx.decompress(body, length));
    }

    private static final class Pool<T extends AutoCloseable> {
        private final Supplier<T> create;
        private final ConcurrentLinkedDeque<T> idle = new ConcurrentLinkedDeque<>();
        private final AtomicInteger size = new AtomicInteger();

        Pool(Supplier<T> create) {
            this.create = create;
        }

        /** Runs {@code work} on a borrowed context. */
        byte[] use(Function<T, byte[]> work) {
            T ctx = idle.pollFirst();
            if (ctx == null) {
                ctx = create.get();
            } else {
                size.decrementAndGet();
            }
            byte[] out;
            try {
                out = work.apply(ctx);
            } catch (RuntimeException e) {
                try {
                    ctx.close(); // a context in an unknown state is not reused
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            if (size.incrementAndGet() <= IDLE) {
                idle.addFirst(ctx);
            } else {
                size.decrementAndGet();
                try {
                    ctx.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing a zstd context failed", e);
                }
            }
            return out;
        }
    }
}
