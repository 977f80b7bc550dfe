package io.openmms.daemon.restore.delivery;

import io.openmms.common.util.PrivateFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Iterator;
import java.util.Locale;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The daemon's SSH key for pushing restore files: loaded from, or on first use created in, an
 * OpenSSH private key file (unencrypted, as {@code ssh-keygen -N ''} writes it) with the public
 * key line next to it in {@code <file>.pub}, ready for a user's {@code authorized_keys}.
 *
 * <p>A new key is ed25519 when Apache MINA SSHD can do ed25519, which needs net.i2p EdDSA or
 * BouncyCastle on the class path (MINA 2.16 does not use the JDK's own EdDSA); otherwise it is
 * ECDSA P-256 ({@code ecdsa-sha2-nistp256}), which the JDK provides and every OpenSSH server
 * accepts. Existing ed25519, ECDSA and RSA key files load the same way, except that ed25519 needs
 * the same library. All encodings are MINA's. Stateless and thread-safe.
 */
public final class SshKeys {
  static final String COMMENT = "openmms-restore";

  /** Refuses encrypted keys: the daemon has no passphrase to give. */
  private static final FilePasswordProvider ENCRYPTED = (session, resource, retry) -> {
    throw new EncryptedKeyException();
  };

  private SshKeys() {}

  /**
   * Loads the key pair in {@code privateKeyFile}, or, when that file does not exist, creates one
   * there (mode 600) and {@code <file>.pub}. Writes a missing {@code .pub} for an existing key.
   *
   * @throws IOException naming the file when it cannot be read or written, is not an
   *     unencrypted OpenSSH private key, or holds a key type this JVM cannot use
   */
  public static KeyPair loadOrCreate(Path privateKeyFile) throws IOException {
    KeyPair pair;
    boolean created = false;
    try {
      pair = load(privateKeyFile);
    } catch (NoSuchFileException e) {
      pair = create(privateKeyFile);
      created = true;
    }
    Path pub = publicKeyFile(privateKeyFile);
    if (created || !Files.exists(pub)) { // a new key replaces the .pub of a deleted one
      Files.writeString(pub, publicKeyLine(pair.getPublic(), COMMENT) + "\n");
    }
    return pair;
  }

  /** The {@code authorized_keys} line of {@code key}: {@code <type> <base64> [comment]}. */
  public static String publicKeyLine(PublicKey key, String comment) {
    String line = PublicKeyEntry.toString(key);
    if (comment == null || comment.isBlank()) {
      return line;
    }
    if (comment.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("a key comment must be one line");
    }
    return line + " " + comment.strip();
  }

  /** The key's SSH type name, such as {@code ecdsa-sha2-nistp256} or {@code ssh-ed25519}. */
  public static String keyType(PublicKey key) {
    return KeyUtils.getKeyType(key);
  }

  /** The key's fingerprint exactly as {@code ssh-keygen -lf} prints it: {@code SHA256:<base64>}. */
  public static String fingerprint(PublicKey key) {
    return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
  }

  /** The key type of a new key on this JVM: {@code ssh-ed25519} or {@code ecdsa-sha2-nistp256}. */
  static String newKeyType() {
    return SecurityUtils.isEDDSACurveSupported()
        ? KeyPairProvider.SSH_ED25519 : KeyPairProvider.ECDSA_SHA2_NISTP256;
  }

  static Path publicKeyFile(Path privateKeyFile) {
    return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
  }

  private static KeyPair load(Path file) throws IOException {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("cannot read the SSH private key file " + file + ": " + e, e);
    }
    Iterable<KeyPair> pairs;
    try (InputStream in = new ByteArrayInputStream(content)) {
      pairs = SecurityUtils.loadKeyPairIdentities(
          null, NamedResource.ofName(file.toString()), in, ENCRYPTED);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw new IOException(unusable(file, e), e);
    }
    Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
    if (it == null || !it.hasNext()) {
      throw new IOException(file + " holds no private key; the daemon needs an unencrypted "
          + "OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)");
    }
    return it.next();
  }

  private static String unusable(Path file, Exception e) {
    if (e instanceof EncryptedKeyException) {
      return file + " is an encrypted private key; the daemon needs it unencrypted "
          + "(ssh-keygen -p -N '' -f " + file + ")";
    }
    String hint = e.toString().toLowerCase(Locale.ROOT).contains("ed25519")
        && !SecurityUtils.isEDDSACurveSupported()
        ? " (ed25519 keys need BouncyCastle on the daemon's class path)" : "";
    // the parser's own message may quote bytes of the key: only its kind goes into ours
    return file + " is not a usable OpenSSH private key (" + e.getClass().getSimpleName() + ")"
        + hint;
  }

  private static KeyPair create(Path file) throws IOException {
    try {
      KeyPair pair = KeyUtils.generateKeyPair(newKeyType(), 256);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, COMMENT, null, out);
      PrivateFiles.write(file, out.toString(StandardCharsets.US_ASCII));
      return pair; // loadOrCreate writes the .pub
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot create an SSH key in " + file + ": " + e, e);
    }
  }

  private static final class EncryptedKeyException extends IOException {
    EncryptedKeyException() {
      super("encrypted private key");
    }
  }
}
