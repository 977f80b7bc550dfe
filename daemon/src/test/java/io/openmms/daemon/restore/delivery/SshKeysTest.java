package io.openmms.daemon.restore.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's SSH key file, checked against OpenSSH's own ssh-keygen where it is installed. */
class SshKeysTest {
  static final String SSH_KEYGEN = findSshKeygen();

  @TempDir Path dir;

  @Test
  void aKeyCreatedOnFirstUseIsTheKeyLoadedAfterwards() throws Exception {
    Path file = dir.resolve("keys/restore_ed25519");

    KeyPair created = SshKeys.loadOrCreate(file);
    KeyPair loaded = SshKeys.loadOrCreate(file);

    assertThat(KeyUtils.getKeyType(created)).isEqualTo(SshKeys.newKeyType());
    assertThat(loaded.getPublic().getEncoded()).isEqualTo(created.getPublic().getEncoded());
    assertThat(loaded.getPrivate().getEncoded()).isEqualTo(created.getPrivate().getEncoded());
  }

  @Test
  void thePrivateKeyIsAnOpenSshKeyFileOnlyItsOwnerCanRead() throws Exception {
    Path file = dir.resolve("keys/restore_ed25519");
    SshKeys.loadOrCreate(file);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(file)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    assertThat(dir.resolve("keys")).isDirectoryNotContaining("glob:**.tmp");
  }

  @Test
  void thePubFileHoldsTheAuthorizedKeysLineOfThePublicKey() throws Exception {
    Path file = dir.resolve("restore_ed25519");
    KeyPair pair = SshKeys.loadOrCreate(file);

    String line = Files.readString(dir.resolve("restore_ed25519.pub")).strip();
    AuthorizedKeyEntry entry = AuthorizedKeyEntry.parseAuthorizedKeyEntry(line);
    PublicKey parsed = entry.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);

    assertThat(line).isEqualTo(SshKeys.publicKeyLine(pair.getPublic(), "openmms-restore"))
        .startsWith(SshKeys.newKeyType() + " AAAA").endsWith(" openmms-restore");
    assertThat(KeyUtils.compareKeys(parsed, pair.getPublic())).isTrue();
  }

  @Test
  void aNewKeyReplacesThePubFileOfTheDeletedOne() throws Exception {
    Path file = dir.resolve("restore_ed25519");
    KeyPair old = SshKeys.loadOrCreate(file);
    Files.delete(file); // an operator rotating the key keeps the old .pub by mistake

    KeyPair rotated = SshKeys.loadOrCreate(file);

    assertThat(rotated.getPublic()).isNotEqualTo(old.getPublic());
    assertThat(dir.resolve("restore_ed25519.pub"))
        .hasContent(SshKeys.publicKeyLine(rotated.getPublic(), "openmms-restore"));
  }

  @Test
  void aMissingPubFileIsWrittenAgainForTheExistingKey() throws Exception {
    Path file = dir.resolve("restore_ed25519");
    KeyPair pair = SshKeys.loadOrCreate(file);
    Files.delete(dir.resolve("restore_ed25519.pub"));

    SshKeys.loadOrCreate(file);

    assertThat(dir.resolve("restore_ed25519.pub"))
        .hasContent(SshKeys.publicKeyLine(pair.getPublic(), "openmms-restore"));
  }

  @Test
  void theFingerprintIsWhatSshKeygenPrints() throws Exception {
    Path file = dir.resolve("restore_ed25519");
    KeyPair pair = SshKeys.loadOrCreate(file);
    String fingerprint = SshKeys.fingerprint(pair.getPublic());

    assertThat(fingerprint).matches("SHA256:[A-Za-z0-9+/]{43}");
    if (SSH_KEYGEN != null) {
      assertThat(sshKeygen("-lf", dir.resolve("restore_ed25519.pub").toString()))
          .startsWith("256 " + fingerprint + " openmms-restore (");
    }
  }

  @Test
  void openSshReadsTheCreatedPrivateKey() throws Exception {
    assumeTrue(SSH_KEYGEN != null, "ssh-keygen is not installed");
    Path file = dir.resolve("restore_ed25519");
    KeyPair pair = SshKeys.loadOrCreate(file);

    String derived = sshKeygen("-y", "-f", file.toString());

    assertThat(derived).startsWith(SshKeys.publicKeyLine(pair.getPublic(), null));
  }

  @Test
  void ecdsaAndRsaKeysMadeBySshKeygenLoad() throws Exception {
    assumeTrue(SSH_KEYGEN != null, "ssh-keygen is not installed");
    for (String type : List.of("ecdsa", "rsa")) {
      Path file = dir.resolve("id_" + type);
      sshKeygen("-q", "-t", type, "-N", "", "-C", "", "-f", file.toString());

      KeyPair pair = SshKeys.loadOrCreate(file);

      assertThat(sshKeygen("-lf", file + ".pub"))
          .contains(" " + SshKeys.fingerprint(pair.getPublic()) + " ");
    }
  }

  @Test
  void anEd25519KeyMadeBySshKeygenLoadsOrSaysWhatItNeeds() throws Exception {
    assumeTrue(SSH_KEYGEN != null, "ssh-keygen is not installed");
    Path file = dir.resolve("id_ed25519");
    sshKeygen("-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file.toString());

    if (SecurityUtils.isEDDSACurveSupported()) {
      assertThat(sshKeygen("-lf", file + ".pub")).contains(
          " " + SshKeys.fingerprint(SshKeys.loadOrCreate(file).getPublic()) + " ");
    } else {
      assertThatThrownBy(() -> SshKeys.loadOrCreate(file))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("ed25519 keys need BouncyCastle");
    }
  }

  @Test
  void aFileThatIsNoKeyIsRefusedNamingItAndKeptAsItIs() throws Exception {
    Path file = dir.resolve("restore_ed25519");
    Files.writeString(file, "this is not a key\n");

    assertThatThrownBy(() -> SshKeys.loadOrCreate(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString());
    assertThat(file).hasContent("this is not a key");
  }

  @Test
  void aDamagedKeyIsRefusedNamingTheFile() throws Exception {
    Path file = dir.resolve("restore_ed25519");
    SshKeys.loadOrCreate(file);
    List<String> lines = Files.readAllLines(file);
    lines.set(2, "A".repeat(lines.get(2).length())); // inside the key data
    Files.write(file, lines);

    assertThatThrownBy(() -> SshKeys.loadOrCreate(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void anEncryptedKeyIsRefusedWithHowToDecryptIt() throws Exception {
    assumeTrue(SSH_KEYGEN != null, "ssh-keygen is not installed");
    Path file = dir.resolve("id_ecdsa");
    sshKeygen("-q", "-t", "ecdsa", "-N", "a passphrase", "-f", file.toString());

    assertThatThrownBy(() -> SshKeys.loadOrCreate(file))
        .isInstanceOf(IOException.class)
        .hasMessage(file + " is an encrypted private key; the daemon needs it unencrypted "
            + "(ssh-keygen -p -N '' -f " + file + ")");
  }

  private static String sshKeygen(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(SSH_KEYGEN));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("ssh-keygen %s: %s", command, out).isZero();
    return out.strip();
  }

  private static String findSshKeygen() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(d.isEmpty() ? "." : d, "ssh-keygen");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
