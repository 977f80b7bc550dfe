package io.openmms.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openmms.server.ApiClient;
import io.openmms.server.TestServer;
import io.openmms.server.auth.ApiKeys;
import io.openmms.server.auth.Role;
import io.openmms.server.store.Groups;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what in a group: each role (and a non-member) × each action on the members, keys
 * and audit resources, through the pages (session + CSRF form field), through the API with a
 * programmatic key of that role, and through the API with the session cookie + X-CSRF-Token.
 * The same permission must give the same answer on every path.
 */
class RoleMatrixTest {
  @TempDir static Path dir;
  static TestServer ts;
  static String group;
  static String targetUserId;
  static final Map<String, Actor> actors = new LinkedHashMap<>();

  /** Who acts: a signed-in browser session and a programmatic API key with the same role. */
  record Actor(String name, Role role, Web web, String publicKey, String privateKey) {}

  enum Action { VIEW_MEMBERS, CHANGE_ROLE, VIEW_KEYS, CREATE_AGENT_KEY, REVOKE_AGENT_KEY,
    CREATE_API_KEY, VIEW_AUDIT }

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    Groups.Group g = ts.server.groups().create("Matrix");
    Groups.Group other = ts.server.groups().create("Elsewhere");
    group = g.id();
    targetUserId = ts.server.users().create("target", "target-password-1", false);
    ts.server.users().setRole(targetUserId, group, Role.GROUP_READ_ONLY);
    for (Role r : Role.values()) {
      actors.put(r.name(), actor(r.name().toLowerCase().replace('_', '-'), r, group));
    }
    actors.put("NON_MEMBER", actor("outsider", null, other.id()));
  }

  private static Actor actor(String name, Role role, String groupId) throws Exception {
    String id = ts.server.users().create(name, "password-of-" + name, false);
    ts.server.users().setRole(id, groupId, role == null ? Role.GROUP_OWNER : role);
    ApiKeys.Created k = ts.server.apiKeys().create("key of " + name, false,
        Map.of(groupId, (role == null ? Role.GROUP_OWNER : role).name()));
    return new Actor(name, role, Web.signIn(ts.url(), name, "password-of-" + name),
        k.publicKey(), k.privateKey());
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  /** The expected answer, from the role definitions as the product specifies them. */
  static boolean allowed(Role role, Action a) {
    if (role == null) {
      return false;
    }
    boolean owner = role == Role.GROUP_OWNER;
    boolean admin = owner || role == Role.GROUP_MONITORING_ADMIN
        || role == Role.GROUP_BACKUP_ADMIN;
    return switch (a) {
      case VIEW_MEMBERS, VIEW_KEYS -> true;
      case CREATE_AGENT_KEY, REVOKE_AGENT_KEY -> admin;
      case CHANGE_ROLE, CREATE_API_KEY, VIEW_AUDIT -> owner;
    };
  }

  @Test
  void pagesAllowExactlyWhatTheRoleAllows() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Actor actor : actors.values()) {
      for (Action a : Action.values()) {
        int status = page(actor.web(), a);
        boolean ok = status == 200 || status == 201 || status == 303;
        if (ok != allowed(actor.role(), a) || (!ok && status != 403)) {
          wrong.add(actor.name() + " " + a + " -> " + status);
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void apiWithAProgrammaticKeyAllowsExactlyWhatTheRoleAllows() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Actor actor : actors.values()) {
      for (Action a : Action.values()) {
        HttpResponse<String> r = api(a, b -> b.header("Authorization",
            ApiClient.basic(actor.publicKey(), actor.privateKey())));
        check(wrong, actor, a, r);
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void apiWithTheSessionCookieAllowsExactlyWhatTheRoleAllows() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Actor actor : actors.values()) {
      for (Action a : Action.values()) {
        HttpResponse<String> r = actor.web().api(method(a), path(a), body(a), true);
        check(wrong, actor, a, r);
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void readKeysWithDigestAuthToo() throws Exception {
    Actor ro = actors.get("GROUP_READ_ONLY");
    var r = new ApiClient(ts.url()).getDigest("/api/public/v1.0/groups/" + group
        + "/agentapikeys", ro.publicKey(), ro.privateKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().isArray()).isTrue();
  }

  @Test
  void forbiddenAnswersSayWhyInJsonLikeOpsManager() throws Exception {
    Actor ro = actors.get("GROUP_READ_ONLY");
    HttpResponse<String> r = api(Action.CREATE_API_KEY, b -> b.header("Authorization",
        ApiClient.basic(ro.publicKey(), ro.privateKey())));
    JsonNode j = new ObjectMapper().readTree(r.body());
    assertThat(j.get("error").asInt()).isEqualTo(403);
    assertThat(j.get("errorCode").asText()).isEqualTo("USER_UNAUTHORIZED");
    assertThat(j.get("detail").asText()).contains("GROUP_READ_ONLY").contains("creating API keys");
    Actor out = actors.get("NON_MEMBER");
    r = api(Action.VIEW_KEYS, b -> b.header("Authorization",
        ApiClient.basic(out.publicKey(), out.privateKey())));
    assertThat(new ObjectMapper().readTree(r.body()).get("errorCode").asText())
        .isEqualTo("USER_CANNOT_ACCESS_GROUP");
  }

  private static void check(List<String> wrong, Actor actor, Action a, HttpResponse<String> r) {
    boolean ok = r.statusCode() / 100 == 2;
    if (ok != allowed(actor.role(), a) || (!ok && r.statusCode() != 403)) {
      wrong.add(actor.name() + " " + a + " -> " + r.statusCode() + " " + r.body());
    }
  }

  private static int page(Web web, Action a) throws Exception {
    String g = "/groups/" + group;
    return switch (a) {
      case VIEW_MEMBERS -> web.get(g + "/members").status();
      case CHANGE_ROLE -> web.post(g + "/members/" + targetUserId + "/role",
          Map.of("role", nextTargetRole().name())).status();
      case VIEW_KEYS -> web.get(g + "/keys").status();
      case CREATE_AGENT_KEY -> web.post(g + "/keys/agent", Map.of("description", "matrix"))
          .status();
      case REVOKE_AGENT_KEY -> web.post(g + "/keys/agent/" + freshAgentKey() + "/revoke",
          Map.of()).status();
      case CREATE_API_KEY -> web.post(g + "/keys/api", Map.of("description", "matrix",
          "role", "GROUP_READ_ONLY")).status();
      case VIEW_AUDIT -> web.get(g + "/audit").status();
    };
  }

  /** Alternates the target's role so that every allowed change really changes something. */
  private static Role nextTargetRole() {
    String now = ts.server.users().get(targetUserId).groups().get(group);
    return Role.GROUP_READ_ONLY.name().equals(now) ? Role.GROUP_MONITORING_ADMIN
        : Role.GROUP_READ_ONLY;
  }

  private static String freshAgentKey() {
    return ts.server.agentKeys().create(group, "to revoke", "test").stored().id();
  }

  private static String method(Action a) {
    return switch (a) {
      case CHANGE_ROLE -> "PUT";
      case CREATE_AGENT_KEY, CREATE_API_KEY -> "POST";
      case REVOKE_AGENT_KEY -> "DELETE";
      default -> "GET";
    };
  }

  private static String path(Action a) {
    String g = "/api/public/v1.0/groups/" + group;
    return switch (a) {
      case VIEW_MEMBERS -> g + "/users";
      case CHANGE_ROLE -> g + "/users/" + targetUserId + "/roles";
      case VIEW_KEYS -> g + "/agentapikeys";
      case CREATE_AGENT_KEY -> g + "/agentapikeys";
      case REVOKE_AGENT_KEY -> g + "/agentapikeys/" + freshAgentKey();
      case CREATE_API_KEY -> g + "/apiKeys";
      case VIEW_AUDIT -> g + "/events";
    };
  }

  private static String body(Action a) {
    return switch (a) {
      case CHANGE_ROLE -> "{\"roles\": [\"" + nextTargetRole().name() + "\"]}";
      case CREATE_AGENT_KEY -> "{\"desc\": \"matrix\"}";
      case CREATE_API_KEY -> "{\"desc\": \"matrix\", \"roles\": [\"GROUP_READ_ONLY\"]}";
      default -> null;
    };
  }

  private static HttpResponse<String> api(Action a,
      java.util.function.UnaryOperator<HttpRequest.Builder> auth) throws Exception {
    String b = body(a);
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(ts.url() + path(a)))
        .method(method(a), b == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(b))
        .header("Content-Type", "application/json");
    return HttpClient.newHttpClient().send(auth.apply(req).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A browser stand-in for page tests: keeps cookies, does not follow redirects, and remembers
   * the CSRF token from the last page's hidden {@code _csrf} field.
   */
  static final class Web {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([0-9a-f]+)\"");
    final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    final HttpClient http;
    final String base;
    String csrf;

    Web(String base) {
      this.base = base;
      this.http = HttpClient.newBuilder().cookieHandler(cookies)
          .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    record Page(int status, String body, String location) {}

    static Web signIn(String base, String user, String password) throws Exception {
      Web w = new Web(base);
      w.get("/login");
      Page p = w.post("/login", Map.of("username", user, "password", password));
      assertThat(p.status()).as("sign-in of " + user + ": " + p.body()).isEqualTo(303);
      w.get("/groups");
      return w;
    }

    Page get(String path) throws Exception {
      return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Page post(String path, Map<String, String> form) throws Exception {
      Map<String, String> f = new LinkedHashMap<>(form);
      f.put("_csrf", csrf);
      return postRaw(path, f);
    }

    /** A form post exactly as given: no CSRF field unless the caller adds one. */
    Page postRaw(String path, Map<String, String> form) throws Exception {
      String body = form.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
          .collect(Collectors.joining("&"));
      return send(HttpRequest.newBuilder(URI.create(base + path))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A public-API call with this session's cookie (and its CSRF token when asked). */
    HttpResponse<String> api(String method, String path, String json, boolean withCsrf)
        throws Exception {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
          .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(json))
          .header("Content-Type", "application/json");
      if (withCsrf) {
        b.header("X-CSRF-Token", csrf);
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String sessionCookie() {
      return cookies.getCookieStore().getCookies().stream()
          .filter(c -> c.getName().equals("openmms_session")).map(HttpCookie::getValue)
          .findFirst().orElse(null);
    }

    private Page send(HttpRequest.Builder b) throws Exception {
      HttpResponse<String> r = http.send(b.header("Accept", "text/html").build(),
          HttpResponse.BodyHandlers.ofString());
      Matcher m = CSRF.matcher(r.body());
      if (m.find()) {
        csrf = m.group(1);
      }
      return new Page(r.statusCode(), r.body(), r.headers().firstValue("Location").orElse(null));
    }

    private static String enc(String s) {
      return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }
  }
}
