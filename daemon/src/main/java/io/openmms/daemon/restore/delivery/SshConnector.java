package io.openmms.daemon.restore.delivery;

import io.openmms.daemon.restore.RestoreException;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.password.PasswordIdentityProvider;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.BaseBuilder;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.sftp.SftpModuleProperties;
import org.apache.sshd.sftp.client.impl.AbstractSftpClient;

/**
 * Opens an authenticated SSH session to an {@link SftpTarget}: public-key authentication with the
 * daemon's key only, and a server host key whose fingerprint is the one the user gave.
 *
 * <p>An SSH server usually holds several host keys (ed25519, ECDSA, RSA) and shows one per
 * connection, the first type in the client's list that it has; the fingerprint the user gave may
 * be of another one. So when the key shown does not match, the connector reads the host key types
 * the server offered and connects again asking for the next type not yet seen, until a key
 * matches or none is left (at most one connection per key type; nothing is sent before a key
 * matched). Certificates and security-key types are not asked for.
 *
 * <p>The client ignores {@code ~/.ssh} (config, known_hosts, identities) and the SSH agent.
 */
final class SshConnector {
  private static final List<BuiltinSignatures> ALGORITHMS =
      BaseBuilder.DEFAULT_SIGNATURE_PREFERENCE.stream()
          .filter(BuiltinSignatures::isSupported)
          .filter(s -> !s.getName().contains("-cert-") && !s.getName().startsWith("sk-"))
          .toList();

  private SshConnector() {}

  /** A client with every wait bounded by {@code timeout}; the caller starts and stops it. */
  static SshClient newClient(Duration timeout) {
    SshClient client = SshClient.setUpDefaultClient();
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    client.setPasswordIdentityProvider(PasswordIdentityProvider.EMPTY_PASSWORDS_PROVIDER);
    client.setUserAuthFactories(List.of(new UserAuthPublicKeyFactory(factories(ALGORITHMS))));
    CoreModuleProperties.IO_CONNECT_TIMEOUT.set(client, timeout);
    CoreModuleProperties.AUTH_TIMEOUT.set(client, timeout);
    CoreModuleProperties.IDLE_TIMEOUT.set(client, timeout);
    CoreModuleProperties.CHANNEL_OPEN_TIMEOUT.set(client, timeout);
    CoreModuleProperties.WAIT_FOR_SPACE_TIMEOUT.set(client, timeout);
    SftpModuleProperties.SFTP_CHANNEL_OPEN_TIMEOUT.set(client, timeout);
    AbstractSftpClient.SFTP_CLIENT_CMD_TIMEOUT.set(client, timeout);
    return client;
  }

  /** An authenticated session; the caller closes it. */
  static ClientSession open(SshClient client, SftpTarget target, KeyPair key, Duration timeout)
      throws RestoreException {
    HostKeyCheck check = new HostKeyCheck(target.hostKeyFingerprint());
    client.setServerKeyVerifier(check);
    List<BuiltinSignatures> hostKeyAlgorithms = ALGORITHMS;
    Set<String> asked = new HashSet<>();
    while (true) {
      check.newAttempt();
      client.setSignatureFactories(factories(hostKeyAlgorithms));
      ClientSession session = connect(client, target, timeout);
      try {
        session.addPublicKeyIdentity(key);
        session.auth().verify(timeout);
        return session;
      } catch (IOException e) {
        Map<KexProposalOption, String> offered = session.getServerKexProposals();
        session.close(true);
        if (check.outcome() != HostKeyCheck.Outcome.MISMATCHED) {
          throw SftpFailures.handshake(e, check.outcome(), target, key, timeout);
        }
        Optional<BuiltinSignatures> next = nextHostKeyAlgorithm(offered, check, asked);
        if (next.isEmpty()) {
          throw SftpFailures.hostKeyMismatch(
              target, check.presentedKeys(), uncheckable(offered));
        }
        asked.add(next.get().getName());
        hostKeyAlgorithms = List.of(next.get());
      }
    }
  }

  private static ClientSession connect(SshClient client, SftpTarget target, Duration timeout)
      throws RestoreException {
    ConnectFuture future = null;
    try {
      future = client.connect(target.user(), target.host(), target.port());
      return future.verify(timeout).getClientSession();
    } catch (IOException e) {
      if (future != null) {
        future.cancel();
      }
      throw SftpFailures.connect(e, target, timeout);
    }
  }

  /** The first host key type the server offered whose key was not shown yet. */
  private static Optional<BuiltinSignatures> nextHostKeyAlgorithm(
      Map<KexProposalOption, String> offered, HostKeyCheck check, Set<String> asked) {
    String names = offered == null ? null : offered.get(KexProposalOption.SERVERKEYS);
    if (names == null) {
      return Optional.empty();
    }
    for (String name : names.split(",")) {
      BuiltinSignatures s = BuiltinSignatures.fromFactoryName(name.strip());
      if (s != null && ALGORITHMS.contains(s) && !asked.contains(s.getName())
          && !check.presentedKeyType(KeyUtils.getCanonicalKeyType(s.getName()))) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** The key types the server offered that the daemon does not ask for (such as ed25519). */
  private static List<String> uncheckable(Map<KexProposalOption, String> offered) {
    String names = offered == null ? null : offered.get(KexProposalOption.SERVERKEYS);
    if (names == null) {
      return List.of();
    }
    return Arrays.stream(names.split(",")).map(String::strip)
        .filter(n -> !n.isEmpty() && !n.contains("-cert-") && !n.startsWith("sk-"))
        .filter(n -> !ALGORITHMS.contains(BuiltinSignatures.fromFactoryName(n)))
        .map(KeyUtils::getCanonicalKeyType)
        .distinct()
        .toList();
  }

  private static List<NamedFactory<Signature>> factories(List<BuiltinSignatures> algorithms) {
    return new ArrayList<>(algorithms);
  }
}
