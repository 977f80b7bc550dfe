package io.openmms.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.server.TestServer;
import io.openmms.server.auth.Role;
import io.openmms.server.web.RoleMatrixTest.Web;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Audit pages and user administration by the installation's owner. */
class AuditPagesTest {
  @TempDir static Path dir;
  static TestServer ts;
  static String group;
  static Web admin;

  @BeforeAll
  static void start() throws Exception {
    ts = TestServer.start(dir);
    group = ts.credentials.groupId();
    admin = Web.signIn(ts.url(), ts.credentials.username(), ts.credentials.password());
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  @Test
  void auditPagesListSignInsKeysMembersAndRoles() throws Exception {
    String g = "/groups/" + group;
    ts.server.users().create("paula", "paula-password", false);
    Web paula = Web.signIn(ts.url(), "paula", "paula-password");
    Web wrong = new Web(ts.url());
    wrong.get("/login");
    assertThat(wrong.post("/login", Map.of("username", "paula", "password", "guess-guess"))
        .status()).isEqualTo(401);

    var created = admin.post(g + "/keys/agent", Map.of("description", "audit agent"));
    assertThat(created.status()).isEqualTo(201);
    Matcher m = Pattern.compile("/keys/agent/([0-9a-f]{24})/revoke").matcher(
        admin.get(g + "/keys").body());
    while (m.find()) {
      admin.post(g + "/keys/agent/" + m.group(1) + "/revoke", Map.of());
    }
    var invitation = admin.post(g + "/invitations", Map.of("role", "GROUP_READ_ONLY"));
    Matcher link = Pattern.compile("value=\"http://[^/]+(/invitations/[0-9a-f]{64})\"")
        .matcher(invitation.body());
    assertThat(link.find()).isTrue();
    paula.get(link.group(1));
    assertThat(paula.post(link.group(1), Map.of()).status()).isEqualTo(303);
    String paulaId = ts.server.users().byName("paula").id();
    assertThat(admin.post(g + "/members/" + paulaId + "/role", Map.of("role",
        "GROUP_BACKUP_ADMIN")).status()).isEqualTo(303);
    assertThat(admin.post(g + "/members/" + paulaId + "/remove", Map.of()).status())
        .isEqualTo(303);

    var groupLog = admin.get(g + "/audit");
    assertThat(groupLog.status()).isEqualTo(200);
    assertThat(groupLog.body()).contains("<title>Audit log · Test Group · openmms</title>")
        .contains("AGENT_KEY_CREATED").contains("AGENT_KEY_REVOKED")
        .contains("INVITATION_CREATED").contains("MEMBER_ADDED").contains("ROLE_CHANGED")
        .contains("paula: Read only → Backup admin").contains("MEMBER_REMOVED")
        .doesNotContain("LOGIN_FAILED");

    var all = admin.get("/admin/audit");
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.body()).contains(">LOGIN<").contains("LOGIN_FAILED").contains("paula")
        .contains("AGENT_KEY_REVOKED").contains("MEMBER_REMOVED").contains("ROLE_CHANGED")
        .contains("Test Group");
  }

  @Test
  void passwordResetEndsAllOfTheUsersSessions() throws Exception {
    String id = ts.server.users().create("quinn", "quinn-password", false);
    ts.server.users().setRole(id, group, Role.GROUP_READ_ONLY);
    Web laptop = Web.signIn(ts.url(), "quinn", "quinn-password");
    Web phone = Web.signIn(ts.url(), "quinn", "quinn-password");
    assertThat(laptop.get("/groups").status()).isEqualTo(200);

    admin.get("/admin/users");
    var tooShort = admin.post("/admin/users/" + id + "/password", Map.of("password", "short"));
    assertThat(tooShort.status()).isEqualTo(400);
    assertThat(tooShort.body()).contains("at least 10 characters");
    assertThat(phone.get("/groups").status()).isEqualTo(200);

    var reset = admin.post("/admin/users/" + id + "/password",
        Map.of("password", "brand-new-password"));
    assertThat(reset.status()).isEqualTo(303);
    for (Web w : new Web[] {laptop, phone}) {
      var p = w.get("/groups");
      assertThat(p.status()).isEqualTo(303);
      assertThat(p.location()).startsWith("/login");
    }
    assertThat(ts.server.users().checkPassword("quinn", "quinn-password")).isFalse();
    assertThat(Web.signIn(ts.url(), "quinn", "brand-new-password").get("/groups").status())
        .isEqualTo(200);
    assertThat(admin.get("/admin/audit").body()).contains("PASSWORD_RESET")
        .contains("password of quinn reset").doesNotContain("brand-new-password");
  }

  @Test
  void onlyGlobalOwnersSeeTheAdministrationPages() throws Exception {
    String id = ts.server.users().create("rob", "rob-password", false);
    ts.server.users().setRole(id, group, Role.GROUP_OWNER);
    Web rob = Web.signIn(ts.url(), "rob", "rob-password");
    assertThat(rob.get("/groups/" + group + "/audit").status()).isEqualTo(200);
    var all = rob.get("/admin/audit");
    assertThat(all.status()).isEqualTo(403);
    assertThat(all.body()).contains("Only the installation").contains("owners can read the whole audit log");
    assertThat(rob.get("/admin/users").status()).isEqualTo(403);
    String adminId = ts.server.users().byName(ts.credentials.username()).id();
    assertThat(rob.post("/admin/users/" + adminId + "/password",
        Map.of("password", "taken-over-now")).status()).isEqualTo(403);
    assertThat(ts.server.users().checkPassword(ts.credentials.username(),
        ts.credentials.password())).isTrue();
    var users = admin.get("/admin/users");
    assertThat(users.body()).contains("<title>Users · openmms</title>").contains("rob")
        .contains("Test Group (Owner)").contains("for=\"password-" + id + "\"");
  }
}
