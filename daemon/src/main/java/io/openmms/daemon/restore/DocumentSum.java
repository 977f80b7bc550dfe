package io.openmms.daemon.restore;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.bson.RawBsonDocument;

/**
 * What a restore checks per collection (docs/restores.md, "Verification"): the number of
 * documents, their bytes, the SHA-256 of their bytes in order (the snapshot manifest's
 * checksum) and an order-free digest (the sum, modulo 2^256, of each document's SHA-256) for
 * data read back from a target MongoDB, which returns documents in its own order.
 */
public final class DocumentSum {
  private static final BigInteger MOD = BigInteger.ONE.shiftLeft(256);
  private final MessageDigest ordered = newSha256();
  private final MessageDigest one = newSha256();
  private BigInteger unordered = BigInteger.ZERO;
  private long count;
  private long bytes;
  private String orderedHex;

  public void add(RawBsonDocument d) {
    ByteBuffer b = d.getByteBuffer().asNIO();
    byte[] raw;
    int off;
    int len = b.remaining();
    if (b.hasArray()) {
      raw = b.array();
      off = b.arrayOffset() + b.position();
    } else {
      raw = new byte[len];
      b.get(raw);
      off = 0;
    }
    ordered.update(raw, off, len);
    one.update(raw, off, len);
    unordered = unordered.add(new BigInteger(1, one.digest())).mod(MOD);
    count++;
    bytes += len;
  }

  public long count() {
    return count;
  }

  public long bytes() {
    return bytes;
  }

  /** The SHA-256 of the documents' bytes in the order added; ends the ordered sum. */
  public String sha256() {
    if (orderedHex == null) {
      orderedHex = HexFormat.of().formatHex(ordered.digest());
    }
    return orderedHex;
  }

  /** The order-free digest, 64 hex digits. */
  public String unorderedDigest() {
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
