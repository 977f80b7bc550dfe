package io.openmms.blockstore;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The configured block stores by name (SPEC §2: several stores may be configured; each backup is
 * assigned one). Opening from a {@link StoreConfig} is the one place that maps a configuration to
 * a backend. Thread-safe; {@link #close()} closes every store and rethrows the first failure.
 */
public final class BlockStores implements Closeable {

    /** One configured store. Parsing these from the configuration file comes later. */
    public sealed interface StoreConfig permits FileStore, MongoStore, S3Store {
        String name();
    }

    public record FileStore(String name, Path root, long packBytes) implements StoreConfig {
        public FileStore(String name, Path root) {
            this(name, root, FileBlockStore.DEFAULT_PACK_BYTES);
        }
    }

    public record MongoStore(String name, String connectionString, String database) implements StoreConfig {
    }

    public record S3Store(String name, URI endpoint, String region, String bucket, String prefix, String accessKey,
            String secretKey) implements StoreConfig {
        @Override
        public String toString() {
            return "S3Store[" + name + ", " + endpoint + ", bucket " + bucket + ", prefix '" + prefix + "']";
        }
    }

    private final Map<String, BlockStore> stores = new LinkedHashMap<>();

    /** Opens the store {@code config} describes, sealing with {@code codec}. */
    public static BlockStore open(StoreConfig config, BlockCodec codec) throws IOException {
        return switch (config) {
            case FileStore f -> FileBlockStore.open(f.root(), codec, f.packBytes());
            case MongoStore m -> MongoBlockStore.open(m.connectionString(), m.database(), codec);
            case S3Store s -> S3BlockStore.open(new S3BlockStore.Config(s.endpoint(), s.region(), s.bucket(),
                    s.prefix(), s.accessKey(), s.secretKey()), codec);
        };
    }

    public synchronized void register(String name, BlockStore store) {
        if (stores.containsKey(name)) {
            throw new IllegalArgumentException("block store '" + name + "' is already registered ("
                    + stores.get(name).location() + ")");
        }
        stores.put(name, store);
    }

    /** The store called {@code name}; the message lists the known names when there is none. */
    public synchronized BlockStore get(String name) {
        BlockStore s = stores.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no block store named '" + name + "' (configured: " + stores.keySet() + ")");
        }
        return s;
    }

    public synchronized Set<String> names() {
        return Set.copyOf(stores.keySet());
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (BlockStore s : stores.values()) {
            try {
                s.close();
            } catch (IOException | RuntimeException e) {
                IOException io = e instanceof IOException x ? x : new IOException("closing " + s.location(), e);
                if (first == null) {
                    first = io;
                } else {
                    first.addSuppressed(io);
                }
            }
        }
        stores.clear();
        if (first != null) {
            throw first;
        }
    }
}
