package io.openmms.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openmms.common.wire.HostSample;
import io.openmms.server.ApiClient;
import io.openmms.server.Samples;
import io.openmms.server.TestServer;
import io.openmms.server.monitoring.Ids;
import java.net.CookieManager;
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
 * The monitoring pages over HTTP, as a signed-in browser sees them (without running scripts): a
 * group with a replica set (one member down), a sharded cluster and a standalone host; a group
 * with no data; and a user with no role in either group.
 */
class DashboardPagesTest {
  @TempDir static Path dir;
  static TestServer ts;
  static Browser owner;
  static Browser outsider;
  static String group;
  static String emptyGroup;

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    owner = Browser.signUp(ts.url(), "alice");
    outsider = Browser.signUp(ts.url(), "mallory");
    group = owner.createGroup("Production");
    emptyGroup = owner.createGroup("Staging");
    String key = ts.server.agentKeys().create(group, "x");
    long t0 = System.currentTimeMillis() - 50_000;
    List<HostSample> s = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      long t = t0 + i * 10_000L;
      s.add(gauges(Samples.member("db1.example", 27017, t, "PRIMARY", 1000 + i * 100L,
          3600 + i * 10L), Map.of("OPLOG_MASTER_TIME", 26.5)));
      s.add(gauges(Samples.member("db2.example", 27017, t, "SECONDARY", 500, 3600 + i * 10L),
          Map.of("OPLOG_SLAVE_LAG_MASTER_TIME", 2.0, "OPLOG_MASTER_TIME", 20.0)));
      s.add(i == 0 ? Samples.member("db3.example", 27017, t, "SECONDARY", 500, 3600)
          : Samples.down("db3.example", 27017, t));
      s.add(sharded("sh0a.example", t, "PRIMARY", "sh0", "c1-sh0", false));
      s.add(sharded("cfg1.example", t, "PRIMARY", null, "c1-cfg", true));
      s.add(sharded("mongos1.example", t, "MONGOS", null, null, false));
      s.add(new HostSample("solo.example", 27017, t, false, null, "STANDALONE", null, null, false,
          null, "6.0.3", 100L + i, Map.of(), Map.of("CONNECTIONS", 3.0), null));
    }
    var r = new ApiClient(ts.url()).postSamples(group, key, Samples.batch("agent-1", 1, s), true);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  @Test
  void deploymentListsTheClustersAndHostsAndHighlightsTheDownHost() throws Exception {
    var page = owner.get("/groups/" + group);
    assertThat(page.statusCode()).isEqualTo(200);
    String html = page.body();
    assertThat(html).contains("<title>Production · Deployment · openmms</title>")
        .contains("Replica set <a href=\"/groups/" + group + "/clusters/"
            + Ids.cluster(group, "REPLICA_SET", "rs0") + "\">rs0</a>")
        .contains("href=\"/groups/" + group + "/hosts/" + host("db1.example") + "\">db1.example:27017")
        .contains("<span class=\"badge up\">PRIMARY</span>")
        .contains("<span class=\"badge up\">SECONDARY</span>")
        .contains("7.0.14").containsPattern("<time datetime=\"[0-9T:-]+Z\" title=\"[0-9T:-]+Z\">\\d+ s ago</time>")
        .contains("Sharded cluster <a href=\"/groups/" + group + "/clusters/"
            + Ids.cluster(group, "SHARDED_REPLICA_SET", "c1") + "\">c1</a>")
        .contains("sh0a.example:27017").contains("cfg1.example:27017")
        .contains("mongos1.example:27017").contains("Standalone hosts").contains("solo.example:27017")
        .contains("<span class=\"badge down\">1 down</span>");
    Matcher down = Pattern.compile("<tr class=\"down\">(.*?)</tr>", Pattern.DOTALL).matcher(html);
    List<String> downRows = new ArrayList<>();
    while (down.find()) {
      downRows.add(down.group(1));
    }
    assertThat(downRows).hasSize(1);
    assertThat(downRows.get(0)).contains("db3.example:27017").contains("DOWN")
        .contains("connection refused");
    assertThat(html).contains("href=\"/groups/" + group + "/keys\"")
        .contains("href=\"/groups/" + group + "/members\"")
        .contains("href=\"/groups/" + group + "/audit\"")
        .contains("href=\"/groups/" + group + "\" aria-current=\"page\">Deployment");
  }

  @Test
  void aGroupWithoutDataExplainsHowToStartAnAgent() throws Exception {
    var page = owner.get("/groups/" + emptyGroup);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("No agent has reported yet")
        .contains("<a href=\"/groups/" + emptyGroup + "/keys\">Keys page</a>")
        .contains("./openmms agent --seed").contains("--group " + emptyGroup)
        .doesNotContain("<table");
  }

  @Test
  void hostPageHasTheChartsAndTheRangeSelector() throws Exception {
    var page = owner.get("/groups/" + group + "/hosts/" + host("db2.example"));
    assertThat(page.statusCode()).isEqualTo(200);
    String html = page.body();
    assertThat(html).contains("<title>db2.example:27017 · Production · openmms</title>")
        .contains("<h1>db2.example:27017");
    for (String id : List.of("opcounters", "connections", "memory", "network", "pagefaults",
        "queues", "cursors", "cache", "replag", "oplog")) {
      assertThat(html).containsPattern("<canvas id=\"" + id + "\" role=\"img\" aria-label=\"[^\"]+\">");
    }
    for (String r : List.of("1h", "6h", "24h", "7d", "30d")) {
      assertThat(html).contains("<a href=\"?range=" + r + "\"");
    }
    assertThat(html).contains("<a href=\"?range=1h\" aria-current=\"true\"")
        .contains("data-granularity=\"PT1M\"").contains("data-period=\"PT1H\"")
        .contains("No data in the last 1 hour.")
        .contains("<script src=\"" + Pages.CHART_JS + "\"></script>")
        .contains("<script src=\"/static/charts.js\"></script>");
    assertThat(html).as("no inline script").doesNotContainPattern("<script(?![^>]*src=)[^>]*>");
    String series = unescape(attr(html, "data-series"));
    JsonNode first = new ObjectMapper().readTree(series);
    assertThat(first.get(0).get("host").asText()).isEqualTo(host("db2.example"));
    assertThat(first.get(0).get("metric").asText()).isEqualTo("OPCOUNTER_INSERT");
    assertThat(first).hasSize(6);

    String week = owner.get("/groups/" + group + "/hosts/" + host("db2.example") + "?range=7d")
        .body();
    assertThat(week).contains("<a href=\"?range=7d\" aria-current=\"true\"")
        .contains("data-granularity=\"PT1H\"").contains("data-period=\"PT168H\"");
    assertThat(owner.get(Pages.CHART_JS).statusCode()).isEqualTo(200);
    assertThat(owner.get("/static/charts.js").body()).contains("data-dashboard");
  }

  @Test
  void standaloneHostPageHasNoReplicationCharts() throws Exception {
    String html = owner.get("/groups/" + group + "/hosts/" + host("solo.example")).body();
    assertThat(html).contains("<canvas id=\"connections\"").doesNotContain("<canvas id=\"replag\"");
  }

  @Test
  void replicaSetPageShowsMembersLagPerSecondaryAndTheOplogWindow() throws Exception {
    var page = owner.get("/groups/" + group + "/clusters/" + Ids.cluster(group, "REPLICA_SET", "rs0"));
    assertThat(page.statusCode()).isEqualTo(200);
    String html = page.body();
    assertThat(html).contains("<h1>Replica set rs0</h1>").contains("db1.example:27017")
        .contains("db2.example:27017").contains("db3.example:27017")
        .contains("<strong>26.5 hours</strong> <span class=\"muted\">on db1.example:27017</span>");
    JsonNode lag = new ObjectMapper().readTree(unescape(attr(html, "data-series")));
    List<String> lagHosts = new ArrayList<>();
    lag.forEach(s -> lagHosts.add(s.get("host").asText()));
    assertThat(lagHosts).as("one line per secondary, none for the primary")
        .contains(host("db2.example")).doesNotContain(host("db1.example"));
    assertThat(html).contains("<canvas id=\"replag\"").contains("<canvas id=\"oplog\"");
  }

  @Test
  void shardedClusterPageListsShardsConfigServersAndMongos() throws Exception {
    String id = Ids.cluster(group, "SHARDED_REPLICA_SET", "c1");
    var page = owner.get("/groups/" + group + "/clusters/" + id);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<h1>Sharded cluster c1</h1>")
        .contains("href=\"/groups/" + group + "/clusters/"
            + Ids.cluster(group, "REPLICA_SET", "c1/c1-sh0") + "\">sh0</a>")
        .contains("Replica set c1-cfg").contains("cfg1.example:27017")
        .contains("mongos1.example:27017");
    var shard = owner.get("/groups/" + group + "/clusters/"
        + Ids.cluster(group, "REPLICA_SET", "c1/c1-sh0"));
    assertThat(shard.body()).contains("<h1>Shard c1-sh0</h1>")
        .contains("href=\"/groups/" + group + "/clusters/" + id + "\">c1</a>");
  }

  @Test
  void aUserWithoutARoleGetsAForbiddenPageInWords() throws Exception {
    for (String path : List.of("/groups/" + group, "/groups/" + group + "/hosts/"
        + host("db1.example"), "/groups/" + group + "/clusters/" + Ids.cluster(group,
        "REPLICA_SET", "rs0"))) {
      var page = outsider.get(path);
      assertThat(page.statusCode()).as(path).isEqualTo(403);
      assertThat(page.headers().firstValue("Content-Type").orElse("")).contains("text/html");
      assertThat(page.body()).contains("You have no role in the group Production")
          .doesNotContain("db1.example").doesNotContain("at io.openmms").doesNotContain("Exception");
    }
  }

  @Test
  void unknownHostOrClusterIsNotFoundInWords() throws Exception {
    var host = owner.get("/groups/" + group + "/hosts/0123456789abcdef0123456789abcdef");
    assertThat(host.statusCode()).isEqualTo(404);
    assertThat(host.body()).contains("There is no host with id 0123456789abcdef0123456789abcdef");
    var cluster = owner.get("/groups/" + group + "/clusters/nope");
    assertThat(cluster.statusCode()).isEqualTo(404);
    assertThat(cluster.body()).contains("There is no cluster with id nope");
  }

  @Test
  void signedOutVisitorIsSentToSignIn() throws Exception {
    var page = Browser.anonymous(ts.url()).get("/groups/" + group);
    assertThat(page.statusCode()).isEqualTo(303);
    assertThat(page.headers().firstValue("Location").orElse(""))
        .isEqualTo("/login?next=" + URLEncoder.encode("/groups/" + group, StandardCharsets.UTF_8));
  }

  @Test
  void measurementsApiAnswersTheSessionCookieAsTheChartsCallIt() throws Exception {
    String path = "/api/public/v1.0/groups/" + group + "/hosts/" + host("db1.example")
        + "/measurements?granularity=PT1M&period=PT1H&m=CONNECTIONS&m=OPLOG_MASTER_TIME";
    var r = owner.get(path);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode json = new ObjectMapper().readTree(r.body());
    assertThat(json.get("measurements").get(0).get("name").asText()).isEqualTo("CONNECTIONS");
    assertThat(json.get("measurements").get(0).get("dataPoints").get(0).get("value").asDouble())
        .isEqualTo(12.0);
    assertThat(json.get("start").asText()).endsWith("Z");
    assertThat(outsider.get(path).statusCode()).isEqualTo(403);
  }

  @Test
  void agoCountsSecondsMinutesHoursAndDays() {
    assertThat(DashboardPages.ago(0, 12_000, true)).isEqualTo("12 s ago");
    assertThat(DashboardPages.ago(0, 300_000, true)).isEqualTo("5 min ago");
    assertThat(DashboardPages.ago(0, 3 * 3_600_000, false)).isEqualTo("3 h");
    assertThat(DashboardPages.ago(0, 3 * 86_400_000L, true)).isEqualTo("3 d ago");
  }

  private static String host(String name) {
    return Ids.host(group, name + ":27017");
  }

  private static HostSample gauges(HostSample s, Map<String, Double> more) {
    Map<String, Double> g = new LinkedHashMap<>(s.gauges());
    g.putAll(more);
    return new HostSample(s.hostname(), s.port(), s.timestamp(), s.down(), s.error(), s.role(),
        s.replicaSetName(), s.shardName(), s.configServer(), s.clusterName(), s.version(),
        s.uptimeSeconds(), s.counters(), g, s.members());
  }

  private static HostSample sharded(String hostname, long t, String role, String shard,
      String rs, boolean config) {
    return new HostSample(hostname, 27017, t, false, null, role, rs, shard, config, "c1", "7.0.14", 100L, Map.of(), Map.of("CONNECTIONS", 5.0), null);
  }

  private static String attr(String html, String name) {
    Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(html);
    assertThat(m.find()).as(name).isTrue();
    return m.group(1);
  }

  private static String unescape(String s) {
    return s.replace("&quot;", "\"").replace("&#34;", "\"").replace("&#39;", "'")
        .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
  }

  /** A browser without scripts: keeps cookies, does not follow redirects. */
  static final class Browser {
    final HttpClient http;
    final String base;

    private Browser(String base) {
      this.base = base;
      this.http = HttpClient.newBuilder().cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    static Browser anonymous(String base) {
      return new Browser(base);
    }

    static Browser signUp(String base, String username) throws Exception {
      Browser b = new Browser(base);
      var form = b.get("/signup");
      var r = b.post("/signup", Map.of("_csrf", csrf(form.body()), "username", username,
          "password", "correct-horse-battery", "password2", "correct-horse-battery"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
      return b;
    }

    String createGroup(String name) throws Exception {
      var r = post("/groups", Map.of("_csrf", csrf(get("/groups").body()), "name", name));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
      return r.headers().firstValue("Location").orElseThrow().substring("/groups/".length());
    }

    HttpResponse<String> get(String path) throws Exception {
      return http.send(HttpRequest.newBuilder(URI.create(base + path))
          .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").GET().build(),
          HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
      String body = form.entrySet().stream().map(e -> e.getKey() + "="
          + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
          .collect(Collectors.joining("&"));
      return http.send(HttpRequest.newBuilder(URI.create(base + path))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Accept", "text/html").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    private static String csrf(String html) {
      Matcher m = Pattern.compile("name=\"_csrf\" value=\"([0-9a-f]+)\"").matcher(html);
      assertThat(m.find()).as("a _csrf field in the form").isTrue();
      return m.group(1);
    }
  }
}
