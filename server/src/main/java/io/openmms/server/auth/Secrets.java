package io.openmms.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Generation and hashing of random credentials. API and agent keys are long random strings, so a
 * single SHA-256 is enough to store them safely (no dictionary to attack); passwords, chosen by
 * people, go through {@link Passwords} (bcrypt) instead. The random source is injected.
 */
public final class Secrets {
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";
  private final SecureRandom random;

  public Secrets(SecureRandom random) {
    this.random = random;
  }

  /** {@code n} random bytes as lower-case hex. */
  public String hex(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** An Ops-Manager-style public key: 8 lower-case letters. */
  public String publicKey() {
    StringBuilder b = new StringBuilder(8);
    for (int i = 0; i < 8; i++) {
      b.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return b.toString();
  }

  /** An Ops-Manager-style private key: a random UUID (122 random bits). */
  public String privateKey() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    b[6] = (byte) ((b[6] & 0x0f) | 0x40);
    b[8] = (byte) ((b[8] & 0x3f) | 0x80);
    long msb = 0;
    long lsb = 0;
    for (int i = 0; i < 8; i++) {
      msb = (msb << 8) | (b[i] & 0xff);
      lsb = (lsb << 8) | (b[8 + i] & 0xff);
    }
    return new UUID(msb, lsb).toString();
  }

  /** A human-typable password of 20 characters from an unambiguous alphabet. */
  public String password() {
    String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    StringBuilder b = new StringBuilder(20);
    for (int i = 0; i < 20; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  public SecureRandom random() {
    return random;
  }

  public static String sha256Hex(String s) {
    return HexFormat.of().formatHex(digest("SHA-256", s));
  }

  public static String md5Hex(String s) {
    return HexFormat.of().formatHex(digest("MD5", s));
  }

  static byte[] digest(String algorithm, String s) {
    try {
      return MessageDigest.getInstance(algorithm).digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison of two strings. */
  public static boolean equal(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8),
        b.getBytes(StandardCharsets.UTF_8));
  }
}
