package io.openmms.daemon.restore.delivery;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * Accepts a server's host key only when its SHA256 fingerprint is the one the user gave, and
 * remembers every key a server presented (by key type) so that a refusal can name them all. One
 * instance serves the connection attempts of one push; MINA calls it from its I/O threads, hence
 * the synchronization.
 */
final class HostKeyCheck implements ServerKeyVerifier {
  enum Outcome { NOT_ASKED, MATCHED, MISMATCHED }

  private final String expected;
  private final Map<String, String> presented = new LinkedHashMap<>();
  private Outcome outcome = Outcome.NOT_ASKED;

  HostKeyCheck(String expectedFingerprint) {
    this.expected = expectedFingerprint;
  }

  @Override
  public synchronized boolean verifyServerKey(
      ClientSession session, SocketAddress remote, PublicKey key) {
    String fingerprint = SshKeys.fingerprint(key);
    presented.put(KeyUtils.getKeyType(key), fingerprint);
    outcome = fingerprint.equals(expected) ? Outcome.MATCHED : Outcome.MISMATCHED;
    return outcome == Outcome.MATCHED;
  }

  /** Forgets the previous attempt's outcome, not the keys seen. */
  synchronized void newAttempt() {
    outcome = Outcome.NOT_ASKED;
  }

  /** What the current attempt's key check gave. */
  synchronized Outcome outcome() {
    return outcome;
  }

  /** Whether a key of this type (as {@link KeyUtils#getKeyType} names it) was presented. */
  synchronized boolean presentedKeyType(String keyType) {
    return presented.containsKey(keyType);
  }

  /** "SHA256:... (ecdsa-sha2-nistp256), SHA256:... (ssh-rsa)". */
  synchronized String presentedKeys() {
    StringBuilder b = new StringBuilder();
    presented.forEach((type, fp) ->
        b.append(b.isEmpty() ? "" : ", ").append(fp).append(" (").append(type).append(')'));
    return b.toString();
  }
}
