package io.openmms.blockstore;

import static io.openmms.blockstore.BlockCodec.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The parsed header of a sealed block (docs/blockstore-format.md, "Block envelope"). */
record Envelope(byte compression, byte encryption, int length, String keyId, byte[] keyCheck, byte[] nonce,
        int payloadOffset) {

    static Envelope parse(BlockId id, byte[] sealed) throws CorruptBlockException {
        if (sealed.length < HEADER_BYTES) {
            throw new CorruptBlockException(id, "envelope is " + sealed.length + " bytes, shorter than a header");
        }
        ByteBuffer b = ByteBuffer.wrap(sealed);
        if (sealed[0] != MAGIC[0] || sealed[1] != MAGIC[1] || sealed[2] != MAGIC[2]) {
            throw new CorruptBlockException(id, "envelope does not start with the magic 'OMB'");
        }
        int version = sealed[3];
        if (version != FORMAT_VERSION) {
            throw new CorruptBlockException(id, "envelope version " + version + " is not known (this reader knows "
                    + FORMAT_VERSION + ")");
        }
        byte compression = sealed[4];
        byte encryption = sealed[5];
        int length = b.getInt(8);
        if (compression != COMPRESSION_NONE && compression != COMPRESSION_ZSTD) {
            throw new CorruptBlockException(id, "unknown compression " + compression);
        }
        if (length < 0 || length > MAX_BLOCK_BYTES) {
            throw new CorruptBlockException(id, "header length " + length + " is outside 0-" + MAX_BLOCK_BYTES);
        }
        if (encryption == ENCRYPTION_NONE) {
            return new Envelope(compression, encryption, length, null, null, null, HEADER_BYTES);
        }
        if (encryption != ENCRYPTION_AES256_GCM) {
            throw new CorruptBlockException(id, "unknown encryption " + encryption);
        }
        int keyIdLength = sealed.length > HEADER_BYTES ? sealed[HEADER_BYTES] & 0xff : -1;
        int checkAt = HEADER_BYTES + 1 + keyIdLength;
        int payloadAt = checkAt + BlockKey.CHECK_BYTES + NONCE_BYTES;
        if (keyIdLength < 1 || sealed.length < payloadAt + TAG_BITS / 8) {
            throw new CorruptBlockException(id, "encrypted envelope is truncated");
        }
        String keyId = new String(sealed, HEADER_BYTES + 1, keyIdLength, StandardCharsets.UTF_8);
        return new Envelope(compression, encryption, length, keyId,
                Arrays.copyOfRange(sealed, checkAt, checkAt + BlockKey.CHECK_BYTES),
                Arrays.copyOfRange(sealed, checkAt + BlockKey.CHECK_BYTES, payloadAt), payloadAt);
    }

    byte[] payload(byte[] sealed) {
        return Arrays.copyOfRange(sealed, payloadOffset, sealed.length);
    }
}
