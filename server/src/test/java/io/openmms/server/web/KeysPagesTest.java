package io.openmms.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openmms.server.ApiClient;
import io.openmms.server.Samples;
import io.openmms.server.TestServer;
import io.openmms.server.auth.ApiKeys;
import io.openmms.server.auth.Role;
import io.openmms.server.web.RoleMatrixTest.Web;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys page and API: keys shown once, revocation effective at once, CSRF, read-only. */
class KeysPagesTest {
  @TempDir static Path dir;
  static TestServer ts;
  static String group;
  static Web owner;
  static Web reader;
  static ApiKeys.Created readerKey;
  static ApiKeys.Created ownerKey;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    group = ts.server.groups().create("Keys").id();
    String o = ts.server.users().create("olivia", "olivia-password", false);
    ts.server.users().setRole(o, group, Role.GROUP_OWNER);
    String r = ts.server.users().create("rita", "rita-password", false);
    ts.server.users().setRole(r, group, Role.GROUP_READ_ONLY);
    owner = Web.signIn(ts.url(), "olivia", "olivia-password");
    reader = Web.signIn(ts.url(), "rita", "rita-password");
    readerKey = ts.server.apiKeys().create("reader", false, Map.of(group, "GROUP_READ_ONLY"));
    ownerKey = ts.server.apiKeys().create("owner", false, Map.of(group, "GROUP_OWNER"));
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  private static String keys() {
    return "/groups/" + group + "/keys";
  }

  private static String field(String html, String id) {
    Matcher m = Pattern.compile("id=\"" + id + "\" readonly value=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).as("field " + id).isTrue();
    return m.group(1);
  }

  private static int ingest(String key) throws Exception {
    byte[] body = Samples.batch("agent-k", System.nanoTime(), List.of(Samples.member(
        "db1.example", 27017, System.currentTimeMillis(), "PRIMARY", 1, 3600)));
    return new ApiClient(ts.url()).postSamples(group, key, body, true).status();
  }

  private static HttpResponse<String> call(String method, String path, String json,
      ApiKeys.Created key) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ts.url()
            + "/api/public/v1.0/groups/" + group + path))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(json))
        .header("Content-Type", "application/json")
        .header("Authorization", ApiClient.basic(key.publicKey(), key.privateKey())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void agentKeyIsShownOnceWithTheAgentCommandAndRevokingItStopsIngestAtOnce() throws Exception {
    var created = owner.post(keys() + "/agent", Map.of("description", "rack 4 agent"));
    assertThat(created.status()).isEqualTo(201);
    String key = field(created.body(), "agent-key");
    assertThat(created.body()).contains("OPENMMS_AGENT_API_KEY=" + key + " ./openmms agent"
        + " --server " + ts.url() + " --group " + group + " --seed &lt;host:port of your MongoDB&gt;");
    assertThat(ingest(key)).isEqualTo(200);

    var list = owner.get(keys());
    assertThat(list.body()).contains("rack 4 agent").contains("…" + key.substring(44))
        .doesNotContain(key);
    Matcher m = Pattern.compile("/keys/agent/([0-9a-f]{24})/revoke").matcher(list.body());
    assertThat(m.find()).isTrue();
    var revoked = owner.post(keys() + "/agent/" + m.group(1) + "/revoke", Map.of());
    assertThat(revoked.status()).isEqualTo(303);
    assertThat(ingest(key)).isEqualTo(401);
    assertThat(owner.get(keys()).body()).doesNotContain("rack 4 agent");
  }

  @Test
  void agentKeyRevokedThroughTheApiStopsIngestAtOnce() throws Exception {
    var r = call("POST", "/agentapikeys", "{\"desc\": \"api-made\"}", ownerKey);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode k = JSON.readTree(r.body());
    String key = k.get("key").asText();
    assertThat(key).hasSize(48);
    assertThat(ingest(key)).isEqualTo(200);
    JsonNode list = JSON.readTree(call("GET", "/agentapikeys", null, readerKey).body());
    assertThat(list.toString()).contains("api-made").doesNotContain(key);
    var del = call("DELETE", "/agentapikeys/" + k.get("_id").asText(), null, ownerKey);
    assertThat(del.statusCode()).isEqualTo(204);
    assertThat(ingest(key)).isEqualTo(401);
    assertThat(call("DELETE", "/agentapikeys/" + k.get("_id").asText(), null, ownerKey)
        .statusCode()).isEqualTo(404);
  }

  @Test
  void apiKeyIsShownOnceWithACurlExampleAndRevokingItStopsTheApiAtOnce() throws Exception {
    var created = owner.post(keys() + "/api", Map.of("description", "nightly report",
        "role", "GROUP_READ_ONLY"));
    assertThat(created.status()).isEqualTo(201);
    String pub = field(created.body(), "public-key");
    String priv = field(created.body(), "private-key");
    assertThat(created.body()).contains("curl --digest -u " + pub + ":" + priv + " " + ts.url()
        + "/api/public/v1.0/groups/" + group + "/hosts");
    ApiClient api = new ApiClient(ts.url());
    String hosts = "/api/public/v1.0/groups/" + group + "/hosts";
    assertThat(api.getDigest(hosts, pub, priv).status()).isEqualTo(200);
    var page = owner.get(keys());
    assertThat(page.body()).contains(pub).contains("nightly report").doesNotContain(priv);

    Matcher m = Pattern.compile("/keys/api/([0-9a-f]{24})/revoke\"[^<]*\\s*<input[^>]*>\\s*"
        + "<button[^>]*API key " + pub).matcher(page.body());
    assertThat(m.find()).as(page.body()).isTrue();
    assertThat(owner.post(keys() + "/api/" + m.group(1) + "/revoke", Map.of()).status())
        .isEqualTo(303);
    assertThat(api.getDigest(hosts, pub, priv).status()).isEqualTo(401);
    assertThat(api.getBasic(hosts, pub, priv).status()).isEqualTo(401);
  }

  @Test
  void apiKeyCreatedThroughTheApiHasTheRoleAndThePrivateKeyOnlyInTheAnswer() throws Exception {
    var r = call("POST", "/apiKeys", "{\"desc\": \"ci\", \"roles\": [\"GROUP_MONITORING_ADMIN\"]}",
        ownerKey);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode k = JSON.readTree(r.body());
    String priv = k.get("privateKey").asText();
    assertThat(priv).matches("[0-9a-f-]{36}");
    assertThat(k.get("roles").get(0).get("roleName").asText()).isEqualTo("GROUP_MONITORING_ADMIN");
    String listed = call("GET", "/apiKeys", null, readerKey).body();
    assertThat(listed).contains(k.get("publicKey").asText()).doesNotContain(priv);
    // the new key may create agent keys (monitoring admin) but not API keys
    ApiKeys.Created made = new ApiKeys.Created(k.get("id").asText(), k.get("publicKey").asText(),
        priv);
    assertThat(call("POST", "/agentapikeys", "{\"desc\": \"by ci\"}", made).statusCode())
        .isEqualTo(201);
    assertThat(call("POST", "/apiKeys", "{\"desc\": \"x\", \"roles\": [\"GROUP_OWNER\"]}", made)
        .statusCode()).isEqualTo(403);
    assertThat(call("DELETE", "/apiKeys/" + made.id(), null, ownerKey).statusCode())
        .isEqualTo(204);
    assertThat(call("GET", "/agentapikeys", null, made).statusCode()).isEqualTo(401);
  }

  @Test
  void badApiBodiesAreRefusedInWords() throws Exception {
    var noDesc = call("POST", "/apiKeys", "{\"roles\": [\"GROUP_READ_ONLY\"]}", ownerKey);
    assertThat(noDesc.statusCode()).isEqualTo(400);
    assertThat(noDesc.body()).contains("desc");
    var badRole = call("POST", "/apiKeys", "{\"desc\": \"x\", \"roles\": [\"GROUP_KING\"]}",
        ownerKey);
    assertThat(badRole.statusCode()).isEqualTo(400);
    assertThat(badRole.body()).contains("GROUP_KING");
    assertThat(call("POST", "/agentapikeys", "not json", ownerKey).statusCode()).isEqualTo(400);
    assertThat(call("POST", "/agentapikeys", "{\"desc\": \"x\", \"key\": \"mine\"}", ownerKey)
        .statusCode()).isEqualTo(400);
  }

  @Test
  void aReadOnlyUserCannotCreateKeysInThePageOrThroughTheApi() throws Exception {
    int before = ts.server.agentKeys().list(group).size();
    int apiBefore = ts.server.apiKeys().list(group).size();
    var view = reader.get(keys());
    assertThat(view.status()).isEqualTo(200);
    assertThat(view.body()).doesNotContain("Create agent API key").doesNotContain("Create API key");
    var page = reader.post(keys() + "/agent", Map.of("description", "sneaky"));
    assertThat(page.status()).isEqualTo(403);
    assertThat(page.body()).contains("Read only").contains("create agent API keys");
    assertThat(reader.post(keys() + "/api", Map.of("description", "sneaky", "role",
        "GROUP_OWNER")).status()).isEqualTo(403);
    assertThat(call("POST", "/agentapikeys", "{\"desc\": \"sneaky\"}", readerKey).statusCode())
        .isEqualTo(403);
    assertThat(call("POST", "/apiKeys", "{\"desc\": \"sneaky\", \"roles\": [\"GROUP_OWNER\"]}",
        readerKey).statusCode()).isEqualTo(403);
    assertThat(reader.api("POST", "/api/public/v1.0/groups/" + group + "/apiKeys",
        "{\"desc\": \"sneaky\", \"roles\": [\"GROUP_OWNER\"]}", true).statusCode())
        .isEqualTo(403);
    assertThat(ts.server.agentKeys().list(group)).hasSize(before);
    assertThat(ts.server.apiKeys().list(group)).hasSize(apiBefore);
  }

  @Test
  void aPostWithoutTheCsrfTokenIsRefusedAndChangesNothing() throws Exception {
    int before = ts.server.agentKeys().list(group).size();
    String id = ts.server.agentKeys().create(group, "keep me", "test").stored().id();
    var noToken = owner.postRaw(keys() + "/agent", Map.of("description", "forged"));
    assertThat(noToken.status()).isEqualTo(403);
    assertThat(noToken.body()).contains("reload the page");
    var wrongToken = owner.postRaw(keys() + "/agent/" + id + "/revoke",
        Map.of("_csrf", "0".repeat(48)));
    assertThat(wrongToken.status()).isEqualTo(403);
    var api = owner.api("POST", "/api/public/v1.0/groups/" + group + "/agentapikeys",
        "{\"desc\": \"forged\"}", false);
    assertThat(api.statusCode()).isEqualTo(403);
    assertThat(api.body()).contains("CSRF_TOKEN_INVALID");
    assertThat(owner.api("DELETE", "/api/public/v1.0/groups/" + group + "/agentapikeys/" + id,
        null, false).statusCode()).isEqualTo(403);
    assertThat(ts.server.agentKeys().list(group)).hasSize(before + 1)
        .noneMatch(k -> k.description().equals("forged"));
  }

  @Test
  void theAuditLogNamesKeysButNeverHoldsASecret() throws Exception {
    var created = owner.post(keys() + "/agent", Map.of("description", "audited"));
    String key = field(created.body(), "agent-key");
    var api = owner.post(keys() + "/api", Map.of("description", "audited api", "role",
        "GROUP_READ_ONLY"));
    String priv = field(api.body(), "private-key");
    var log = ts.server.audit().list(group, 100);
    assertThat(log).anyMatch(e -> e.action().equals("AGENT_KEY_CREATED")
        && e.detail().contains("…" + key.substring(44)));
    assertThat(log).anyMatch(e -> e.action().equals("API_KEY_CREATED")
        && e.detail().contains(field(api.body(), "public-key")));
    assertThat(log).noneMatch(e -> e.detail().contains(key) || e.detail().contains(priv));
  }

  @Test
  void emptyKeysPageSaysWhatToDoNext() throws Exception {
    String empty = ts.server.groups().create("Empty").id();
    String u = ts.server.users().byName("olivia").id();
    ts.server.users().setRole(u, empty, Role.GROUP_OWNER);
    var page = owner.get("/groups/" + empty + "/keys");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("<title>Keys · Empty · openmms</title>")
        .contains("no agent API key").contains("Create one below")
        .contains("<label for=\"agent-description\">");
  }
}
