package io.openmms.blockstore;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The name of a block: the SHA-256 of its uncompressed content, written as 64 lower-case hex
 * digits (docs/blockstore-format.md, "Block ids"). Immutable; equal contents have equal ids.
 */
public final class BlockId implements Comparable<BlockId> {
    public static final int BYTES = 32;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] hash;

    private BlockId(byte[] hash) {
        this.hash = hash;
    }

    /** The id of {@code content}. */
    public static BlockId of(byte[] content) {
        return of(content, 0, content.length);
    }

    public static BlockId of(byte[] content, int offset, int length) {
        MessageDigest sha = sha256();
        sha.update(content, offset, length);
        return new BlockId(sha.digest());
    }

    /** Parses 64 hex digits; {@code field} names where the text came from, for the message. */
    public static BlockId parse(String hex, String field) {
        if (hex == null || hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException(field + ": not a block id (64 hex digits): " + hex);
        }
        try {
            return new BlockId(HEX.parseHex(hex.toLowerCase(java.util.Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": not a block id (64 hex digits): " + hex, e);
        }
    }

    public static BlockId parse(String hex) {
        return parse(hex, "block id");
    }

    /** From the 32 raw bytes of a hash (as stored in pack trailers and index records). */
    public static BlockId fromBytes(byte[] raw, int offset) {
        return new BlockId(Arrays.copyOfRange(raw, offset, offset + BYTES));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** True when {@code content} hashes to this id. */
    public boolean matches(byte[] content) {
        return MessageDigest.isEqual(hash, sha256().digest(content));
    }

    public byte[] toBytes() {
        return hash.clone();
    }

    void writeTo(java.nio.ByteBuffer out) {
        out.put(hash);
    }

    public String hex() {
        return HEX.formatHex(hash);
    }

    /** The first 12 hex digits, for log lines. Messages use {@link #hex()}. */
    public String shortHex() {
        return hex().substring(0, 12);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockId other && Arrays.equals(hash, other.hash);
    }

    @Override
    public int hashCode() {
        return (hash[0] & 0xff) << 24 | (hash[1] & 0xff) << 16 | (hash[2] & 0xff) << 8 | (hash[3] & 0xff);
    }

    @Override
    public int compareTo(BlockId o) {
        return Arrays.compareUnsigned(hash, o.hash);
    }

    @Override
    public String toString() {
        return hex();
    }
}
