package io.openmms.server.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.openmms.server.audit.AuditLog;
import io.openmms.server.auth.Role;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Users;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The list of the user's groups and creating a group (its creator becomes its owner). */
final class GroupPages {
  private final Pages pages;
  private final Users users;
  private final Groups groups;
  private final AuditLog audit;

  GroupPages(Pages pages, Users users, Groups groups, AuditLog audit) {
    this.pages = pages;
    this.users = users;
    this.groups = groups;
    this.audit = audit;
  }

  void register(JavalinConfig config) {
    config.routes.get("/groups", this::list);
    config.routes.post("/groups", this::create);
  }

  private void list(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    render(ctx, me, null, 200);
  }

  private void render(Context ctx, Users.User me, String error, int status) {
    List<Map<String, Object>> mine = new ArrayList<>();
    for (Groups.Group g : groups.list()) {
      Role role = me.principal().role(g.id());
      if (role != null) {
        mine.add(Map.of("id", g.id(), "name", g.name(), "role", role.label()));
      }
    }
    Map<String, Object> m = new HashMap<>();
    m.put("title", "Groups");
    m.put("groups", mine);
    m.put("error", error);
    ctx.status(status);
    pages.render(ctx, "groups", m);
  }

  private void create(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    String name = String.valueOf(ctx.formParam("name")).trim();
    if (name.isEmpty() || name.length() > 64) {
      render(ctx, me, "A group name has 1 to 64 characters.", 400);
      return;
    }
    Groups.Group g = groups.create(name);
    users.setRole(me.id(), g.id(), Role.GROUP_OWNER);
    audit.record(g.id(), me.username(), "GROUP_CREATED", "created group " + name, ctx.ip());
    ctx.redirect("/groups/" + g.id(), HttpStatus.SEE_OTHER);
  }
}
