package io.openmms.blockstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BlockCodecTest {
    private static final Block TEXT = Block.of("{status: 'active', city: 'paris'} ".repeat(300).getBytes(StandardCharsets.UTF_8));
    private static final BlockKey KEY = new BlockKey("k1", BlockStoreContract.bytes(32, 1));

    /** A SecureRandom that returns a fixed sequence, so sealed bytes are reproducible in tests. */
    static SecureRandom fixedRandom() {
        SecureRandom r;
        try {
            r = SecureRandom.getInstance("SHA1PRNG");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        r.setSeed(42);
        return r;
    }

    @Test
    void thePlainEnvelopeIsTheV1Header() {
        byte[] sealed = BlockCodec.plain().seal(TEXT);
        ByteBuffer b = ByteBuffer.wrap(sealed);
        assertThat(Arrays.copyOf(sealed, 3)).isEqualTo(new byte[] {'O', 'M', 'B'});
        assertThat(sealed[3]).isEqualTo((byte) 1);
        assertThat(sealed[4]).as("zstd").isEqualTo((byte) 1);
        assertThat(sealed[5]).as("no encryption").isEqualTo((byte) 0);
        assertThat(b.getInt(8)).isEqualTo(TEXT.length());
        assertThat(sealed.length).isLessThan(TEXT.length() / 20);
    }

    @Test
    void incompressibleContentIsStoredUncompressed() {
        Block random = Block.of(BlockStoreContract.bytes(4096, 9));
        byte[] sealed = BlockCodec.plain().seal(random);
        assertThat(sealed[4]).isEqualTo((byte) 0);
        assertThat(sealed).hasSize(4096 + 12);
        assertThat(Arrays.copyOfRange(sealed, 12, sealed.length)).isEqualTo(random.content());
    }

    @Test
    void theEncryptedEnvelopeCarriesKeyIdCheckAndAFreshNonce() throws BlockException {
        BlockCodec codec = BlockCodec.encrypted(KEY, fixedRandom());
        byte[] a = codec.seal(TEXT);
        byte[] b = codec.seal(TEXT);
        assertThat(a[5]).isEqualTo((byte) 1);
        assertThat(a[12]).as("key id length").isEqualTo((byte) 2);
        assertThat(new String(a, 13, 2, StandardCharsets.UTF_8)).isEqualTo("k1");
        assertThat(Arrays.copyOfRange(a, 15, 19)).isEqualTo(KEY.check());
        assertThat(Arrays.copyOfRange(a, 19, 31)).as("nonces differ").isNotEqualTo(Arrays.copyOfRange(b, 19, 31));
        assertThat(codec.open(TEXT.id(), a)).isEqualTo(TEXT.content());
    }

    @Test
    void aChangedHeaderFailsAuthentication() {
        BlockCodec codec = BlockCodec.encrypted(KEY, fixedRandom());
        byte[] sealed = codec.seal(TEXT);
        sealed[4] = 0;
        assertThatThrownBy(() -> codec.open(TEXT.id(), sealed)).isInstanceOf(CorruptBlockException.class)
                .hasMessageContaining("authentication failed");
    }

    @Test
    void sameIdOtherMaterialIsAWrongKeyNotCorruption() {
        byte[] sealed = BlockCodec.encrypted(KEY, fixedRandom()).seal(TEXT);
        BlockCodec impostor = BlockCodec.encrypted(new BlockKey("k1", BlockStoreContract.bytes(32, 2)), fixedRandom());
        assertThatThrownBy(() -> impostor.open(TEXT.id(), sealed)).isInstanceOfSatisfying(WrongKeyException.class, e -> {
            assertThat(e.keyId()).isEqualTo("k1");
            assertThat(e).hasMessageContaining(TEXT.id().hex()).hasMessageContaining("different material");
        });
    }

    @Test
    void anEncryptingCodecStillOpensPlainBlocks() throws BlockException {
        byte[] sealed = BlockCodec.plain().seal(TEXT);
        assertThat(BlockCodec.encrypted(KEY, fixedRandom()).open(TEXT.id(), sealed)).isEqualTo(TEXT.content());
    }

    @Test
    void damagedEnvelopesAreCorruptWithAReason() {
        BlockCodec codec = BlockCodec.plain();
        byte[] sealed = codec.seal(TEXT);
        byte[] version = sealed.clone();
        version[3] = 9;
        assertThatThrownBy(() -> codec.open(TEXT.id(), version)).hasMessageContaining("version 9");
        byte[] length = sealed.clone();
        ByteBuffer.wrap(length).putInt(8, 1 << 30);
        assertThatThrownBy(() -> codec.open(TEXT.id(), length)).isInstanceOf(CorruptBlockException.class)
                .hasMessageContaining("header length");
        byte[] body = sealed.clone();
        body[body.length / 2] ^= 0x55;
        assertThatThrownBy(() -> codec.open(TEXT.id(), body)).isInstanceOf(CorruptBlockException.class);
        assertThatThrownBy(() -> codec.open(TEXT.id(), Arrays.copyOf(sealed, 5)))
                .isInstanceOf(CorruptBlockException.class).hasMessageContaining("shorter than a header");
    }

    @Test
    void blockIdsAreSha256Hex() {
        BlockId empty = Block.of(new byte[0]).id();
        assertThat(empty.hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(BlockId.parse(empty.hex().toUpperCase())).isEqualTo(empty);
        assertThatThrownBy(() -> BlockId.parse("abc", "manifest.blocks[3]")).hasMessageContaining("manifest.blocks[3]");
    }

    @Test
    void keysAreValidated() {
        assertThatThrownBy(() -> new BlockKey("k", new byte[16])).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new BlockKey("", new byte[32])).hasMessageContaining("id");
        assertThat(new BlockKey("k", new byte[32]).toString()).doesNotContain("0, 0");
    }
}
