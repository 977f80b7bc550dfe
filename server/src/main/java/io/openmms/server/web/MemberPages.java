package io.openmms.server.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.openmms.server.api.KeysApi;
import io.openmms.server.audit.AuditLog;
import io.openmms.server.auth.Role;
import io.openmms.server.http.ApiException;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Invitations;
import io.openmms.server.store.JoinRequests;
import io.openmms.server.store.Users;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A group's members page ({@code /groups/{g}/members}): members and their roles, changing a role
 * and removing a member (never the last owner), invitation links, and join requests. Anyone with
 * READ in the group sees the list; changes need MANAGE_MEMBERS (owners). Also the two ways in:
 * opening an invitation link ({@code /invitations/{token}}) and asking to join
 * ({@code /groups/{g}/join}).
 */
final class MemberPages {
  private static final Map<String, String> NOTICES = Map.of(
      "role", "The role was changed.",
      "removed", "The member was removed from the group.",
      "withdrawn", "The invitation link was withdrawn; it no longer works.",
      "approved", "The request was approved: the user is now a member.",
      "declined", "The request was declined.",
      "requested", "Your request was sent. A group owner will approve or decline it.");

  private final Pages pages;
  private final Users users;
  private final Groups groups;
  private final Invitations invitations;
  private final JoinRequests requests;
  private final AuditLog audit;
  private final Supplier<String> publicUrl;

  MemberPages(Pages pages, Users users, Groups groups, Invitations invitations,
      JoinRequests requests, AuditLog audit, Supplier<String> publicUrl) {
    this.pages = pages;
    this.users = users;
    this.groups = groups;
    this.invitations = invitations;
    this.requests = requests;
    this.audit = audit;
    this.publicUrl = publicUrl;
  }

  void register(JavalinConfig config) {
    var r = config.routes;
    r.get("/groups/{groupId}/members", ctx -> view(ctx, null, 200, null));
    r.post("/groups/{groupId}/members/{userId}/role", this::changeRole);
    r.post("/groups/{groupId}/members/{userId}/remove", this::remove);
    r.post("/groups/{groupId}/invitations", this::invite);
    r.post("/groups/{groupId}/invitations/{invitationId}/withdraw", this::withdraw);
    r.post("/groups/{groupId}/requests/{requestId}/approve", this::approve);
    r.post("/groups/{groupId}/requests/{requestId}/decline", this::decline);
    r.get("/groups/{groupId}/join", this::joinPage);
    r.post("/groups/{groupId}/join", ctx -> requestJoin(ctx, ctx.pathParam("groupId")));
    r.post("/join-requests", ctx -> requestJoin(ctx,
        String.valueOf(ctx.formParam("groupId")).trim()));
    r.get("/invitations/{token}", this::invitationPage);
    r.post("/invitations/{token}", this::accept);
  }

  /**
   * The group named by the path when the signed-in user may do {@code p} in it. Otherwise 404
   * for an unknown group, and 403 naming the user's role and what it does not allow.
   *
   * @param what what the user tried, in words ("change roles")
   */
  static Groups.Group requireGroup(Context ctx, Groups groups, Users.User me, Role.Permission p,
      String what) {
    String id = ctx.pathParam("groupId");
    Groups.Group g = groups.get(id);
    if (g == null) {
      throw ApiException.notFound("GROUP_NOT_FOUND", "No group with id " + id + " exists.");
    }
    Role role = me.principal().role(g.id());
    if (role == null) {
      throw new ApiException(403, "USER_CANNOT_ACCESS_GROUP", "You are not a member of group "
          + g.name() + ". Ask one of its owners for an invitation link, or request to join at"
          + " /groups/" + g.id() + "/join.");
    }
    if (!me.principal().can(g.id(), p)) {
      throw new ApiException(403, "USER_UNAUTHORIZED", "Your role in group " + g.name() + " ("
          + role.label() + ") does not allow you to " + what + ". Ask a group owner.");
    }
    return g;
  }

  /** The model every group page shares: the group, the user's role and the current tab. */
  static Map<String, Object> groupModel(Groups.Group g, Users.User me, String tab, String title) {
    Map<String, Object> m = new HashMap<>();
    m.put("title", title + " · " + g.name());
    m.put("group", Map.of("id", g.id(), "name", g.name()));
    m.put("groupId", g.id());
    m.put("tab", tab);
    m.put("myRole", me.principal().role(g.id()).label());
    return m;
  }

  /** A time as pages show it: {@code 2026-11-21 21:13 UTC}; empty for {@code null}. */
  static String when(Date d) {
    return d == null ? "" : WHEN.format(d.toInstant());
  }

  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  static List<Map<String, String>> roleOptions() {
    List<Map<String, String>> out = new ArrayList<>();
    for (Role r : Role.values()) {
      out.add(Map.of("name", r.name(), "label", r.label()));
    }
    return out;
  }

  /** A role from a form field, or 400 in words. */
  static Role parseRole(String value) {
    Role r = Role.parse(value);
    if (r == null) {
      throw ApiException.badRequest("INVALID_ROLE", "Choose a role: Owner, Monitoring admin,"
          + " Backup admin or Read only (was '" + value + "').");
    }
    return r;
  }

  private void view(Context ctx, String error, int status, Map<String, Object> extra) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = requireGroup(ctx, groups, me, Role.Permission.READ, "see its members");
    boolean manage = me.principal().can(g.id(), Role.Permission.MANAGE_MEMBERS);
    Map<String, Object> m = groupModel(g, me, "members", "Members");
    List<Map<String, Object>> members = new ArrayList<>();
    for (Users.User u : users.members(g.id())) {
      Role r = Role.parse(u.groups().get(g.id()));
      Map<String, Object> row = new HashMap<>();
      row.put("id", u.id());
      row.put("username", u.username());
      row.put("role", r == null ? "" : r.name());
      row.put("roleLabel", r == null ? "?" : r.label());
      row.put("me", u.id().equals(me.id()));
      members.add(row);
    }
    m.put("members", members);
    m.put("manage", manage);
    m.put("roles", roleOptions());
    if (manage) {
      List<Map<String, Object>> inv = new ArrayList<>();
      for (Invitations.Invitation i : invitations.pending(g.id())) {
        inv.add(Map.of("id", i.id(), "roleLabel", i.role().label(), "createdBy",
            String.valueOf(i.createdBy()), "expires", when(i.expires())));
      }
      m.put("invitations", inv);
      List<Map<String, Object>> reqs = new ArrayList<>();
      for (JoinRequests.JoinRequest jr : requests.pending(g.id())) {
        reqs.add(Map.of("id", jr.id(), "username", jr.username(), "created",
            when(jr.created())));
      }
      m.put("requests", reqs);
    }
    m.put("error", error);
    m.put("notice", NOTICES.getOrDefault(String.valueOf(ctx.queryParam("done")), null));
    if (extra != null) {
      m.putAll(extra);
    }
    ctx.status(status);
    pages.render(ctx, "members", m);
  }

  /** The member the path names, or 404. */
  private Users.User member(Context ctx, Groups.Group g) {
    Users.User u = users.get(ctx.pathParam("userId"));
    if (u == null || !u.groups().containsKey(g.id())) {
      throw ApiException.notFound("USER_NOT_IN_GROUP", "That user is not a member of group "
          + g.name() + " (any more).");
    }
    return u;
  }

  private boolean lastOwner(Groups.Group g, Users.User u) {
    return KeysApi.lastOwner(users, g.id(), u);
  }

  private void changeRole(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = requireGroup(ctx, groups, me, Role.Permission.MANAGE_MEMBERS,
        "change members' roles");
    Users.User u = member(ctx, g);
    Role to = parseRole(ctx.formParam("role"));
    Role from = Role.parse(u.groups().get(g.id()));
    if (to == from) {
      ctx.redirect(membersUrl(g), HttpStatus.SEE_OTHER);
      return;
    }
    if (lastOwner(g, u)) {
      view(ctx, u.username() + " is the group's only owner. Make another member an owner first.",
          409, null);
      return;
    }
    users.setRole(u.id(), g.id(), to);
    audit.record(g.id(), me.username(), "ROLE_CHANGED", u.username() + ": "
        + (from == null ? "?" : from.label()) + " → " + to.label(), ctx.ip());
    ctx.redirect(membersUrl(g) + "?done=role", HttpStatus.SEE_OTHER);
  }

  private void remove(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = requireGroup(ctx, groups, me, Role.Permission.MANAGE_MEMBERS,
        "remove members");
    Users.User u = member(ctx, g);
    if (lastOwner(g, u)) {
      view(ctx, u.username() + " is the group's only owner and cannot be removed. Make another"
          + " member an owner first.", 409, null);
      return;
    }
    users.removeFromGroup(u.id(), g.id());
    audit.record(g.id(), me.username(), "MEMBER_REMOVED", u.username() + " removed", ctx.ip());
    ctx.redirect(u.id().equals(me.id()) && !me.globalOwner() ? "/groups"
        : membersUrl(g) + "?done=removed", HttpStatus.SEE_OTHER);
  }

  private void invite(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = requireGroup(ctx, groups, me, Role.Permission.MANAGE_MEMBERS,
        "invite members");
    Role role = parseRole(ctx.formParam("role"));
    Invitations.Created c = invitations.create(g.id(), role, me.username());
    audit.record(g.id(), me.username(), "INVITATION_CREATED", "invitation link for role "
        + role.label() + ", valid until " + c.invitation().expires().toInstant(), ctx.ip());
    ctx.header("Cache-Control", "no-store");
    view(ctx, null, 201, Map.of("newLink", publicUrl.get() + "/invitations/" + c.token(),
        "newLinkRole", role.label(), "newLinkExpires", when(c.invitation().expires())));
  }

  private void withdraw(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = requireGroup(ctx, groups, me, Role.Permission.MANAGE_MEMBERS,
        "withdraw invitations");
    if (!invitations.withdraw(g.id(), ctx.pathParam("invitationId"))) {
      throw ApiException.notFound("INVITATION_NOT_FOUND",
          "No unused invitation with that id in group " + g.name() + ".");
    }
    audit.record(g.id(), me.username(), "INVITATION_WITHDRAWN", "invitation link withdrawn",
        ctx.ip());
    ctx.redirect(membersUrl(g) + "?done=withdrawn", HttpStatus.SEE_OTHER);
  }

  private void approve(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = requireGroup(ctx, groups, me, Role.Permission.MANAGE_MEMBERS,
        "approve join requests");
    Role role = parseRole(ctx.formParam("role"));
    JoinRequests.JoinRequest jr = takeRequest(ctx, g);
    Users.User u = users.get(jr.userId());
    if (u == null) {
      throw ApiException.notFound("USER_NOT_FOUND", "The user " + jr.username()
          + " no longer exists.");
    }
    if (!u.groups().containsKey(g.id())) {
      users.setRole(u.id(), g.id(), role);
      audit.record(g.id(), me.username(), "MEMBER_ADDED", u.username() + " joined as "
          + role.label() + " (join request approved)", ctx.ip());
    }
    ctx.redirect(membersUrl(g) + "?done=approved", HttpStatus.SEE_OTHER);
  }

  private void decline(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = requireGroup(ctx, groups, me, Role.Permission.MANAGE_MEMBERS,
        "decline join requests");
    JoinRequests.JoinRequest jr = takeRequest(ctx, g);
    audit.record(g.id(), me.username(), "JOIN_DECLINED", jr.username() + "'s request declined",
        ctx.ip());
    ctx.redirect(membersUrl(g) + "?done=declined", HttpStatus.SEE_OTHER);
  }

  private JoinRequests.JoinRequest takeRequest(Context ctx, Groups.Group g) {
    JoinRequests.JoinRequest jr = requests.take(g.id(), ctx.pathParam("requestId"));
    if (jr == null) {
      throw ApiException.notFound("JOIN_REQUEST_NOT_FOUND", "That join request is no longer"
          + " pending; another owner may have answered it.");
    }
    return jr;
  }

  private void joinPage(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = existingGroup(ctx.pathParam("groupId"));
    if (me.principal().role(g.id()) != null) {
      ctx.redirect("/groups/" + g.id(), HttpStatus.SEE_OTHER);
      return;
    }
    Map<String, Object> m = new HashMap<>();
    m.put("title", "Join " + g.name());
    m.put("group", Map.of("id", g.id(), "name", g.name()));
    m.put("pending", requests.hasPending(g.id(), me.id()));
    m.put("notice", NOTICES.getOrDefault(String.valueOf(ctx.queryParam("done")), null));
    pages.render(ctx, "members-join", m);
  }

  private void requestJoin(Context ctx, String groupId) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = existingGroup(groupId);
    if (me.principal().role(g.id()) != null) {
      ctx.redirect("/groups/" + g.id(), HttpStatus.SEE_OTHER);
      return;
    }
    if (requests.request(g.id(), me.id(), me.username())) {
      audit.record(g.id(), me.username(), "JOIN_REQUESTED", me.username() + " asked to join",
          ctx.ip());
    }
    ctx.redirect("/groups/" + g.id() + "/join?done=requested", HttpStatus.SEE_OTHER);
  }

  private Groups.Group existingGroup(String id) {
    Groups.Group g = groups.get(id);
    if (g == null) {
      throw ApiException.notFound("GROUP_NOT_FOUND", "No group with id '" + id + "' exists."
          + " A group id has 24 hexadecimal digits; ask the group's owner for it.");
    }
    return g;
  }

  private void invitationPage(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Invitations.Invitation inv = usable(invitations.find(ctx.pathParam("token")));
    Groups.Group g = existingGroup(inv.groupId());
    Map<String, Object> m = new HashMap<>();
    m.put("title", "Invitation to " + g.name());
    m.put("group", Map.of("id", g.id(), "name", g.name()));
    m.put("roleLabel", inv.role().label());
    m.put("invitedBy", inv.createdBy());
    m.put("expires", when(inv.expires()));
    m.put("token", ctx.pathParam("token"));
    Role current = me.principal().role(g.id());
    m.put("currentRole", current == null ? null : current.label());
    pages.render(ctx, "members-invitation", m);
  }

  private void accept(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    String token = ctx.pathParam("token");
    Invitations.Invitation inv = usable(invitations.find(token));
    Groups.Group g = existingGroup(inv.groupId());
    Role current = me.principal().role(g.id());
    if (current != null) {
      throw new ApiException(409, "ALREADY_A_MEMBER", "You are already a member of group "
          + g.name() + " (" + current.label() + "). The link was not used; pass it on to the"
          + " person it was meant for.");
    }
    Invitations.Invitation used = invitations.redeem(token, me.username());
    if (used == null) {
      usable(invitations.find(token));
      throw new ApiException(410, "INVITATION_USED", "This invitation link was just used.");
    }
    users.setRole(me.id(), g.id(), used.role());
    requests.cancel(g.id(), me.id());
    audit.record(g.id(), me.username(), "MEMBER_ADDED", me.username() + " joined as "
        + used.role().label() + " (invitation from " + used.createdBy() + ")", ctx.ip());
    ctx.redirect("/groups/" + g.id(), HttpStatus.SEE_OTHER);
  }

  /** {@code inv} when it can be redeemed now, else the error saying why not, in words. */
  private Invitations.Invitation usable(Invitations.Invitation inv) {
    switch (invitations.status(inv)) {
      case UNKNOWN -> throw ApiException.notFound("INVITATION_NOT_FOUND", "This invitation link"
          + " is not valid. Check that you copied the whole link, or ask the group owner for a"
          + " new one.");
      case USED -> throw new ApiException(410, "INVITATION_USED", "This invitation link was"
          + " already used. Each link works once; ask the group owner for a new one.");
      case EXPIRED -> throw new ApiException(410, "INVITATION_EXPIRED", "This invitation link"
          + " expired on " + inv.expires().toInstant() + ". Links work for "
          + Invitations.LIFETIME.toDays() + " days; ask the group owner for a new one.");
      default -> {
        return inv;
      }
    }
  }

  private static String membersUrl(Groups.Group g) {
    return "/groups/" + g.id() + "/members";
  }
}
