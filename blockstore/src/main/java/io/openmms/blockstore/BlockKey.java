package io.openmms.blockstore;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An AES-256 key that encrypts the blocks of one group, with the id written into every block it
 * seals. The key check (the first 4 bytes of HMAC-SHA256(key, "openmms blockstore key check v1"))
 * goes into the header too, so a reader holding other material under the same id gets a
 * {@link WrongKeyException} instead of a misleading corruption report. Immutable.
 */
public final class BlockKey {
    public static final int KEY_BYTES = 32;
    static final int CHECK_BYTES = 4;
    private static final byte[] CHECK_LABEL = "openmms blockstore key check v1".getBytes(StandardCharsets.US_ASCII);

    private final String id;
    private final SecretKeySpec key;
    private final byte[] check;

    public BlockKey(String id, byte[] material) {
        byte[] idBytes = id == null ? new byte[0] : id.getBytes(StandardCharsets.UTF_8);
        if (idBytes.length == 0 || idBytes.length > 255) {
            throw new IllegalArgumentException("block key id: must be 1-255 bytes of UTF-8, was '" + id + "'");
        }
        if (material == null || material.length != KEY_BYTES) {
            throw new IllegalArgumentException("block key '" + id + "': must be 32 bytes (AES-256), was "
                    + (material == null ? "null" : material.length + " bytes"));
        }
        this.id = id;
        this.key = new SecretKeySpec(material.clone(), "AES");
        this.check = computeCheck(material);
    }

    /** A fresh key from {@code random} (the caller's injected SecureRandom). */
    public static BlockKey generate(String id, java.security.SecureRandom random) {
        byte[] material = new byte[KEY_BYTES];
        random.nextBytes(material);
        return new BlockKey(id, material);
    }

    private static byte[] computeCheck(byte[] material) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(material, "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal(CHECK_LABEL), CHECK_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    public String id() {
        return id;
    }

    SecretKeySpec secret() {
        return key;
    }

    byte[] check() {
        return check.clone();
    }

    boolean checkMatches(byte[] other) {
        return java.security.MessageDigest.isEqual(check, other);
    }

    @Override
    public String toString() {
        return "BlockKey[" + id + "]";
    }
}
