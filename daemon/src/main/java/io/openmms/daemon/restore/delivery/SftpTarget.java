package io.openmms.daemon.restore.delivery;

import java.util.regex.Pattern;

/**
 * Where an SSH push delivers a restore file, as given with the restore request: the SSH server
 * {@code host:port}, the account {@code user}, the remote {@code directory} (absolute, or relative
 * to the account's home) and the SHA256 fingerprint the server's host key must have, in the form
 * {@code ssh-keygen -lf} prints ({@code SHA256:} and 43 base64 characters without padding).
 *
 * <p>The constructor validates every field and throws {@link IllegalArgumentException} naming the
 * request field ({@code delivery.targetHost}, ...). Surrounding blanks of host, user and
 * fingerprint are removed. Immutable.
 */
public record SftpTarget(
    String host, int port, String user, String directory, String hostKeyFingerprint) {

  private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

  public SftpTarget {
    host = token(host, "delivery.targetHost");
    user = token(user, "delivery.username");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "delivery.targetPort must be between 1 and 65535, got " + port);
    }
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("delivery.targetDirectory is missing");
    }
    if (directory.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "delivery.targetDirectory must not contain control characters");
    }
    hostKeyFingerprint = fingerprint(hostKeyFingerprint);
  }

  /** {@code host:port}, the host in brackets when it is an IPv6 address. */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** {@code user@host:port:directory}. */
  @Override
  public String toString() {
    return user + "@" + address() + ":" + directory;
  }

  private static String token(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " is missing");
    }
    String v = value.strip();
    if (v.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new IllegalArgumentException(field + " must not contain blanks, got '" + v + "'");
    }
    return v;
  }

  private static String fingerprint(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("delivery.hostKeyFingerprint is missing: give the "
          + "SHA256 fingerprint of the server's host key (ssh-keygen -lf <host key>.pub)");
    }
    String v = value.strip();
    if (!FINGERPRINT.matcher(v).matches()) {
      throw new IllegalArgumentException("delivery.hostKeyFingerprint must be an OpenSSH SHA256 "
          + "fingerprint such as SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s, as "
          + "'ssh-keygen -lf <host key>.pub' prints it, got '" + v + "'");
    }
    return v;
  }
}
