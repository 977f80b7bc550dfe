package io.openmms.blockstore;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.Document;

/**
 * The measurement behind ChunkerParams.DEFAULT and BlockCodec.DEFAULT_LEVEL (recorded in
 * docs/blockstore-format.md). Not a test: timings never go in unit tests. Throughput is per
 * CPU second of the measuring thread (single-threaded), so a busy machine does not skew it. Run:
 * <pre>
 * mvn -q -o -pl blockstore test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp -Dmdep.includeScope=test
 * java -Xmx6g -cp blockstore/target/test-classes:blockstore/target/classes:$(cat /tmp/cp) \
 *     io.openmms.blockstore.ChunkerMeasurement [documents]
 * </pre>
 */
public final class ChunkerMeasurement {
    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
        List<Document> docs = BsonStreams.customers(n, 42);
        byte[] s1 = BsonStreams.encode(docs);
        BsonStreams.update(docs, 0.01, 7, i -> i);
        byte[] s2 = BsonStreams.encode(docs);
        List<Document> hot = BsonStreams.customers(n, 42);
        BsonStreams.update(hot, 0.01, 7, i -> n - 1 - i % (n / 10));
        byte[] s3 = BsonStreams.encode(hot);
        System.out.printf("%d documents, %.1f MiB (%.0f bytes/doc); 1%% updated uniformly / in the newest 10%%%n",
                n, s1.length / 1048576.0, (double) s1.length / n);
        System.out.println("min/avg/max      | chunks | mean KiB | full zstd MiB | uniform: reused | new MiB | hot: reused | new MiB | cdc MB/s | cdc+sha+zstd MB/s");
        int[][] configs = {{4, 16, 64}, {8, 32, 128}, {16, 64, 256}, {32, 128, 512}, {64, 256, 1024}, {256, 1024, 4096}, {512, 2048, 8192}};
        if (args.length > 1 && args[1].equals("quick")) {
            configs = new int[][] {{16, 64, 256}, {64, 256, 1024}, {256, 1024, 4096}};
        }
        for (int[] c : configs) {
            row(new ChunkerParams(c[0] << 10, c[1] << 10, c[2] << 10), s1, s2, s3);
        }
        levels(s1);
    }

    private static void row(ChunkerParams p, byte[] s1, byte[] s2, byte[] s3) throws IOException {
        Chunker chunker = new Chunker(p);
        List<Chunk> c1 = chunks(chunker, s1);
        chunks(chunker, s1);
        long t0 = cpu();
        for (int i = 0; i < 3; i++) {
            chunks(chunker, s1);
        }
        double chunkSeconds = (cpu() - t0) / 1e9 / 3;
        Set<BlockId> ids = new HashSet<>();
        long full = 0;
        t0 = cpu();
        for (Chunk c : c1) {
            ids.add(BlockId.of(c.data()));
            full += Zstd.compress(c.data(), BlockCodec.DEFAULT_LEVEL).length + 12;
        }
        double pipeSeconds = chunkSeconds + (cpu() - t0) / 1e9;
        long[] uniform = reuse(chunker, s2, ids);
        long[] hot = reuse(chunker, s3, ids);
        System.out.printf("%4d/%4d/%4d KiB | %6d | %6.0f | %9.1f | %7.1f%% | %8.1f | %7.1f%% | %8.1f | %6.0f | %6.0f%n",
                p.min() >> 10, p.avg() >> 10, p.max() >> 10, c1.size(), s1.length / 1024.0 / c1.size(),
                full / 1048576.0, 100.0 * uniform[0] / s2.length, uniform[1] / 1048576.0,
                100.0 * hot[0] / s3.length, hot[1] / 1048576.0, s1.length / 1e6 / chunkSeconds, s1.length / 1e6 / pipeSeconds);
    }

    /** This thread's CPU time: the machine is shared, wall time would measure the neighbours. */
    private static long cpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** Bytes of {@code s} in chunks already in {@code ids}, and the compressed size of the rest. */
    private static long[] reuse(Chunker chunker, byte[] s, Set<BlockId> ids) throws IOException {
        long reused = 0;
        long newCompressed = 0;
        for (Chunk c : chunks(chunker, s)) {
            if (ids.contains(BlockId.of(c.data()))) {
                reused += c.length();
            } else {
                newCompressed += Zstd.compress(c.data(), BlockCodec.DEFAULT_LEVEL).length + 12;
            }
        }
        return new long[] {reused, newCompressed};
    }

    private static List<Chunk> chunks(Chunker chunker, byte[] s) throws IOException {
        List<Chunk> out = new ArrayList<>();
        ChunkReader r = chunker.reader(new ByteArrayInputStream(s));
        for (Chunk c = r.next(); c != null; c = r.next()) {
            out.add(c);
        }
        return out;
    }

    private static void levels(byte[] s) throws IOException {
        List<Chunk> chunks = chunks(new Chunker(ChunkerParams.DEFAULT), s);
        chunks = chunks.subList(0, Math.min(chunks.size(), 96));
        long raw = chunks.stream().mapToLong(Chunk::length).sum();
        System.out.println("zstd level | ratio | compress MB/s | decompress MB/s   (1 MiB chunks, " + raw / 1048576 + " MiB)");
        for (int level : new int[] {1, 2, 3, 4, 6, 9, 12, 15, 19}) {
            long t0 = cpu();
            List<byte[]> out = new ArrayList<>();
            for (Chunk c : chunks) {
                out.add(Zstd.compress(c.data(), level));
            }
            double cs = (cpu() - t0) / 1e9;
            t0 = cpu();
            for (int i = 0; i < out.size(); i++) {
                Zstd.decompress(out.get(i), chunks.get(i).length());
            }
            double ds = (cpu() - t0) / 1e9;
            long packed = out.stream().mapToLong(b -> b.length).sum();
            System.out.printf("%10d | %5.2f | %13.0f | %15.0f%n", level, (double) raw / packed, raw / 1e6 / cs, raw / 1e6 / ds);
        }
    }
}
