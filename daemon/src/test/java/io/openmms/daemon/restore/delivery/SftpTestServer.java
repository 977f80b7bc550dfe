package io.openmms.daemon.restore.delivery;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * An Apache MINA SSHD server on 127.0.0.1 (free port) offering SFTP in a directory: user
 * {@value #USER}, public-key authentication with one authorized key, the given host keys, and an
 * optional file system accessor to inject faults.
 */
final class SftpTestServer implements AutoCloseable {
  static final String USER = "backup";

  private final SshServer sshd;
  private final KeyPair[] hostKeys;
  /** How many times a client offered a key for authentication. */
  final AtomicInteger authAttempts = new AtomicInteger();

  private SftpTestServer(SshServer sshd, KeyPair[] hostKeys) {
    this.sshd = sshd;
    this.hostKeys = hostKeys;
  }

  static SftpTestServer start(Path root, PublicKey authorized, SftpFileSystemAccessor accessor,
      KeyPair... hostKeys) throws IOException {
    SshServer sshd = SshServer.setUpDefaultServer();
    SftpTestServer server = new SftpTestServer(sshd, hostKeys);
    sshd.setHost("127.0.0.1");
    sshd.setPort(0);
    sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKeys));
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setPublickeyAuthenticator((user, key, session) -> {
      server.authAttempts.incrementAndGet();
      return USER.equals(user) && KeyUtils.compareKeys(key, authorized);
    });
    sshd.setFileSystemFactory(new VirtualFileSystemFactory(root));
    SftpSubsystemFactory.Builder sftp = new SftpSubsystemFactory.Builder();
    if (accessor != null) {
      sftp.withFileSystemAccessor(accessor);
    }
    sshd.setSubsystemFactories(List.of(sftp.build()));
    sshd.start();
    return server;
  }

  int port() {
    return sshd.getPort();
  }

  /** A target in {@code directory} that trusts the server's first host key. */
  SftpTarget target(String directory) {
    return new SftpTarget("127.0.0.1", port(), USER, directory,
        SshKeys.fingerprint(hostKeys[0].getPublic()));
  }

  /** Drops every connection, as a network failure or a restarted sshd does, and keeps listening. */
  void dropConnections() {
    sshd.getActiveSessions().forEach(s -> s.close(true));
  }

  /** Drops every connection and stops listening. */
  @Override
  public void close() throws IOException {
    sshd.stop(true);
  }
}
