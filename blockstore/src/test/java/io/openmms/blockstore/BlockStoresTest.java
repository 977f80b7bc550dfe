package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockStoresTest {
    @TempDir
    Path dir;

    @Test
    void storesAreFoundByNameAndClosedTogether() throws IOException {
        BlockStores stores = new BlockStores();
        BlockStore a = BlockStores.open(new BlockStores.FileStore("local-a", dir.resolve("a")), BlockCodec.plain());
        BlockStore b = BlockStores.open(new BlockStores.FileStore("local-b", dir.resolve("b")), BlockCodec.plain());
        stores.register("local-a", a);
        stores.register("local-b", b);
        Block block = Block.of("x".getBytes());
        stores.get("local-b").put(block);
        assertThat(a.exists(block.id())).isFalse();
        assertThat(stores.names()).containsExactlyInAnyOrder("local-a", "local-b");
        assertThatThrownBy(() -> stores.get("s3-main")).hasMessageContaining("s3-main").hasMessageContaining("local-a");
        assertThatThrownBy(() -> stores.register("local-a", a)).hasMessageContaining("already");
        stores.close();
        try (BlockStore reopened = FileBlockStore.open(dir.resolve("b"), BlockCodec.plain())) {
            assertThat(reopened.get(block.id())).isEqualTo(block.content());
        }
    }

    @Test
    void theS3ConfigNeverPrintsTheSecret() {
        var s3 = new BlockStores.S3Store("s3", java.net.URI.create("http://minio:9000"), null, "b", "p", "AK", "SECRET");
        assertThat(s3.toString()).doesNotContain("SECRET");
    }
}
