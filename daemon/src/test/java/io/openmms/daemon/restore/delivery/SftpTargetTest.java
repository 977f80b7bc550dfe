package io.openmms.daemon.restore.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The push target as the restore request gives it, and the field each bad value is blamed on. */
class SftpTargetTest {
  static final String FP = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";

  @Test
  void printsAsUserAtHostPortDirectory() {
    assertThat(new SftpTarget("db2", 2222, "backup", "/backups/restores", FP))
        .hasToString("backup@db2:2222:/backups/restores");
    assertThat(new SftpTarget("::1", 22, "backup", "restores", FP))
        .hasToString("backup@[::1]:22:restores");
  }

  @Test
  void blanksAroundHostUserAndFingerprintAreDropped() {
    SftpTarget t = new SftpTarget(" db2 ", 22, " backup\n", "/r", " " + FP + "\n");

    assertThat(t.host()).isEqualTo("db2");
    assertThat(t.user()).isEqualTo("backup");
    assertThat(t.hostKeyFingerprint()).isEqualTo(FP);
  }

  @Test
  void eachBadFieldIsNamedByItsRequestName() {
    assertThatThrownBy(() -> new SftpTarget(" ", 22, "backup", "/r", FP))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("delivery.targetHost is missing");
    assertThatThrownBy(() -> new SftpTarget("db 2", 22, "backup", "/r", FP))
        .hasMessageStartingWith("delivery.targetHost must not contain blanks");
    assertThatThrownBy(() -> new SftpTarget("db2", 0, "backup", "/r", FP))
        .hasMessage("delivery.targetPort must be between 1 and 65535, got 0");
    assertThatThrownBy(() -> new SftpTarget("db2", 65536, "backup", "/r", FP))
        .hasMessageStartingWith("delivery.targetPort ");
    assertThatThrownBy(() -> new SftpTarget("db2", 22, null, "/r", FP))
        .hasMessage("delivery.username is missing");
    assertThatThrownBy(() -> new SftpTarget("db2", 22, "backup", "", FP))
        .hasMessage("delivery.targetDirectory is missing");
    assertThatThrownBy(() -> new SftpTarget("db2", 22, "backup", "/r\n/x", FP))
        .hasMessageStartingWith("delivery.targetDirectory must not contain control characters");
    assertThatThrownBy(() -> new SftpTarget("db2", 22, "backup", "/r", null))
        .hasMessageStartingWith("delivery.hostKeyFingerprint is missing");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s", // no prefix
      "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s=", // base64 padding
      "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2", // too short
      "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", // ssh-keygen -E md5
      "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48",
      "256 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s root@db2 (ED25519)"})
  void onlyTheSha256FingerprintFormOfSshKeygenIsAccepted(String fingerprint) {
    assertThatThrownBy(() -> new SftpTarget("db2", 22, "backup", "/r", fingerprint))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("delivery.hostKeyFingerprint must be an OpenSSH SHA256 fingerprint")
        .hasMessageEndingWith("got '" + fingerprint + "'");
  }
}
