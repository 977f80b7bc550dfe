package io.openmms.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.daemon.restore.delivery.SshKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Map;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's way to an SCP restore, end to end: a running daemon publishes its restore
 * public key, the API serves it, a push to a host that does not know it is refused with a message
 * pointing to the API, and once the line the API gave is appended to the target user's
 * authorized_keys (read by the SSH server as OpenSSH reads it) the same push succeeds. A daemon
 * that stops is no longer listed.
 */
class RestoreSshKeysTest {
  @TempDir Path dir;

  @Test
  void theKeyLineTheApiServesIsTheOneThatLetsTheDaemonPush() throws Exception {
    Path root = Files.createDirectories(dir.resolve("sftp"));
    Files.createDirectories(root.resolve("restores"));
    Path authorizedKeys = Files.writeString(dir.resolve("authorized_keys"), "");
    SshServer sshd = sftpServer(root, authorizedKeys);
    try (RestoreFixture f = new RestoreFixture(dir, 20, "{}")) {
      String snapshotId = f.startDaemon(Map.of());

      JsonNode keys = f.site.api("/backup/restoreSshKeys");
      assertThat(keys.get("totalCount").asInt()).isEqualTo(1);
      JsonNode d1 = keys.get("results").get(0);
      PublicKey daemonKey = SshKeys.loadOrCreate(dir.resolve("daemon/keys/restore_key"))
          .getPublic();
      assertThat(d1.get("id").asText()).isEqualTo("d1");
      assertThat(d1.get("blockstores").toString()).isEqualTo("[\"default\"]");
      assertThat(d1.get("keyType").asText()).isEqualTo(SshKeys.keyType(daemonKey));
      assertThat(d1.get("publicKey").asText())
          .isEqualTo(SshKeys.publicKeyLine(daemonKey, "openmms-restore@d1"));
      assertThat(d1.get("fingerprint").asText()).isEqualTo(SshKeys.fingerprint(daemonKey))
          .startsWith("SHA256:");

      String hostKey = RestoreFixture.hostKeyFingerprint(sshd);
      String body = "{\"snapshotId\": \"" + snapshotId + "\", \"delivery\": {\"methodName\":"
          + " \"SCP\", \"targetHost\": \"127.0.0.1\", \"targetPort\": " + sshd.getPort()
          + ", \"username\": \"backup\", \"targetDirectory\": \"/restores\","
          + " \"hostKeyFingerprint\": \"" + hostKey + "\"}}";
      JsonNode refused = f.awaitEnd(f.restore(body).get("id").asText());
      assertThat(refused.get("statusName").asText()).isEqualTo("BROKEN");
      assertThat(refused.get("reason").asText()).contains("was refused",
          d1.get("fingerprint").asText(), "~backup/.ssh/authorized_keys",
          "GET /api/public/v1.0/groups/{groupId}/backup/restoreSshKeys");

      Files.writeString(authorizedKeys, d1.get("publicKey").asText() + "\n",
          StandardOpenOption.APPEND);
      JsonNode pushed = f.awaitEnd(f.restore(body).get("id").asText());
      assertThat(pushed.get("statusName").asText()).as(pushed.toString()).isEqualTo("FINISHED");
      assertThat(root.resolve("restores").resolve(pushed.get("file").get("name").asText()))
          .isRegularFile();

      f.daemon.close();
      f.daemon = null;
      assertThat(f.site.api("/backup/restoreSshKeys").get("totalCount").asInt())
          .as("a stopped daemon signs off").isZero();
    } finally {
      sshd.stop(true);
    }
  }

  @Test
  void aDaemonThatDiedDropsOutOfTheListWhenItsRecordExpires() throws Exception {
    try (BackupSite site = BackupSite.start(dir.resolve("server"))) {
      BackupDaemon d = BackupDaemon.start(site.daemonConfig(dir.resolve("daemon"), "d2", "1s"),
          java.time.Clock.systemUTC());
      try {
        assertThat(site.api("/backup/restoreSshKeys").get("results").get(0).get("id").asText())
            .isEqualTo("d2");
      } finally {
        d.abandon();
      }
      await().atMost(Duration.ofSeconds(10)).until(() ->
          site.api("/backup/restoreSshKeys").get("totalCount").asInt() == 0);
    }
  }

  /** OpenSSH-like: user "backup" may log in with any key listed in {@code authorizedKeys}. */
  private static SshServer sftpServer(Path root, Path authorizedKeys) throws Exception {
    AuthorizedKeysAuthenticator keys = new AuthorizedKeysAuthenticator(authorizedKeys);
    return RestoreFixture.sftpServer(root, (user, key, session) -> user.equals("backup")
        && keys.authenticate(user, key, session));
  }
}
