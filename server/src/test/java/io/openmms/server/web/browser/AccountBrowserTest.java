package io.openmms.server.web.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.server.ServerSettings;
import io.openmms.server.TestServer;
import io.openmms.testkit.ManualClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;

/** Accounts in a real browser: sign-up, groups, CSRF, session expiry and sign-in throttling. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccountBrowserTest {
  @TempDir static Path dir;
  static TestServer ts;
  static Browser browser;
  static ManualClock clock = new ManualClock(Instant.now());

  @BeforeAll
  static void start() {
    browser = Browser.start();
    ts = TestServer.startEmpty(dir, clock, Map.of(ServerSettings.SESSION_IDLE.key(), "30m",
        ServerSettings.LOGIN_MAX_FAILURES.key(), "3"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (ts != null) {
      ts.close();
    }
  }

  private static void signUp(String user, String password) {
    var d = browser.driver;
    d.get(ts.url() + "/signup");
    d.findElement(By.id("username")).sendKeys(user);
    d.findElement(By.id("password")).sendKeys(password);
    d.findElement(By.id("password2")).sendKeys(password);
    browser.clickAndWait(By.cssSelector("button[type=submit].primary"));
  }

  private static void signIn(String user, String password) {
    var d = browser.driver;
    d.get(ts.url() + "/login");
    d.findElement(By.id("username")).sendKeys(user);
    d.findElement(By.id("password")).sendKeys(password);
    browser.clickAndWait(By.cssSelector("button[type=submit].primary"));
  }

  @Test
  @Order(1)
  void firstUserSignsUpSeesTheEmptyStateAndCreatesAGroup() {
    var d = browser.driver;
    d.get(ts.url() + "/");
    assertThat(d.getTitle()).isEqualTo("Sign in · openmms");
    assertThat(d.findElement(By.tagName("main")).getText()).contains("No account exists yet");
    browser.screenshot("login");
    signUp("alice", "correct horse battery");
    assertThat(d.getTitle()).isEqualTo("Groups · openmms");
    assertThat(d.findElement(By.className("empty")).getText())
        .contains("You are not in any group yet");
    browser.screenshot("groups-empty");
    d.findElement(By.id("name")).sendKeys("Payments");
    browser.clickAndWait(By.cssSelector("form.inline button"));
    // the click returns before the form's request has completed
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> d.getCurrentUrl().matches(".*/groups/[0-9a-f]{24}$"));
    assertThat(ts.server.groups().list()).extracting(g -> g.name()).containsExactly("Payments");
    assertThat(ts.server.users().byName("alice").globalOwner()).isTrue();
    Cookie session = d.manage().getCookieNamed("openmms_session");
    assertThat(session.isHttpOnly()).isTrue();
    assertThat(session.getSameSite()).isEqualTo("Lax");
  }

  @Test
  @Order(2)
  void aPostWithoutTheCsrfTokenIsRejectedAndChangesNothing() throws Exception {
    var d = browser.driver;
    d.get(ts.url() + "/groups");
    // a form posted from the page's own origin but without the token, as a forged request would be
    Object status = d.executeAsyncScript("var done = arguments[0];"
        + "fetch('/groups', {method: 'POST', headers: {'Content-Type':"
        + " 'application/x-www-form-urlencoded', 'Accept': 'text/html'}, body: 'name=Forged'})"
        + ".then(r => done(r.status));");
    assertThat(((Number) status).intValue()).isEqualTo(403);
    // and with a session cookie but from outside the browser, without the token
    String cookie = d.manage().getCookieNamed("openmms_session").getValue();
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(ts.url() + "/groups")).header("Cookie", "openmms_session=" + cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("name=Forged")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("CSRF_TOKEN_INVALID");
    assertThat(ts.server.groups().list()).extracting(g -> g.name()).doesNotContain("Forged");
  }

  @Test
  @Order(3)
  void anIdleSessionExpiresAndTheUserIsAskedToSignInAgain() {
    var d = browser.driver;
    d.get(ts.url() + "/groups");
    assertThat(d.getTitle()).isEqualTo("Groups · openmms");
    clock.advance(Duration.ofMinutes(31));
    d.get(ts.url() + "/groups");
    assertThat(d.getTitle()).isEqualTo("Sign in · openmms");
    assertThat(d.getCurrentUrl()).contains("/login?next=%2Fgroups");
    signIn("alice", "correct horse battery");
    assertThat(d.getTitle()).as("back where the user was going").isEqualTo("Groups · openmms");
  }

  @Test
  @Order(4)
  void repeatedFailedSignInsAreThrottledEvenWithTheRightPassword() {
    var d = browser.driver;
    d.manage().deleteAllCookies();
    for (int i = 0; i < 3; i++) {
      signIn("alice", "wrong password " + i);
      assertThat(d.findElement(By.className("error")).getText())
          .isEqualTo("Wrong user name or password.");
    }
    signIn("alice", "correct horse battery");
    assertThat(d.getTitle()).isEqualTo("Sign in · openmms");
    assertThat(d.findElement(By.className("error")).getText())
        .startsWith("Too many failed sign-ins. Try again in");
    browser.screenshot("login-throttled");
    clock.advance(Duration.ofMinutes(16));
    signIn("alice", "correct horse battery");
    assertThat(d.getTitle()).isEqualTo("Groups · openmms");
    assertThat(ts.server.audit().list(null, 50)).extracting(e -> e.action())
        .contains("LOGIN", "LOGIN_FAILED", "USER_CREATED");
  }

  @Test
  @Order(5)
  void aReadOnlyMemberSeesTheKeysButCannotCreateOneInThePageOrByPostingAnyway() {
    var d = browser.driver;
    String groupId = ts.server.groups().list().get(0).id();
    String reader = ts.server.users().create("reader", "read only password", false);
    ts.server.users().setRole(reader, groupId, io.openmms.server.auth.Role.GROUP_READ_ONLY);
    d.manage().deleteAllCookies();
    signIn("reader", "read only password");
    d.get(ts.url() + "/groups/" + groupId + "/keys");
    assertThat(d.findElements(By.cssSelector("form[action$='/keys/agent']"))).isEmpty();
    assertThat(d.findElement(By.tagName("main")).getText()).contains("Ask a group owner");
    browser.screenshot("keys-read-only");
    String csrf = d.findElement(By.name("_csrf")).getAttribute("value");
    Object status = d.executeAsyncScript("var done = arguments[0];"
        + "fetch('/groups/" + groupId + "/keys/agent', {method: 'POST', headers: {'Content-Type':"
        + " 'application/x-www-form-urlencoded'}, body: 'description=sneaky&_csrf=" + csrf + "'})"
        + ".then(r => done(r.status));");
    assertThat(((Number) status).intValue()).isEqualTo(403);
    Object api = d.executeAsyncScript("var done = arguments[0];"
        + "fetch('/api/public/v1.0/groups/" + groupId + "/agentapikeys', {method: 'POST',"
        + " headers: {'Content-Type': 'application/json', 'X-CSRF-Token': '" + csrf + "'},"
        + " body: JSON.stringify({desc: 'sneaky'})}).then(r => done(r.status));");
    assertThat(((Number) api).intValue()).isEqualTo(403);
    assertThat(d.findElements(By.cssSelector("#agent-keys tbody tr"))).isEmpty();
  }

  @Test
  @Order(6)
  void theOwnerSeesMembersAndTheAuditLog() {
    var d = browser.driver;
    d.manage().deleteAllCookies();
    clock.advance(Duration.ofMinutes(16));
    signIn("alice", "correct horse battery");
    String groupId = ts.server.groups().list().get(0).id();
    d.get(ts.url() + "/groups/" + groupId + "/members");
    assertThat(d.findElement(By.tagName("main")).getText()).contains("reader");
    browser.screenshot("members");
    d.get(ts.url() + "/admin/audit");
    assertThat(d.findElement(By.tagName("main")).getText()).contains("LOGIN_FAILED")
        .contains("GROUP_CREATED");
    browser.screenshot("audit");
  }
}
