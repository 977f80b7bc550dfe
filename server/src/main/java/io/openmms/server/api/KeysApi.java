package io.openmms.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.util.Json;
import io.openmms.server.audit.AuditLog;
import io.openmms.server.auth.AgentKeys;
import io.openmms.server.auth.ApiKeys;
import io.openmms.server.auth.Principal;
import io.openmms.server.auth.Role;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Bodies;
import io.openmms.server.http.Links;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Users;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A group's access control in the public API, with Ops Manager's resource names and shapes: its
 * keys, its members' roles and its audit events.
 *
 * <ul>
 *   <li>{@code GET/POST /groups/{g}/agentapikeys}, {@code DELETE .../agentapikeys/{id}}: agent API
 *       keys (MANAGE_AGENT_KEYS to create or revoke). A list is a plain JSON array, as in Ops
 *       Manager; the key is whole only in the POST response, masked elsewhere.
 *   <li>{@code GET/POST /groups/{g}/apiKeys}, {@code DELETE .../apiKeys/{id}}: programmatic keys
 *       with a role in the group (MANAGE_API_KEYS to create or revoke). POST takes
 *       {@code {"desc": "...", "roles": ["GROUP_READ_ONLY"]}}; the private key is only in its
 *       response.
 *   <li>{@code GET /groups/{g}/users} (READ) and {@code PUT /groups/{g}/users/{id}/roles} with
 *       {@code {"roles": ["GROUP_READ_ONLY"]}} (MANAGE_MEMBERS; never demotes the last owner).
 *   <li>{@code GET /groups/{g}/events}: the group's audit log (VIEW_AUDIT), newest first.
 * </ul>
 *
 * Authentication is {@link PublicApi}'s (it runs first for every path under
 * {@link PublicApi#BASE}); the permission checks are the web pages' ({@link Role.Permission}).
 */
public final class KeysApi {
  private static final long MAX_BODY = 64 * 1024;
  static final int MAX_DESCRIPTION = 250;

  private final Groups groups;
  private final Users users;
  private final AgentKeys agentKeys;
  private final ApiKeys apiKeys;
  private final AuditLog audit;

  public KeysApi(Groups groups, Users users, AgentKeys agentKeys, ApiKeys apiKeys,
      AuditLog audit) {
    this.groups = groups;
    this.users = users;
    this.agentKeys = agentKeys;
    this.apiKeys = apiKeys;
    this.audit = audit;
  }

  public void register(JavalinConfig config) {
    var r = config.routes;
    String g = PublicApi.BASE + "/groups/{groupId}";
    r.get(g + "/agentapikeys", this::listAgentKeys);
    r.post(g + "/agentapikeys", this::createAgentKey);
    r.delete(g + "/agentapikeys/{keyId}", this::revokeAgentKey);
    r.get(g + "/apiKeys", this::listApiKeys);
    r.post(g + "/apiKeys", this::createApiKey);
    r.delete(g + "/apiKeys/{keyId}", this::revokeApiKey);
    r.get(g + "/users", this::listUsers);
    r.put(g + "/users/{userId}/roles", this::setRole);
    r.get(g + "/events", this::events);
  }

  /** True when {@code u} is the group's only owner (global owners aside). */
  public static boolean lastOwner(Users users, String groupId, Users.User u) {
    if (Role.parse(u.groups().get(groupId)) != Role.GROUP_OWNER) {
      return false;
    }
    return users.members(groupId).stream()
        .filter(x -> Role.GROUP_OWNER.name().equals(x.groups().get(groupId))).count() <= 1;
  }

  /** A key description, trimmed, or 400 naming the field. */
  public static String description(String value) {
    String d = value == null ? "" : value.trim();
    if (d.isEmpty() || d.length() > MAX_DESCRIPTION) {
      throw ApiException.badRequest("INVALID_ATTRIBUTE", "A key needs a description (desc) of 1"
          + " to " + MAX_DESCRIPTION + " characters, such as where it is used; was "
          + (d.isEmpty() ? "empty" : d.length() + " characters") + ".");
    }
    return d;
  }

  private Groups.Group group(Context ctx, Role.Permission p, String what) {
    return GroupAccess.require(ctx, groups, p, what);
  }

  private static Principal principal(Context ctx) {
    return ctx.attribute(PublicApi.PRINCIPAL);
  }

  private void listAgentKeys(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.READ, "reading agent API keys");
    List<Object> out = new ArrayList<>();
    for (AgentKeys.Key k : agentKeys.list(g.id())) {
      out.add(agentKeyJson(k, k.masked()));
    }
    ctx.json(out);
  }

  private void createAgentKey(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.MANAGE_AGENT_KEYS, "creating agent API keys");
    JsonNode body = body(ctx, Set.of("desc"));
    String desc = description(text(body, "desc"));
    Principal p = principal(ctx);
    AgentKeys.Created c = agentKeys.create(g.id(), desc, p.name());
    audit.record(g.id(), p.name(), "AGENT_KEY_CREATED", "agent API key …" + c.stored().hint()
        + " (" + desc + ")", ctx.ip());
    ctx.status(201).json(agentKeyJson(c.stored(), c.key()));
  }

  private void revokeAgentKey(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.MANAGE_AGENT_KEYS, "revoking agent API keys");
    AgentKeys.Key k = agentKeys.get(g.id(), ctx.pathParam("keyId"));
    if (k == null || !agentKeys.revoke(g.id(), k.id())) {
      throw ApiException.notFound("AGENT_API_KEY_NOT_FOUND", "No agent API key with id "
          + ctx.pathParam("keyId") + " in group " + g.id());
    }
    Principal p = principal(ctx);
    audit.record(g.id(), p.name(), "AGENT_KEY_REVOKED", "agent API key …" + k.hint() + " ("
        + k.description() + ")", ctx.ip());
    ctx.status(204);
  }

  private static Map<String, Object> agentKeyJson(AgentKeys.Key k, String key) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("_id", k.id());
    out.put("desc", k.description());
    out.put("key", key);
    out.put("createdBy", k.createdBy());
    out.put("createdTime", k.created() == null ? null : k.created().getTime());
    return out;
  }

  private void listApiKeys(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.READ, "reading API keys");
    List<Object> out = new ArrayList<>();
    for (ApiKeys.Key k : apiKeys.list(g.id())) {
      out.add(apiKeyJson(k.id(), k.description(), k.publicKey(), k.privateKeyHint(),
          k.groupRoles()));
    }
    ctx.json(page(g, "/apiKeys", out));
  }

  private void createApiKey(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.MANAGE_API_KEYS, "creating API keys");
    JsonNode body = body(ctx, Set.of("desc", "roles"));
    String desc = description(text(body, "desc"));
    Role role = role(body.get("roles"));
    Principal p = principal(ctx);
    ApiKeys.Created c = apiKeys.create(desc, false, Map.of(g.id(), role.name()), p.name());
    audit.record(g.id(), p.name(), "API_KEY_CREATED", "API key " + c.publicKey() + " ("
        + role.label() + ", " + desc + ")", ctx.ip());
    ctx.status(201).json(apiKeyJson(c.id(), desc, c.publicKey(), c.privateKey(),
        Map.of(g.id(), role.name())));
  }

  private void revokeApiKey(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.MANAGE_API_KEYS, "revoking API keys");
    ApiKeys.Key k = apiKeys.get(g.id(), ctx.pathParam("keyId"));
    if (k == null) {
      throw ApiException.notFound("API_KEY_NOT_FOUND", "No API key with id "
          + ctx.pathParam("keyId") + " has a role in group " + g.id());
    }
    Principal p = principal(ctx);
    if (k.globalOwner() && !p.globalOwner()) {
      throw new ApiException(403, "USER_UNAUTHORIZED", "API key " + k.publicKey()
          + " is a global owner's; only a global owner can revoke it");
    }
    if (!apiKeys.revoke(g.id(), k.id())) {
      throw ApiException.notFound("API_KEY_NOT_FOUND", "API key " + k.publicKey()
          + " was revoked meanwhile");
    }
    audit.record(g.id(), p.name(), "API_KEY_REVOKED", "API key " + k.publicKey() + " ("
        + k.description() + ")", ctx.ip());
    ctx.status(204);
  }

  private static Map<String, Object> apiKeyJson(String id, String desc, String publicKey,
      String privateKey, Map<String, String> groupRoles) {
    List<Object> roles = new ArrayList<>();
    groupRoles.forEach((gid, role) -> roles.add(Map.of("groupId", gid, "roleName", role)));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("desc", desc);
    out.put("publicKey", publicKey);
    out.put("privateKey", privateKey);
    out.put("roles", roles);
    out.put("links", Links.self(PublicApi.BASE + "/orgs/-/apiKeys/" + id));
    return out;
  }

  private void listUsers(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.READ, "reading the group's users");
    List<Object> out = new ArrayList<>();
    for (Users.User u : users.members(g.id())) {
      out.add(userJson(g.id(), u, u.groups().get(g.id())));
    }
    ctx.json(page(g, "/users", out));
  }

  private void setRole(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.MANAGE_MEMBERS, "changing users' roles");
    Users.User u = users.get(ctx.pathParam("userId"));
    if (u == null || !u.groups().containsKey(g.id())) {
      throw ApiException.notFound("USER_NOT_IN_GROUP", "No user with id "
          + ctx.pathParam("userId") + " is a member of group " + g.id());
    }
    Role to = role(body(ctx, Set.of("roles")).get("roles"));
    Role from = Role.parse(u.groups().get(g.id()));
    if (to != from) {
      if (lastOwner(users, g.id(), u)) {
        throw new ApiException(409, "CANNOT_DEMOTE_LAST_OWNER", "User " + u.username()
            + " is the only owner of group " + g.id() + "; make another member an owner first");
      }
      users.setRole(u.id(), g.id(), to);
      audit.record(g.id(), principal(ctx).name(), "ROLE_CHANGED", u.username() + ": "
          + (from == null ? "?" : from.label()) + " → " + to.label(), ctx.ip());
    }
    ctx.json(userJson(g.id(), u, to.name()));
  }

  private static Map<String, Object> userJson(String groupId, Users.User u, String role) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", u.id());
    out.put("username", u.username());
    out.put("roles", List.of(Map.of("groupId", groupId, "roleName", role)));
    out.put("links", Links.self(PublicApi.BASE + "/groups/" + groupId + "/users/" + u.id()));
    return out;
  }

  private void events(Context ctx) {
    Groups.Group g = group(ctx, Role.Permission.VIEW_AUDIT, "reading the audit log");
    List<Object> out = new ArrayList<>();
    for (AuditLog.Entry e : audit.list(g.id(), 500)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("created", Links.iso(e.at().toInstant()));
      m.put("eventTypeName", e.action());
      m.put("groupId", e.groupId());
      m.put("username", e.actor());
      m.put("remoteAddress", e.address());
      m.put("detail", e.detail());
      out.add(m);
    }
    ctx.json(page(g, "/events", out));
  }

  private static Map<String, Object> page(Groups.Group g, String path, List<?> all) {
    return Links.page(PublicApi.BASE + "/groups/" + g.id() + path, all, 1,
        Math.max(1, all.size()));
  }

  /** The one group role in {@code roles}: an array of role names or {@code {"roleName"}}. */
  private static Role role(JsonNode roles) {
    if (roles == null || !roles.isArray() || roles.isEmpty()) {
      throw ApiException.badRequest("INVALID_ATTRIBUTE", "roles must be an array with one role"
          + " such as [\"GROUP_READ_ONLY\"]");
    }
    Set<Role> found = new LinkedHashSet<>();
    for (JsonNode n : roles) {
      String name = n.isTextual() ? n.asText() : n.path("roleName").asText(null);
      Role r = Role.parse(name);
      if (r == null) {
        throw ApiException.badRequest("INVALID_ROLE", "Unknown group role " + n + "; use one of"
            + " GROUP_OWNER, GROUP_MONITORING_ADMIN, GROUP_BACKUP_ADMIN, GROUP_READ_ONLY");
      }
      found.add(r);
    }
    if (found.size() > 1) {
      throw ApiException.badRequest("INVALID_ROLE", "A key has one role per group in openmms;"
          + " roles named " + found.size() + ": " + found);
    }
    return found.iterator().next();
  }

  private static JsonNode body(Context ctx, Set<String> allowed) {
    byte[] raw = Bodies.read(ctx.bodyInputStream(), ctx.header("Content-Encoding"), MAX_BODY,
        MAX_BODY);
    JsonNode n;
    try {
      n = Json.mapper().readTree(raw);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("INVALID_JSON", "The body is not valid JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("INVALID_JSON", "Could not read the body: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw ApiException.badRequest("INVALID_JSON", "The body must be a JSON object");
    }
    n.fieldNames().forEachRemaining(f -> {
      if (!allowed.contains(f)) {
        throw ApiException.badRequest("INVALID_ATTRIBUTE", "Unknown attribute '" + f
            + "'; allowed: " + allowed);
      }
    });
    return n;
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v != null && !v.isNull() && !v.isTextual()) {
      throw ApiException.badRequest("INVALID_ATTRIBUTE", field + " must be a string");
    }
    return v == null || v.isNull() ? null : v.asText();
  }
}
