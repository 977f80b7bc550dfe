package io.openmms.daemon.restore.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openmms.daemon.restore.RestoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH push against a real SFTP server (Apache MINA SSHD in-process): the delivered file, and what
 * a user reads on the restore job and finds in the target directory when something goes wrong.
 */
class SftpPushTest {
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  static final int MB = 1 << 20;

  static KeyPair daemonKey;
  static KeyPair ecdsaHostKey;
  static KeyPair rsaHostKey;

  @TempDir Path root;
  @TempDir Path local;
  SftpTestServer server;

  @BeforeAll
  static void keys() throws Exception {
    daemonKey = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
    ecdsaHostKey = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
    rsaHostKey = KeyUtils.generateKeyPair("ssh-rsa", 2048);
  }

  /** SSH client threads alive before the test (other tests in this JVM may own some). */
  private java.util.Set<Thread> clientThreadsBefore;

  @org.junit.jupiter.api.BeforeEach
  void recordThreads() {
    clientThreadsBefore = clientThreads();
  }

  private static java.util.Set<Thread> clientThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("sshd-SshClient"))
        .collect(java.util.stream.Collectors.toSet());
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    // every push, failed or not, closes its client: no client I/O thread it started outlives it
    await().atMost(Duration.ofSeconds(5)).until(() -> clientThreadsBefore.containsAll(
        clientThreads()));
  }

  @Test
  void theFileArrivesIntactUnderItsNameWithNoPartFileLeftAndProgressReachesItsSize()
      throws Exception {
    start(null);
    Path file = randomFile("dump.tar.gz", 20 * MB);
    List<Long> progress = new ArrayList<>();

    SftpPush.push(file, "dump.tar.gz", server.target("/restores"), daemonKey, TIMEOUT,
        progress::add);

    assertThat(Files.mismatch(file, root.resolve("restores/dump.tar.gz"))).isEqualTo(-1);
    assertThat(remoteFiles()).containsExactly("dump.tar.gz");
    assertThat(progress).isSorted().last().isEqualTo(20L * MB);
    // at most one report per read buffer (1 MiB), plus the end
    assertThat(progress.size()).isBetween(2, 21);
  }

  @Test
  void anotherAttemptsPartialFileIsNeitherWrittenNorRemoved() throws Exception {
    start(FaultySftpAccessor.diskFullAfter(64 * 1024));
    Files.writeString(root.resolve("restores/dump.tar.gz.attempt1.part"), "attempt 1 writing");
    Path file = randomFile("dump.tar.gz", 300_000);

    assertThatThrownBy(() -> SftpPush.push(file, "dump.tar.gz", "attempt2",
        server.target("/restores"), daemonKey, TIMEOUT, n -> { }))
        .isInstanceOf(RestoreException.class).hasMessageContaining("dump.tar.gz.attempt2.part");

    assertThat(remoteFiles()).as("attempt 2 removed its own partial file only")
        .containsExactly("dump.tar.gz.attempt1.part");
    assertThat(Files.readString(root.resolve("restores/dump.tar.gz.attempt1.part")))
        .isEqualTo("attempt 1 writing");
  }

  @Test
  void aRelativeDirectoryIsUnderTheUsersHome() throws Exception {
    start(null);
    Path file = randomFile("a.archive", 100_000);

    SftpPush.push(file, "a.archive", server.target("restores/"), daemonKey, TIMEOUT, n -> { });

    assertThat(Files.mismatch(file, root.resolve("restores/a.archive"))).isEqualTo(-1);
  }

  @Test
  void aFileOfTheSameNameIsReplacedWhereTheServerAllowsIt() throws Exception {
    start(null);
    Files.writeString(root.resolve("restores/dump.tar.gz"), "last week's restore");
    Path file = randomFile("dump.tar.gz", 300_000);

    SftpPush.push(file, "dump.tar.gz", server.target("/restores"), daemonKey, TIMEOUT, n -> { });

    assertThat(Files.mismatch(file, root.resolve("restores/dump.tar.gz"))).isEqualTo(-1);
    assertThat(remoteFiles()).containsExactly("dump.tar.gz");
  }

  @Test
  void aServerThatDoesNotReplaceOnRenameKeepsTheExistingFileAndSaysWhatToDo() throws Exception {
    start(FaultySftpAccessor.renameDoesNotReplace());
    Files.writeString(root.resolve("restores/dump.tar.gz"), "last week's restore");
    Path file = randomFile("dump.tar.gz", 300_000);

    assertThatThrownBy(() -> SftpPush.push(file, "dump.tar.gz", server.target("/restores"),
        daemonKey, TIMEOUT, n -> { }))
        .isInstanceOf(RestoreException.class)
        .hasMessageContaining(
            "cannot replace the existing file /restores/dump.tar.gz on 127.0.0.1:")
        .hasMessageContaining("remove that file and push again");
    assertThat(root.resolve("restores/dump.tar.gz")).hasContent("last week's restore");
    assertThat(remoteFiles()).containsExactly("dump.tar.gz");
  }

  @Test
  void aWrongHostKeyIsRefusedBeforeTheDaemonAuthenticatesOrSendsAnything() throws Exception {
    start(null);
    KeyPair impostor = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
    SftpTarget expected = server.target("/restores");
    SftpTarget target = new SftpTarget(expected.host(), expected.port(), expected.user(),
        expected.directory(), SshKeys.fingerprint(impostor.getPublic()));

    assertThatThrownBy(() -> SftpPush.push(randomFile("d", 1000), "d", target, daemonKey,
        TIMEOUT, n -> { }))
        .isInstanceOf(RestoreException.class)
        .hasMessageContaining("does not match delivery.hostKeyFingerprint")
        .hasMessageContaining("expected " + target.hostKeyFingerprint())
        .hasMessageContaining("presented " + expected.hostKeyFingerprint());
    assertThat(server.authAttempts).hasValue(0);
    assertThat(remoteFiles()).isEmpty();
  }

  @Test
  void aServerWithSeveralHostKeysIsTrustedWithTheFingerprintOfAnyOfThem() throws Exception {
    server = SftpTestServer.start(root, daemonKey.getPublic(), null, ecdsaHostKey, rsaHostKey);
    Files.createDirectories(root.resolve("restores"));
    SftpTarget first = server.target("/restores");
    SftpTarget byRsaKey = new SftpTarget(first.host(), first.port(), first.user(),
        first.directory(), SshKeys.fingerprint(rsaHostKey.getPublic()));
    Path file = randomFile("d", 10_000);

    SftpPush.push(file, "d", byRsaKey, daemonKey, TIMEOUT, n -> { });

    assertThat(Files.mismatch(file, root.resolve("restores/d"))).isEqualTo(-1);
  }

  @Test
  void aHostKeyMismatchNamesEveryKeyTheServerPresented() throws Exception {
    server = SftpTestServer.start(root, daemonKey.getPublic(), null, ecdsaHostKey, rsaHostKey);
    SftpTarget first = server.target("/");
    SftpTarget target = new SftpTarget(first.host(), first.port(), first.user(), "/",
        SshKeys.fingerprint(daemonKey.getPublic()));

    assertThatThrownBy(() -> SftpPush.push(randomFile("d", 1000), "d", target, daemonKey,
        TIMEOUT, n -> { }))
        .hasMessageContaining("presented "
            + SshKeys.fingerprint(ecdsaHostKey.getPublic()) + " (ecdsa-sha2-nistp256), "
            + SshKeys.fingerprint(rsaHostKey.getPublic()) + " (ssh-rsa).");
    assertThat(server.authAttempts).hasValue(0);
  }

  @Test
  void anUnknownDaemonKeyIsRefusedWithTheAdviceToAuthorizeIt() throws Exception {
    start(null);
    KeyPair otherKey = KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);

    assertThatThrownBy(() -> SftpPush.push(randomFile("d", 1000), "d",
        server.target("/restores"), otherKey, TIMEOUT, n -> { }))
        .isInstanceOf(RestoreException.class)
        .hasMessageStartingWith("SFTP authentication as backup@127.0.0.1:" + server.port()
            + " was refused")
        .hasMessageContaining(SshKeys.fingerprint(otherKey.getPublic()))
        .hasMessageContaining("~backup/.ssh/authorized_keys");
    assertThat(server.authAttempts.get()).isPositive();
    assertThat(remoteFiles()).isEmpty();
  }

  @Test
  void aPortNobodyListensOnSaysTheConnectionWasRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    SftpTarget target = new SftpTarget("127.0.0.1", port, "backup", "/restores",
        SshKeys.fingerprint(ecdsaHostKey.getPublic()));

    assertThatThrownBy(() -> SftpPush.push(randomFile("d", 1000), "d", target, daemonKey,
        TIMEOUT, n -> { }))
        .isInstanceOf(RestoreException.class)
        .hasMessageStartingWith("cannot connect to 127.0.0.1:" + port + ": Connection refused");
  }

  @Test
  void aPortWhereNoSshServerAnswersTimesOut() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) { // connections queue, nothing answers
      SftpTarget target = new SftpTarget("127.0.0.1", silent.getLocalPort(), "backup", "/",
          SshKeys.fingerprint(ecdsaHostKey.getPublic()));

      assertThatThrownBy(() -> SftpPush.push(randomFile("d", 1000), "d", target, daemonKey,
          Duration.ofSeconds(1), n -> { }))
          .isInstanceOf(RestoreException.class)
          .hasMessageStartingWith("no SSH answer from 127.0.0.1:" + silent.getLocalPort()
              + " within 1 s");
    }
  }

  @Test
  void aMissingTargetDirectoryIsNamedAndNothingIsCreated() throws Exception {
    start(null);

    assertThatThrownBy(() -> SftpPush.push(randomFile("d", 1000), "d",
        server.target("/backups/nope"), daemonKey, TIMEOUT, n -> { }))
        .isInstanceOf(RestoreException.class)
        .hasMessageStartingWith("the target directory /backups/nope on 127.0.0.1:"
            + server.port() + " does not exist (delivery.targetDirectory)");
    assertThat(root.resolve("backups")).doesNotExist();
  }

  @Test
  void aDirectoryTheUserCannotWriteInSaysSo() throws Exception {
    start(FaultySftpAccessor.noNewFilesIn("restores"));

    assertThatThrownBy(() -> SftpPush.push(randomFile("d", 1000), "d",
        server.target("/restores"), daemonKey, TIMEOUT, n -> { }))
        .isInstanceOf(RestoreException.class)
        .hasMessageStartingWith("backup cannot create files in /restores on 127.0.0.1:")
        .hasMessageContaining("SSH_FX_PERMISSION_DENIED")
        .hasMessageEndingWith("make the directory writable by backup");
    assertThat(remoteFiles()).isEmpty();
  }

  @Test
  void aFullDiskFailsThePushWithTheServersStatusAndRemovesThePartFile() throws Exception {
    start(FaultySftpAccessor.diskFullAfter(2 * MB));

    assertThatThrownBy(() -> SftpPush.push(randomFile("dump.tar.gz", 8 * MB), "dump.tar.gz",
        server.target("/restores"), daemonKey, TIMEOUT, n -> { }))
        .isInstanceOf(RestoreException.class)
        .hasMessageStartingWith("writing /restores/dump.tar.gz.part on 127.0.0.1:")
        .hasMessageContaining("failed after ")
        .hasMessageContaining("of " + 8 * MB + " bytes: the server answered SSH_FX_FAILURE (4)")
        .hasMessageContaining("check free space and quotas on the target")
        .hasMessageNotContaining("may remain");
    assertThat(remoteFiles()).isEmpty();
  }

  @Test
  void aConnectionDroppedMidTransferFailsAndThePartFileIsRemovedOverANewConnection()
      throws Exception {
    start(null);
    AtomicBoolean dropped = new AtomicBoolean();
    LongConsumer dropAtFirstReport = n -> { // the first report comes at once, after 1 MiB
      if (dropped.compareAndSet(false, true)) {
        server.dropConnections();
      }
    };

    assertThatThrownBy(() -> SftpPush.push(randomFile("dump.tar.gz", 16 * MB), "dump.tar.gz",
        server.target("/restores"), daemonKey, TIMEOUT, dropAtFirstReport))
        .isInstanceOf(RestoreException.class)
        .hasMessageStartingWith("the connection to 127.0.0.1:" + server.port()
            + " was lost while writing /restores/dump.tar.gz.part after ")
        .hasMessageNotContaining("may remain");
    assertThat(dropped).isTrue();
    assertThat(remoteFiles()).isEmpty();
  }

  @Test
  void aServerStoppedMidTransferFailsThePushAndTheNextPushAfterItsRestartSucceeds()
      throws Exception {
    start(null);
    Path file = randomFile("dump.tar.gz", 16 * MB);
    AtomicBoolean stopped = new AtomicBoolean();
    LongConsumer stopAtFirstReport = n -> {
      if (stopped.compareAndSet(false, true)) {
        try {
          server.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };

    assertThatThrownBy(() -> SftpPush.push(file, "dump.tar.gz", server.target("/restores"),
        daemonKey, TIMEOUT, stopAtFirstReport))
        .isInstanceOf(RestoreException.class)
        .hasMessageContaining("was lost while writing /restores/dump.tar.gz.part")
        .hasMessageContaining("the partial file /restores/dump.tar.gz.part may remain on "
            + "127.0.0.1:" + server.port());

    server = SftpTestServer.start(root, daemonKey.getPublic(), null, ecdsaHostKey);
    SftpPush.push(file, "dump.tar.gz", server.target("/restores"), daemonKey, TIMEOUT, n -> { });
    assertThat(Files.mismatch(file, root.resolve("restores/dump.tar.gz"))).isEqualTo(-1);
    assertThat(remoteFiles()).containsExactly("dump.tar.gz");
  }

  @Test
  void anInterruptedPushIsCancelledRemovesThePartFileAndKeepsTheInterrupt() throws Exception {
    start(null);
    LongConsumer interruptAtFirstReport = n -> Thread.currentThread().interrupt();

    try {
      assertThatThrownBy(() -> SftpPush.push(randomFile("dump.tar.gz", 8 * MB), "dump.tar.gz",
          server.target("/restores"), daemonKey, TIMEOUT, interruptAtFirstReport))
          .isInstanceOf(RestoreException.class)
          .hasMessage("cancelled: the push to backup@127.0.0.1:" + server.port() + ":/restores "
              + "was stopped while writing /restores/dump.tar.gz.part after 1048576 of 8388608 "
              + "bytes");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(remoteFiles()).isEmpty();
  }

  private void start(SftpFileSystemAccessor accessor) throws IOException {
    server = SftpTestServer.start(root, daemonKey.getPublic(), accessor, ecdsaHostKey);
    Files.createDirectories(root.resolve("restores"));
  }

  private List<String> remoteFiles() throws IOException {
    Path dir = root.resolve("restores");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private Path randomFile(String name, int size) throws IOException {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    return Files.write(local.resolve(name), data);
  }
}
