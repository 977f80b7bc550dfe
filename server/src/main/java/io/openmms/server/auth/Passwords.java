package io.openmms.server.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;

/** Password hashing with bcrypt (cost 12). Thread-safe. */
public final class Passwords {
  private static final int COST = 12;

  private Passwords() {}

  public static String hash(String password) {
    return BCrypt.withDefaults().hashToString(COST, password.toCharArray());
  }

  public static boolean verify(String password, String hash) {
    if (password == null || hash == null) {
      return false;
    }
    return BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8),
        hash.getBytes(StandardCharsets.UTF_8)).verified;
  }
}
