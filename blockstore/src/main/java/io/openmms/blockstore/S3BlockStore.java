package io.openmms.blockstore;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blocks in an S3-compatible object store, one object per block at
 * {@code <prefix>blocks/<hex id>} (docs/blockstore-format.md, "S3 backend", which gives the
 * measurement behind choosing objects over packs). A put is a conditional PUT
 * ({@code If-None-Match: *}) after a HEAD; an object is durable when the PUT returns, so
 * {@link #flush()} has nothing to do. Thread-safe (the SDK client is).
 */
public final class S3BlockStore implements BlockStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3BlockStore.class);

    /** How to reach a bucket: an endpoint (MinIO, Ceph, S3Proxy, AWS), path-style, static keys. */
    public record Config(URI endpoint, String region, String bucket, String prefix, String accessKey,
            String secretKey) {
        public Config {
            Objects.requireNonNull(endpoint, "s3 endpoint");
            Objects.requireNonNull(bucket, "s3 bucket");
            region = region == null || region.isBlank() ? "us-east-1" : region;
            prefix = prefix == null ? "" : prefix;
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
        }

        @Override
        public String toString() {
            return "S3 Config[" + endpoint + ", bucket " + bucket + ", prefix '" + prefix + "', access key "
                    + accessKey + "]";
        }
    }

    /** HEAD requests {@link #missing} keeps in flight (the SDK's HTTP pool holds 50). */
    private static final int LOOKUPS_IN_FLIGHT = 16;
    private final S3Client s3;
    private final boolean ownsClient;
    private final String bucket;
    private final String keyPrefix;
    private final BlockCodec codec;

    /** Uses {@code s3}, which the caller keeps and closes. */
    public S3BlockStore(S3Client s3, String bucket, String prefix, BlockCodec codec) {
        this(s3, false, bucket, prefix, codec);
    }

    private S3BlockStore(S3Client s3, boolean ownsClient, String bucket, String prefix, BlockCodec codec) {
        this.s3 = s3;
        this.ownsClient = ownsClient;
        this.bucket = bucket;
        this.keyPrefix = (prefix == null ? "" : prefix) + "blocks/";
        this.codec = codec;
    }

    public static S3BlockStore open(Config config, BlockCodec codec) {
        S3Client client = S3Client.builder()
                .endpointOverride(config.endpoint())
                .region(Region.of(config.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(config.accessKey(), config.secretKey())))
                .forcePathStyle(true)
                // S3-compatible servers differ in their support for the newer default checksums
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        return new S3BlockStore(client, true, config.bucket(), config.prefix(), codec);
    }

    /** The SDK client, for tests and for creating the bucket. */
    public S3Client client() {
        return s3;
    }

    private String key(BlockId id) {
        return keyPrefix + id.hex();
    }

    @Override
    public String location() {
        return "s3://" + bucket + "/" + keyPrefix;
    }

    @Override
    public BlockCodec codec() {
        return codec;
    }

    @Override
    public long putSealed(BlockId id, byte[] sealed) throws IOException {
        if (exists(id)) {
            return 0;
        }
        try {
            s3.putObject(r -> r.bucket(bucket).key(key(id)).ifNoneMatch("*").contentLength((long) sealed.length),
                    RequestBody.fromBytes(sealed));
            return sealed.length;
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return 0;
            }
            throw Failures.wrap("putting block " + id + " to " + location(), e);
        } catch (SdkException e) {
            throw Failures.wrap("putting block " + id + " to " + location(), e);
        }
    }

    @Override
    public byte[] getSealed(BlockId id) throws IOException {
        try {
            return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key(id))).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new MissingBlockException(id, location());
        } catch (SdkException e) {
            throw Failures.wrap("getting block " + id + " from " + location(), e);
        }
    }

    /**
     * S3 has no lookup of many keys: {@value #LOOKUPS_IN_FLIGHT} HEAD requests at a time, on
     * threads of this call.
     */
    @Override
    public List<BlockId> missing(List<BlockId> ids) throws IOException {
        if (ids.size() <= 1) {
            return BlockStore.super.missing(ids);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(LOOKUPS_IN_FLIGHT, ids.size()),
                r -> {
                    Thread t = new Thread(r, "openmms-s3-lookup");
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<Future<Boolean>> found = new ArrayList<>(ids.size());
            for (BlockId id : ids) {
                found.add(pool.submit(() -> exists(id)));
            }
            List<BlockId> out = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if (!found.get(i).get()) {
                    out.add(ids.get(i));
                }
            }
            return out;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : Failures.wrap("looking up blocks in " + location(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted looking up blocks in " + location());
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public boolean exists(BlockId id) throws IOException {
        try {
            s3.headObject(r -> r.bucket(bucket).key(key(id)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw Failures.wrap("looking up block " + id + " in " + location(), e);
        } catch (SdkException e) {
            throw Failures.wrap("looking up block " + id + " in " + location(), e);
        }
    }

    @Override
    public boolean delete(BlockId id) throws IOException {
        if (!exists(id)) {
            return false;
        }
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key(id)));
            return true;
        } catch (SdkException e) {
            throw Failures.wrap("deleting block " + id + " from " + location(), e);
        }
    }

    @Override
    public Stream<BlockInfo> list() throws IOException {
        try {
            return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(keyPrefix)).contents().stream()
                    .map(this::info).filter(Objects::nonNull);
        } catch (SdkException e) {
            throw Failures.wrap("listing " + location(), e);
        }
    }

    private BlockInfo info(S3Object o) {
        String name = o.key().substring(keyPrefix.length());
        try {
            return new BlockInfo(BlockId.parse(name, location() + " key"), o.size());
        } catch (IllegalArgumentException e) {
            LOG.warn("blockstore {}: ignoring object {}, whose name is not a block id", location(), o.key());
            return null;
        }
    }

    @Override
    public StoreStats stats() throws IOException {
        long[] sum = new long[2];
        try (Stream<BlockInfo> all = list()) {
            all.forEach(b -> {
                sum[0]++;
                sum[1] += b.storedBytes();
            });
        } catch (SdkException e) {
            throw Failures.wrap("listing " + location(), e);
        }
        return new StoreStats(sum[0], sum[1]);
    }

    @Override
    public void flush() {
        // each PUT was durable when it returned
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
        }
    }
}
