package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** The contract against S3Proxy (transient blob store) started in-process on a free port. */
class S3BlockStoreTest extends BlockStoreContract {
    private static final String ACCESS = "openmms-test";
    private static final String SECRET = "openmms-test-secret";
    private static S3Proxy proxy;
    private static S3BlockStore.Config base;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private S3BlockStore.Config config;

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = S3Proxy.builder()
                .blobStore(BlobStores.create("transient", new Properties()))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
                .build();
        proxy.start();
        for (int i = 0; i < 100 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(20);
        }
        base = new S3BlockStore.Config(URI.create("http://127.0.0.1:" + proxy.getPort()), "us-east-1", "blocks",
                "", ACCESS, SECRET);
        try (S3BlockStore s = S3BlockStore.open(base, BlockCodec.plain())) {
            s.client().createBucket(r -> r.bucket("blocks"));
        }
    }

    @AfterAll
    static void stopProxy() throws Exception {
        proxy.stop();
    }

    @Override
    protected BlockStore open(BlockCodec codec) {
        config = new S3BlockStore.Config(base.endpoint(), base.region(), base.bucket(),
                "backup-" + PREFIXES.incrementAndGet(), ACCESS, SECRET);
        return S3BlockStore.open(config, codec);
    }

    @Override
    protected BlockStore reopen(BlockStore old, BlockCodec codec) throws IOException {
        old.close();
        return S3BlockStore.open(config, codec);
    }

    @Override
    protected void damageStored(BlockStore store, BlockId id) throws IOException {
        byte[] sealed = store.getSealed(id);
        sealed[sealed.length / 2] ^= 0x10;
        ((S3BlockStore) store).client().putObject(r -> r.bucket("blocks").key(config.prefix() + "blocks/" + id.hex()),
                RequestBody.fromBytes(sealed));
    }

    @Test
    void eachBlockIsOneObjectUnderThePrefix() throws IOException {
        Block b = text("one object ", 100);
        long stored = store.put(b);
        var listing = ((S3BlockStore) store).client().listObjectsV2(r -> r.bucket("blocks").prefix(config.prefix()));
        assertThat(listing.contents()).singleElement().satisfies(o -> {
            assertThat(o.key()).isEqualTo(config.prefix() + "blocks/" + b.id().hex());
            assertThat(o.size()).isEqualTo(stored);
        });
    }

    @Test
    void aConditionalPutOfAnExistingBlockIsRefused() throws IOException {
        Block b = text("raced ", 100);
        store.put(b);
        String key = config.prefix() + "blocks/" + b.id().hex();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ((S3BlockStore) store).client().putObject(
                        r -> r.bucket("blocks").key(key).ifNoneMatch("*"), RequestBody.fromBytes(new byte[] {1})))
                .isInstanceOfSatisfying(software.amazon.awssdk.services.s3.model.S3Exception.class,
                        e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(store.get(b.id())).isEqualTo(b.content());
    }
}
