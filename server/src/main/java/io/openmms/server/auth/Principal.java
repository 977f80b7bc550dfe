package io.openmms.server.auth;

import java.util.Map;

/**
 * Who is calling the public API: a programmatic API key with its roles.
 *
 * @param keyId the key's id
 * @param publicKey the key's public part (its user name in HTTP Digest)
 * @param globalOwner true when the key may act on every group
 * @param groupRoles role names by group id (GROUP_OWNER, GROUP_READ_ONLY, ...)
 */
public record Principal(String keyId, String publicKey, boolean globalOwner,
    Map<String, String> groupRoles) {

  public boolean canRead(String groupId) {
    return globalOwner || groupRoles.containsKey(groupId);
  }
}
