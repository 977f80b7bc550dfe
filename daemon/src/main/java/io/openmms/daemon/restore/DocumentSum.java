package io.openmms.daemon.restore;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.bson.RawBsonDocument;

/**
 * What a restore checks per collection (docs/restores.md, "Verification"): the number of
 * documents and one digest of their bytes, either the SHA-256 of the bytes in order
 * ({@link #inOrder()}: the snapshot manifest's checksum) or an order-free digest
 * ({@link #orderFree()}: the sum, modulo 2^256, of each document's SHA-256) for data read back
 * from a target MongoDB, which returns documents in its own order. A sum hashes each document
 * once, for the digest it was made for. Not thread-safe.
 */
public final class DocumentSum {
  private static final BigInteger MOD = BigInteger.ONE.shiftLeft(256);
  private final MessageDigest sha = newSha256();
  private final boolean ordered;
  private BigInteger unordered = BigInteger.ZERO;
  private long count;
  private long bytes;
  private String orderedHex;

  private DocumentSum(boolean ordered) {
    this.ordered = ordered;
  }

  /** A sum whose digest is the SHA-256 of the documents' bytes in the order added. */
  public static DocumentSum inOrder() {
    return new DocumentSum(true);
  }

  /** A sum whose digest does not depend on the order the documents are added in. */
  public static DocumentSum orderFree() {
    return new DocumentSum(false);
  }

  public void add(RawBsonDocument d) {
    sha.update(d.getBackingArray(), d.getByteOffset(), d.getByteLength());
    if (!ordered) {
      unordered = unordered.add(new BigInteger(1, sha.digest())).mod(MOD);
    }
    count++;
    bytes += d.getByteLength();
  }

  public long count() {
    return count;
  }

  /** The documents' total BSON size. */
  public long bytes() {
    return bytes;
  }

  /** The SHA-256 of the documents' bytes in the order added; ends an {@link #inOrder()} sum. */
  public String sha256() {
    if (!ordered) {
      throw new IllegalStateException("an order-free sum has no ordered SHA-256");
    }
    if (orderedHex == null) {
      orderedHex = HexFormat.of().formatHex(sha.digest());
    }
    return orderedHex;
  }

  /** The order-free digest of an {@link #orderFree()} sum, 64 hex digits. */
  public String unorderedDigest() {
    if (ordered) {
      throw new IllegalStateException("an ordered sum has no order-free digest");
    }
    return String.format("%064x", unordered);
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
