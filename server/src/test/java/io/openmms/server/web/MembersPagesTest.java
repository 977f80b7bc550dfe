package io.openmms.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.server.TestServer;
import io.openmms.server.auth.Role;
import io.openmms.server.web.RoleMatrixTest.Web;
import io.openmms.testkit.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Members: roles, the last owner, invitation links and join requests. */
class MembersPagesTest {
  @TempDir static Path dir;
  static final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
  static TestServer ts;
  static String group;
  static String ownerId;

  @BeforeAll
  static void start() {
    ts = TestServer.start(dir, clock, Map.of());
    group = ts.server.groups().create("Members").id();
    ownerId = ts.server.users().create("owen", "owen-password", false);
    ts.server.users().setRole(ownerId, group, Role.GROUP_OWNER);
  }

  @AfterAll
  static void stop() throws Exception {
    ts.close();
  }

  private static String members() {
    return "/groups/" + group + "/members";
  }

  private static Web owner() throws Exception {
    return Web.signIn(ts.url(), "owen", "owen-password");
  }

  private static Web newUser(String name) throws Exception {
    ts.server.users().create(name, name + "-password", false);
    return Web.signIn(ts.url(), name, name + "-password");
  }

  private static String role(String user) {
    return ts.server.users().byName(user).groups().get(group);
  }

  /** Creates an invitation link on the members page and returns its path. */
  private static String invite(Web owner, Role role) throws Exception {
    var p = owner.post("/groups/" + group + "/invitations", Map.of("role", role.name()));
    assertThat(p.status()).as(p.body()).isEqualTo(201);
    Matcher m = Pattern.compile("id=\"invitation-link\" readonly value=\"([^\"]+)\"")
        .matcher(p.body());
    assertThat(m.find()).isTrue();
    assertThat(m.group(1)).startsWith(ts.url() + "/invitations/");
    return m.group(1).substring(ts.url().length());
  }

  @Test
  void invitationLinkJoinsWithItsRoleAndWorksOnlyOnce() throws Exception {
    Web owen = owner();
    String link = invite(owen, Role.GROUP_MONITORING_ADMIN);
    Web ivy = newUser("ivy");
    var page = ivy.get(link);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("owen invited you to join <strong>Members</strong> as"
        + " <strong>Monitoring admin</strong>");
    var joined = ivy.post(link, Map.of());
    assertThat(joined.status()).isEqualTo(303);
    assertThat(joined.location()).isEqualTo("/groups/" + group);
    assertThat(role("ivy")).isEqualTo("GROUP_MONITORING_ADMIN");
    assertThat(ts.server.audit().list(group, 50)).anyMatch(e -> e.action().equals("MEMBER_ADDED")
        && e.detail().contains("ivy joined as Monitoring admin"));

    Web jack = newUser("jack");
    var again = jack.get(link);
    assertThat(again.status()).isEqualTo(410);
    assertThat(again.body()).contains("already used");
    assertThat(jack.post(link, Map.of()).status()).isEqualTo(410);
    assertThat(role("jack")).isNull();
    assertThat(jack.get("/invitations/" + "ab".repeat(32)).status()).isEqualTo(404);
  }

  @Test
  void anOpenedLinkAsksASignedOutVisitorToSignInFirst() throws Exception {
    String link = invite(owner(), Role.GROUP_READ_ONLY);
    Web anonymous = new Web(ts.url());
    var p = anonymous.get(link);
    assertThat(p.status()).isEqualTo(303);
    assertThat(p.location()).startsWith("/login?next=%2Finvitations%2F");
  }

  @Test
  void anExpiredInvitationLinkIsRefused() throws Exception {
    String link = invite(owner(), Role.GROUP_OWNER);
    clock.advance(Duration.ofDays(7).plusMinutes(1));
    try {
      Web kim = newUser("kim");
      var p = kim.get(link);
      assertThat(p.status()).isEqualTo(410);
      assertThat(p.body()).contains("expired");
      assertThat(kim.post(link, Map.of()).status()).isEqualTo(410);
      assertThat(role("kim")).isNull();
    } finally {
      clock.advance(Duration.ofMinutes(1));
    }
  }

  @Test
  void ownersChangeRolesAndRemoveMembersButNeverTheLastOwner() throws Exception {
    Web owen = owner();
    String lee = ts.server.users().create("lee", "lee-password", false);
    ts.server.users().setRole(lee, group, Role.GROUP_READ_ONLY);

    var demoteSelf = owen.post(members() + "/" + ownerId + "/role",
        Map.of("role", "GROUP_READ_ONLY"));
    assertThat(demoteSelf.status()).isEqualTo(409);
    assertThat(demoteSelf.body()).contains("only owner");
    assertThat(owen.post(members() + "/" + ownerId + "/remove", Map.of()).status())
        .isEqualTo(409);
    assertThat(role("owen")).isEqualTo("GROUP_OWNER");

    assertThat(owen.post(members() + "/" + lee + "/role", Map.of("role", "GROUP_BACKUP_ADMIN"))
        .status()).isEqualTo(303);
    assertThat(role("lee")).isEqualTo("GROUP_BACKUP_ADMIN");
    var list = owen.get(members() + "?done=role");
    assertThat(list.body()).contains("The role was changed.").contains("lee")
        .contains("Backup admin");
    assertThat(owen.post(members() + "/" + lee + "/role", Map.of("role", "GROUP_EMPEROR"))
        .status()).isEqualTo(400);

    assertThat(owen.post(members() + "/" + lee + "/remove", Map.of()).status()).isEqualTo(303);
    assertThat(role("lee")).isNull();
    var log = ts.server.audit().list(group, 50);
    assertThat(log).anyMatch(e -> e.action().equals("ROLE_CHANGED")
        && e.detail().equals("lee: Read only → Backup admin"));
    assertThat(log).anyMatch(e -> e.action().equals("MEMBER_REMOVED")
        && e.detail().contains("lee"));
  }

  @Test
  void aUserAsksToJoinAndAnOwnerApprovesWithARole() throws Exception {
    Web mia = newUser("mia");
    var ask = mia.post("/join-requests", Map.of("groupId", group));
    assertThat(ask.status()).isEqualTo(303);
    assertThat(mia.get(ask.location()).body()).contains("waiting for one of its owners");
    assertThat(ts.server.audit().list(group, 50)).anyMatch(e -> e.action().equals(
        "JOIN_REQUESTED") && e.actor().equals("mia"));
    assertThat(mia.get(members()).status()).isEqualTo(403);

    Web owen = owner();
    var page = owen.get(members());
    assertThat(page.body()).contains("Requests to join").contains("mia");
    Matcher m = Pattern.compile("/requests/([0-9a-f]{24})/approve").matcher(page.body());
    assertThat(m.find()).isTrue();
    assertThat(owen.post("/groups/" + group + "/requests/" + m.group(1) + "/approve",
        Map.of("role", "GROUP_READ_ONLY")).status()).isEqualTo(303);
    assertThat(role("mia")).isEqualTo("GROUP_READ_ONLY");
    assertThat(mia.get(members()).status()).isEqualTo(200);
    assertThat(owen.get(members()).body()).doesNotContain("/requests/" + m.group(1));

    Web ned = newUser("ned");
    assertThat(ned.post("/groups/" + group + "/join", Map.of()).status()).isEqualTo(303);
    m = Pattern.compile("/requests/([0-9a-f]{24})/decline").matcher(owen.get(members()).body());
    assertThat(m.find()).isTrue();
    assertThat(owen.post("/groups/" + group + "/requests/" + m.group(1) + "/decline", Map.of())
        .status()).isEqualTo(303);
    assertThat(role("ned")).isNull();
    assertThat(ned.post("/join-requests", Map.of("groupId", "not-a-group")).status())
        .isEqualTo(404);
  }

  @Test
  void aReadOnlyMemberSeesTheListWithoutTheOwnersForms() throws Exception {
    Web ola = newUser("ola");
    ts.server.users().setRole(ts.server.users().byName("ola").id(), group, Role.GROUP_READ_ONLY);
    var p = ola.get(members());
    assertThat(p.status()).isEqualTo(200);
    assertThat(p.body()).contains("<title>Members · Members · openmms</title>").contains("owen")
        .doesNotContain("Create invitation link").doesNotContain("/remove");
    assertThat(ola.post("/groups/" + group + "/invitations", Map.of("role", "GROUP_OWNER"))
        .status()).isEqualTo(403);
  }
}
