package io.openmms.server.auth;

import java.util.Map;

/**
 * Who is calling: a signed-in user or a programmatic API key, with its roles.
 *
 * @param id the user's or key's id
 * @param name the user name, or the key's public key
 * @param apiKey true for a programmatic API key
 * @param globalOwner true when it may do everything in every group
 * @param groupRoles role names by group id
 */
public record Principal(String id, String name, boolean apiKey, boolean globalOwner,
    Map<String, String> groupRoles) {

  public boolean canRead(String groupId) {
    return can(groupId, Role.Permission.READ);
  }

  /** True when this principal may do {@code p} in the group. */
  public boolean can(String groupId, Role.Permission p) {
    if (globalOwner) {
      return true;
    }
    Role r = Role.parse(groupRoles.get(groupId));
    return r != null && r.allows(p);
  }

  /** The principal's role in the group, or {@code null}. */
  public Role role(String groupId) {
    return globalOwner ? Role.GROUP_OWNER : Role.parse(groupRoles.get(groupId));
  }
}
