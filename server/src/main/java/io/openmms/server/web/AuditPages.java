package io.openmms.server.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.openmms.server.audit.AuditLog;
import io.openmms.server.auth.Role;
import io.openmms.server.auth.Sessions;
import io.openmms.server.http.ApiException;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Users;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit log pages and user administration: a group's audit log ({@code /groups/{g}/audit},
 * VIEW_AUDIT: owners), and for global owners the whole log ({@code /admin/audit}, including
 * sign-ins and failed sign-ins) and the user list ({@code /admin/users}) where an owner sets a
 * new password for another user, which ends all of that user's sessions.
 */
final class AuditPages {
  static final int LIMIT = 500;

  private final Pages pages;
  private final Users users;
  private final Groups groups;
  private final Sessions sessions;
  private final AuditLog audit;

  AuditPages(Pages pages, Users users, Groups groups, Sessions sessions, AuditLog audit) {
    this.pages = pages;
    this.users = users;
    this.groups = groups;
    this.sessions = sessions;
    this.audit = audit;
  }

  void register(JavalinConfig config) {
    var r = config.routes;
    r.get("/groups/{groupId}/audit", this::groupAudit);
    r.get("/admin/audit", this::allAudit);
    r.get("/admin/users", ctx -> usersPage(ctx, null, 200, null));
    r.post("/admin/users/{userId}/password", this::resetPassword);
  }

  private void groupAudit(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.VIEW_AUDIT,
        "read its audit log");
    Map<String, Object> m = MemberPages.groupModel(g, me, "audit", "Audit log");
    m.put("entries", entries(audit.list(g.id(), LIMIT)));
    m.put("limit", LIMIT);
    pages.render(ctx, "audit", m);
  }

  private void allAudit(Context ctx) {
    requireGlobalOwner(ctx, "read the whole audit log");
    Map<String, String> names = new HashMap<>();
    for (Groups.Group g : groups.list()) {
      names.put(g.id(), g.name());
    }
    List<Map<String, Object>> rows = entries(audit.list(null, LIMIT));
    for (Map<String, Object> row : rows) {
      Object gid = row.get("groupId");
      row.put("groupName", gid == null ? null : names.getOrDefault((String) gid, (String) gid));
    }
    Map<String, Object> m = new HashMap<>();
    m.put("title", "Audit log · all groups");
    m.put("entries", rows);
    m.put("limit", LIMIT);
    m.put("admin", true);
    pages.render(ctx, "audit", m);
  }

  private static List<Map<String, Object>> entries(List<AuditLog.Entry> list) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (AuditLog.Entry e : list) {
      Map<String, Object> row = new HashMap<>();
      row.put("at", e.at().toInstant().truncatedTo(ChronoUnit.SECONDS).toString());
      row.put("groupId", e.groupId());
      row.put("actor", e.actor());
      row.put("action", e.action());
      row.put("detail", e.detail());
      row.put("address", e.address());
      row.put("failure", e.action().endsWith("_FAILED"));
      out.add(row);
    }
    return out;
  }

  private Users.User requireGlobalOwner(Context ctx, String what) {
    Users.User me = WebAuth.requireUser(ctx);
    if (!me.globalOwner()) {
      throw new ApiException(403, "USER_UNAUTHORIZED", "Only the installation's owners can "
          + what + ". Group owners find their group's log on the group's Audit tab.");
    }
    return me;
  }

  private void usersPage(Context ctx, String error, int status, String notice) {
    Users.User me = requireGlobalOwner(ctx, "manage users");
    Map<String, String> names = new HashMap<>();
    for (Groups.Group g : groups.list()) {
      names.put(g.id(), g.name());
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Users.User u : users.list()) {
      List<String> memberships = new ArrayList<>();
      u.groups().forEach((gid, role) -> {
        Role r = Role.parse(role);
        memberships.add(names.getOrDefault(gid, gid) + " (" + (r == null ? role : r.label())
            + ")");
      });
      memberships.sort(String::compareTo);
      Map<String, Object> row = new HashMap<>();
      row.put("id", u.id());
      row.put("username", u.username());
      row.put("globalOwner", u.globalOwner());
      row.put("groups", String.join(", ", memberships));
      row.put("created", MemberPages.when(u.created()));
      row.put("me", u.id().equals(me.id()));
      rows.add(row);
    }
    Map<String, Object> m = new HashMap<>();
    m.put("title", "Users");
    m.put("users", rows);
    m.put("minPassword", AccountPages.MIN_PASSWORD);
    m.put("error", error);
    m.put("notice", notice != null ? notice : "reset".equals(ctx.queryParam("done"))
        ? "The password was changed and all of that user's sessions ended." : null);
    ctx.status(status);
    pages.render(ctx, "admin-users", m);
  }

  private void resetPassword(Context ctx) {
    Users.User me = requireGlobalOwner(ctx, "reset passwords");
    Users.User u = users.get(ctx.pathParam("userId"));
    if (u == null) {
      throw ApiException.notFound("USER_NOT_FOUND", "No user with id " + ctx.pathParam("userId")
          + " exists.");
    }
    if (u.id().equals(me.id())) {
      usersPage(ctx, "This form resets other users' passwords; it would also sign you out."
          + " Ask another owner to reset yours.", 400, null);
      return;
    }
    String password = String.valueOf(ctx.formParam("password"));
    if (password.length() < AccountPages.MIN_PASSWORD) {
      usersPage(ctx, "The new password for " + u.username() + " needs at least "
          + AccountPages.MIN_PASSWORD + " characters.", 400, null);
      return;
    }
    users.setPassword(u.id(), password);
    sessions.deleteAll(u.id());
    audit.record(null, me.username(), "PASSWORD_RESET", "password of " + u.username()
        + " reset; all of their sessions ended", ctx.ip());
    ctx.redirect("/admin/users?done=reset", HttpStatus.SEE_OTHER);
  }
}
