package io.openmms.server.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.openmms.server.api.KeysApi;
import io.openmms.server.api.PublicApi;
import io.openmms.server.audit.AuditLog;
import io.openmms.server.auth.AgentKeys;
import io.openmms.server.auth.ApiKeys;
import io.openmms.server.auth.Role;
import io.openmms.server.http.ApiException;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Users;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A group's keys page ({@code /groups/{g}/keys}): agent API keys (what agents authenticate with)
 * and programmatic API keys with a role in the group. Everyone with READ sees the lists (masked);
 * agent keys need MANAGE_AGENT_KEYS, programmatic keys MANAGE_API_KEYS. A new key is shown once,
 * in the response to the form that created it, with a command that uses it; the audit log records
 * the key's hint, never the key.
 */
final class KeyPages {
  private static final Map<String, String> NOTICES = Map.of(
      "agent-revoked", "The agent API key was revoked. Agents using it are refused from now on.",
      "api-revoked", "The API key was revoked. Requests made with it are refused from now on.");

  private final Pages pages;
  private final Groups groups;
  private final AgentKeys agentKeys;
  private final ApiKeys apiKeys;
  private final AuditLog audit;
  private final Supplier<String> publicUrl;

  KeyPages(Pages pages, Groups groups, AgentKeys agentKeys, ApiKeys apiKeys, AuditLog audit,
      Supplier<String> publicUrl) {
    this.pages = pages;
    this.groups = groups;
    this.agentKeys = agentKeys;
    this.apiKeys = apiKeys;
    this.audit = audit;
    this.publicUrl = publicUrl;
  }

  void register(JavalinConfig config) {
    var r = config.routes;
    r.get("/groups/{groupId}/keys", ctx -> view(ctx, null, 200, null));
    r.post("/groups/{groupId}/keys/agent", this::createAgentKey);
    r.post("/groups/{groupId}/keys/agent/{keyId}/revoke", this::revokeAgentKey);
    r.post("/groups/{groupId}/keys/api", this::createApiKey);
    r.post("/groups/{groupId}/keys/api/{keyId}/revoke", this::revokeApiKey);
  }

  private void view(Context ctx, String error, int status, Map<String, Object> extra) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.READ,
        "see its keys");
    Map<String, Object> m = MemberPages.groupModel(g, me, "keys", "Keys");
    List<Map<String, Object>> agent = new ArrayList<>();
    for (AgentKeys.Key k : agentKeys.list(g.id())) {
      Map<String, Object> row = new HashMap<>();
      row.put("id", k.id());
      row.put("description", k.description());
      row.put("created", MemberPages.when(k.created()));
      row.put("hint", "…" + (k.hint() == null ? "????" : k.hint()));
      row.put("createdBy", k.createdBy());
      agent.add(row);
    }
    List<Map<String, Object>> api = new ArrayList<>();
    for (ApiKeys.Key k : apiKeys.list(g.id())) {
      Map<String, Object> row = new HashMap<>();
      row.put("id", k.id());
      row.put("publicKey", k.publicKey());
      row.put("description", k.description());
      row.put("privateKeyHint", k.privateKeyHint());
      Role role = k.role(g.id());
      row.put("roleLabel", k.globalOwner() ? "Global owner" : role == null ? "?" : role.label());
      row.put("created", MemberPages.when(k.created()));
      row.put("revocable", !k.globalOwner() || me.globalOwner());
      api.add(row);
    }
    m.put("agentKeys", agent);
    m.put("apiKeys", api);
    m.put("canAgent", me.principal().can(g.id(), Role.Permission.MANAGE_AGENT_KEYS));
    m.put("canApi", me.principal().can(g.id(), Role.Permission.MANAGE_API_KEYS));
    m.put("roles", MemberPages.roleOptions());
    m.put("publicUrl", publicUrl.get());
    m.put("error", error);
    m.put("notice", NOTICES.getOrDefault(String.valueOf(ctx.queryParam("done")), null));
    if (extra != null) {
      m.putAll(extra);
    }
    ctx.status(status);
    pages.render(ctx, "keys", m);
  }

  private void createAgentKey(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.MANAGE_AGENT_KEYS,
        "create agent API keys");
    String desc;
    try {
      desc = KeysApi.description(ctx.formParam("description"));
    } catch (ApiException e) {
      view(ctx, e.getMessage(), 400, null);
      return;
    }
    AgentKeys.Created c = agentKeys.create(g.id(), desc, me.username());
    audit.record(g.id(), me.username(), "AGENT_KEY_CREATED", "agent API key …"
        + c.stored().hint() + " (" + desc + ")", ctx.ip());
    String command = "OPENMMS_AGENT_API_KEY=" + c.key() + " ./openmms agent --server "
        + publicUrl.get() + " --group " + g.id() + " --seed <host:port of your MongoDB>";
    ctx.header("Cache-Control", "no-store");
    view(ctx, null, 201, Map.of("newAgentKey", c.key(), "agentCommand", command));
  }

  private void revokeAgentKey(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.MANAGE_AGENT_KEYS,
        "revoke agent API keys");
    AgentKeys.Key k = agentKeys.get(g.id(), ctx.pathParam("keyId"));
    if (k == null || !agentKeys.revoke(g.id(), k.id())) {
      throw ApiException.notFound("AGENT_API_KEY_NOT_FOUND", "Group " + g.name()
          + " has no agent API key with that id; it may have been revoked already.");
    }
    audit.record(g.id(), me.username(), "AGENT_KEY_REVOKED", "agent API key …" + k.hint()
        + " (" + k.description() + ")", ctx.ip());
    ctx.redirect("/groups/" + g.id() + "/keys?done=agent-revoked", HttpStatus.SEE_OTHER);
  }

  private void createApiKey(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.MANAGE_API_KEYS,
        "create programmatic API keys");
    String desc;
    Role role;
    try {
      desc = KeysApi.description(ctx.formParam("description"));
      role = MemberPages.parseRole(ctx.formParam("role"));
    } catch (ApiException e) {
      view(ctx, e.getMessage(), 400, null);
      return;
    }
    ApiKeys.Created c = apiKeys.create(desc, false, Map.of(g.id(), role.name()), me.username());
    audit.record(g.id(), me.username(), "API_KEY_CREATED", "API key " + c.publicKey() + " ("
        + role.label() + ", " + desc + ")", ctx.ip());
    String curl = "curl --digest -u " + c.publicKey() + ":" + c.privateKey() + " "
        + publicUrl.get() + PublicApi.BASE + "/groups/" + g.id() + "/hosts";
    ctx.header("Cache-Control", "no-store");
    view(ctx, null, 201, Map.of("newPublicKey", c.publicKey(), "newPrivateKey", c.privateKey(),
        "newApiRole", role.label(), "curlCommand", curl));
  }

  private void revokeApiKey(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.MANAGE_API_KEYS,
        "revoke programmatic API keys");
    ApiKeys.Key k = apiKeys.get(g.id(), ctx.pathParam("keyId"));
    if (k == null) {
      throw ApiException.notFound("API_KEY_NOT_FOUND", "Group " + g.name()
          + " has no API key with that id; it may have been revoked already.");
    }
    if (k.globalOwner() && !me.globalOwner()) {
      throw new ApiException(403, "USER_UNAUTHORIZED", "API key " + k.publicKey() + " belongs to"
          + " the installation's owner; only a global owner can revoke it.");
    }
    if (!apiKeys.revoke(g.id(), k.id())) {
      throw ApiException.notFound("API_KEY_NOT_FOUND", "API key " + k.publicKey()
          + " was revoked meanwhile.");
    }
    audit.record(g.id(), me.username(), "API_KEY_REVOKED", "API key " + k.publicKey() + " ("
        + k.description() + ")", ctx.ip());
    ctx.redirect("/groups/" + g.id() + "/keys?done=api-revoked", HttpStatus.SEE_OTHER);
  }
}
