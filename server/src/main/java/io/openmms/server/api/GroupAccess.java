package io.openmms.server.api;

import io.javalin.http.Context;
import io.openmms.server.auth.Principal;
import io.openmms.server.auth.Role;
import io.openmms.server.http.ApiException;
import io.openmms.server.store.Groups;

/** The one check every group-scoped API call makes: the group exists and the caller may act. */
final class GroupAccess {
  private GroupAccess() {}

  /** The group in the path when the caller may do {@code p} there; else 404 or 403 in words. */
  static Groups.Group require(Context ctx, Groups groups, Role.Permission p, String what) {
    Principal principal = ctx.attribute(PublicApi.PRINCIPAL);
    String id = ctx.pathParam("groupId");
    Groups.Group g = groups.get(id);
    if (g == null) {
      throw ApiException.notFound("GROUP_NOT_FOUND", "No group with id " + id + " exists");
    }
    Role role = principal.role(id);
    if (role == null) {
      throw new ApiException(403, "USER_CANNOT_ACCESS_GROUP",
          (principal.apiKey() ? "This API key" : "User " + principal.name())
              + " has no role in group " + id);
    }
    if (!principal.can(id, p)) {
      throw new ApiException(403, "USER_UNAUTHORIZED", "The role " + role.name() + " ("
          + role.label() + ") in group " + id + " does not allow " + what);
    }
    return g;
  }
}
