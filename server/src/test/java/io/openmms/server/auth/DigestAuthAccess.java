package io.openmms.server.auth;

import java.util.Map;

/** Test access to the package-private Digest parameter parser. */
public final class DigestAuthAccess {
  private DigestAuthAccess() {}

  public static Map<String, String> parse(String s) {
    return DigestAuth.parse(s);
  }
}
