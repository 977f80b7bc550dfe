package io.openmms.blockstore;

import com.github.luben.zstd.Zstd;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals block content into the v1 envelope and opens it again (docs/blockstore-format.md, "Block
 * envelope"): a 12-byte header (magic "OMB", version, compression, encryption, reserved,
 * uncompressed length), for encrypted blocks the key id, key check and a 96-bit nonce, then the
 * payload: zstd-compressed content (or the content itself when zstd does not make it smaller),
 * AES-256-GCM-encrypted with the header as associated data when a key is set.
 *
 * <p>{@link #open} is the verification every read goes through: whatever it returns hashes to
 * the id asked for, or it throws {@link CorruptBlockException} / {@link WrongKeyException}.
 *
 * <p>A codec with a write key encrypts with it; it opens blocks sealed with any key it was given
 * (key rotation) and plain blocks. Thread-safe; the nonce source is the injected SecureRandom.
 */
public final class BlockCodec {
    public static final int FORMAT_VERSION = 1;
    /** The largest block content in format v1; keeps a sealed block under MongoDB's 16 MiB. */
    public static final int MAX_BLOCK_BYTES = 8 << 20;
    /** The measured default zstd level (docs/blockstore-format.md, "Compression"). */
    public static final int DEFAULT_LEVEL = 3;

    static final byte[] MAGIC = {'O', 'M', 'B'};
    static final int HEADER_BYTES = 12;
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    static final byte COMPRESSION_NONE = 0;
    static final byte COMPRESSION_ZSTD = 1;
    static final byte ENCRYPTION_NONE = 0;
    static final byte ENCRYPTION_AES256_GCM = 1;

    private final int level;
    private final BlockKey writeKey;
    private final Map<String, BlockKey> readKeys;
    private final SecureRandom random;

    private BlockCodec(int level, BlockKey writeKey, List<BlockKey> readKeys, SecureRandom random) {
        if (level < 1 || level > Zstd.maxCompressionLevel()) {
            throw new IllegalArgumentException("zstd level: must be 1-" + Zstd.maxCompressionLevel() + ", was " + level);
        }
        this.level = level;
        this.writeKey = writeKey;
        this.random = random;
        Map<String, BlockKey> keys = new LinkedHashMap<>();
        for (BlockKey k : readKeys) {
            keys.put(k.id(), k);
        }
        this.readKeys = Map.copyOf(keys);
    }

    /** No encryption, the default zstd level. */
    public static BlockCodec plain() {
        return new BlockCodec(DEFAULT_LEVEL, null, List.of(), null);
    }

    /** Encrypts with {@code writeKey}; also opens blocks sealed with {@code olderKeys}. */
    public static BlockCodec encrypted(BlockKey writeKey, SecureRandom random, BlockKey... olderKeys) {
        Objects.requireNonNull(writeKey, "writeKey");
        Objects.requireNonNull(random, "random");
        List<BlockKey> keys = new java.util.ArrayList<>(Arrays.asList(olderKeys));
        keys.add(writeKey);
        return new BlockCodec(DEFAULT_LEVEL, writeKey, keys, random);
    }

    public BlockCodec withLevel(int level) {
        return new BlockCodec(level, writeKey, List.copyOf(readKeys.values()), random);
    }

    public int level() {
        return level;
    }

    public boolean encrypts() {
        return writeKey != null;
    }

    /** The sealed envelope of {@code block}. */
    public byte[] seal(Block block) {
        byte[] content = block.content();
        if (content.length > MAX_BLOCK_BYTES) {
            throw new IllegalArgumentException("block " + block.id() + ": " + content.length
                    + " bytes, more than the format's maximum " + MAX_BLOCK_BYTES);
        }
        byte[] compressed = ZstdContexts.compress(content, level);
        boolean useZstd = compressed.length < content.length;
        byte[] body = useZstd ? compressed : content;
        byte[] header = header(useZstd ? COMPRESSION_ZSTD : COMPRESSION_NONE, content.length);
        if (writeKey == null) {
            return concat(header, body);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, writeKey.secret(), new GCMParameterSpec(TAG_BITS, nonceIn(header)));
            cipher.updateAAD(header);
            return concat(header, cipher.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed while sealing block " + block.id(), e);
        }
    }

    private byte[] header(byte compression, int length) {
        byte[] keyId = writeKey == null ? new byte[0] : writeKey.id().getBytes(StandardCharsets.UTF_8);
        int size = HEADER_BYTES + (writeKey == null ? 0 : 1 + keyId.length + BlockKey.CHECK_BYTES + NONCE_BYTES);
        ByteBuffer h = ByteBuffer.allocate(size);
        h.put(MAGIC).put((byte) FORMAT_VERSION).put(compression)
                .put(writeKey == null ? ENCRYPTION_NONE : ENCRYPTION_AES256_GCM).putShort((short) 0).putInt(length);
        if (writeKey != null) {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            h.put((byte) keyId.length).put(keyId).put(writeKey.check()).put(nonce);
        }
        return h.array();
    }

    private static byte[] nonceIn(byte[] header) {
        return Arrays.copyOfRange(header, header.length - NONCE_BYTES, header.length);
    }

    /** The content of {@code sealed}, verified to hash to {@code id}. */
    public byte[] open(BlockId id, byte[] sealed) throws BlockException {
        Envelope env = Envelope.parse(id, sealed);
        byte[] body = env.encryption() == ENCRYPTION_NONE ? env.payload(sealed) : decrypt(id, env, sealed);
        byte[] content = env.compression() == COMPRESSION_NONE ? body : decompress(id, env, body);
        if (content.length != env.length()) {
            throw new CorruptBlockException(id, "content is " + content.length + " bytes, header says " + env.length());
        }
        if (!id.matches(content)) {
            throw new CorruptBlockException(id, "content does not hash to the block id (SHA-256 mismatch)");
        }
        return content;
    }

    private byte[] decrypt(BlockId id, Envelope env, byte[] sealed) throws BlockException {
        BlockKey key = readKeys.get(env.keyId());
        if (key == null) {
            throw new WrongKeyException(id, env.keyId(), "encrypted with key '" + env.keyId()
                    + "', which this reader does not have (it has " + readKeys.keySet() + ")");
        }
        if (!key.checkMatches(env.keyCheck())) {
            throw new WrongKeyException(id, env.keyId(), "encrypted with key '" + env.keyId()
                    + "', but the reader's key with that id is different material (key check differs)");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.secret(), new GCMParameterSpec(TAG_BITS, env.nonce()));
            cipher.updateAAD(sealed, 0, env.payloadOffset());
            return cipher.doFinal(sealed, env.payloadOffset(), sealed.length - env.payloadOffset());
        } catch (AEADBadTagException e) {
            throw new CorruptBlockException(id, "AES-GCM authentication failed with key '" + env.keyId() + "'", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed while opening block " + id, e);
        }
    }

    private static byte[] decompress(BlockId id, Envelope env, byte[] body) throws CorruptBlockException {
        try {
            return ZstdContexts.decompress(body, env.length());
        } catch (RuntimeException e) {
            throw new CorruptBlockException(id, "zstd decompression failed: " + e.getMessage(), e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
