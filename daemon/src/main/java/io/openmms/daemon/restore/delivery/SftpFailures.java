package io.openmms.daemon.restore.delivery;

import io.openmms.daemon.restore.RestoreException;
import io.openmms.server.api.RestoreSshKeysApi;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * The one place that turns what went wrong in an SSH push into the {@link RestoreException}
 * message a user reads on the restore job: what happened, with the values and request fields
 * involved, and what to do. Order of precedence: cancellation (the thread was interrupted), then
 * the cause. Messages hold host names, paths, byte counts, fingerprints and the server's own
 * status text, never key material.
 */
final class SftpFailures {
  /** Where users find the daemons' public keys. */
  private static final String KEYS_API = RestoreSshKeysApi.href("{groupId}");

  private SftpFailures() {}

  static RestoreException connect(IOException e, SftpTarget t, Duration timeout) {
    if (cancelled(e)) {
      return cancelled(t, "while connecting");
    }
    String reason;
    if (find(e, UnknownHostException.class) != null) {
      reason = "unknown host " + t.host() + "; check delivery.targetHost";
    } else if (timedOut(e)) {
      reason = "no answer within " + seconds(timeout) + "; check delivery.targetHost, "
          + "delivery.targetPort and the firewalls between the daemon and the host";
    } else {
      Throwable cause = firstOf(e, ConnectException.class, NoRouteToHostException.class);
      reason = message(cause == null ? rootCause(e) : cause) + "; check delivery.targetHost, "
          + "delivery.targetPort and that an SSH server listens there";
    }
    return new RestoreException("cannot connect to " + t.address() + ": " + reason, e);
  }

  static RestoreException handshake(
      IOException e, HostKeyCheck.Outcome outcome, SftpTarget t, KeyPair key, Duration timeout) {
    if (cancelled(e)) {
      return cancelled(t, "while connecting");
    }
    if (outcome == HostKeyCheck.Outcome.NOT_ASKED) {
      return new RestoreException(timedOut(e)
          ? "no SSH answer from " + t.address() + " within " + seconds(timeout)
              + "; check that delivery.targetPort is the port of an SSH server"
          : "the SSH handshake with " + t.address() + " failed: " + message(rootCause(e)), e);
    }
    SshException ssh = (SshException) find(e, SshException.class);
    if (ssh != null
        && ssh.getDisconnectCode() == SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE) {
      return new RestoreException("SFTP authentication as " + t.user() + "@" + t.address()
          + " was refused: add the daemon's restore public key ("
          + SshKeys.fingerprint(key.getPublic()) + ") to ~" + t.user()
          + "/.ssh/authorized_keys on " + t.host() + ". The restore wizard shows its line under"
          + " SSH push, and GET " + KEYS_API + " returns it; it is also in the .pub file beside"
          + " daemon.restore.ssh.key", e);
    }
    if (timedOut(e)) {
      return new RestoreException("no answer from " + t.address() + " within "
          + seconds(timeout) + " while authenticating as " + t.user(), e);
    }
    return new RestoreException("SFTP authentication as " + t.user() + "@" + t.address()
        + " failed: " + message(rootCause(e)), e);
  }

  /**
   * @param presented the keys the server showed, "SHA256:... (type), ..."
   * @param uncheckable host key types the server offered that this JVM cannot verify
   */
  static RestoreException hostKeyMismatch(
      SftpTarget t, String presented, Collection<String> uncheckable) {
    String others = uncheckable.isEmpty() ? "" : " The server also has host keys of types the "
        + "daemon cannot check (" + String.join(", ", uncheckable) + (uncheckable.stream()
            .anyMatch(k -> k.contains("ed25519")) ? "; ed25519 needs BouncyCastle in the daemon"
            : "") + "): give the fingerprint of one of the keys above.";
    return new RestoreException("the SSH host key of " + t.address()
        + " does not match delivery.hostKeyFingerprint: expected " + t.hostKeyFingerprint()
        + ", the server presented " + presented + ". Nothing was sent." + others
        + " If the host's key changed, give its new fingerprint (on the host: ssh-keygen -lf "
        + "/etc/ssh/ssh_host_<type>_key.pub); otherwise the connection may be intercepted");
  }

  static RestoreException sftpSubsystem(IOException e, SftpTarget t) {
    if (cancelled(e)) {
      return cancelled(t, "while starting SFTP");
    }
    return new RestoreException("cannot start SFTP on " + t.address() + ": " + message(e)
        + "; the SSH server must offer the sftp subsystem (Subsystem sftp in sshd_config)", e);
  }

  static RestoreException directory(IOException e, SftpTarget t) {
    if (cancelled(e)) {
      return cancelled(t, "while checking the target directory");
    }
    int status = status(e);
    String dir = t.directory() + " on " + t.address();
    if (status == SftpConstants.SSH_FX_NO_SUCH_FILE
        || status == SftpConstants.SSH_FX_NO_SUCH_PATH) {
      return new RestoreException("the target directory " + dir + " does not exist "
          + "(delivery.targetDirectory); create it and make it writable by " + t.user(), e);
    }
    if (status == SftpConstants.SSH_FX_PERMISSION_DENIED) {
      return new RestoreException(t.user() + " may not access the target directory " + dir
          + ": permission denied; make it writable by " + t.user(), e);
    }
    return transfer(e, t, "checking the target directory " + t.directory(), 0, 0, true);
  }

  static RestoreException notADirectory(SftpTarget t) {
    return new RestoreException("delivery.targetDirectory " + t.directory() + " on "
        + t.address() + " is not a directory");
  }

  static RestoreException openPart(IOException e, SftpTarget t, String part) {
    int status = status(e);
    if (status == SftpConstants.SSH_FX_PERMISSION_DENIED
        || status == SftpConstants.SSH_FX_WRITE_PROTECT) {
      return new RestoreException(t.user() + " cannot create files in " + t.directory() + " on "
          + t.address() + ": " + statusText((SftpException) find(e, SftpException.class))
          + "; make the directory writable by " + t.user(), e);
    }
    return transfer(e, t, "creating " + part, 0, 0, true);
  }

  static RestoreException localRead(IOException e, Path localFile, SftpTarget t) {
    if (cancelled(e)) {
      return cancelled(t, "while reading " + localFile);
    }
    return new RestoreException("cannot read the restore file " + localFile + ": " + message(e), e);
  }

  /**
   * A failure while talking to the server: {@code doing} says what was going on ("writing
   * /x/y.part"), {@code sent} of {@code size} bytes were sent, {@code connected} tells whether the
   * session was still up afterwards.
   */
  static RestoreException transfer(
      IOException e, SftpTarget t, String doing, long sent, long size, boolean connected) {
    String progress = size > 0 ? " after " + sent + " of " + size + " bytes" : "";
    if (cancelled(e)) {
      return cancelled(t, "while " + doing + progress);
    }
    SftpException status = (SftpException) find(e, SftpException.class);
    if (status != null) {
      return new RestoreException(doing + " on " + t.address() + " failed" + progress
          + ": the server answered " + statusText(status) + hint(status.getStatus()), e);
    }
    if (!connected || connectionLost(e)) {
      return new RestoreException("the connection to " + t.address() + " was lost while "
          + doing + progress + "; push again", e);
    }
    if (timedOut(e)) {
      return new RestoreException("no answer from " + t.address() + " while " + doing
          + progress + "; the server or the network stalled", e);
    }
    return new RestoreException(
        doing + " on " + t.address() + " failed" + progress + ": " + message(rootCause(e)), e);
  }

  static RestoreException cancelled(SftpTarget t, String when) {
    return new Cancelled("cancelled: the push to " + t + " was stopped " + when);
  }

  /** A push stopped because its thread was interrupted. */
  static final class Cancelled extends RestoreException {
    Cancelled(String message) {
      super(message);
    }
  }

  static RestoreException sizeMismatch(SftpTarget t, String part, long reported, long sent) {
    return new RestoreException("the server reports " + reported + " bytes for " + part + " on "
        + t.address() + " but " + sent + " were sent; push again");
  }

  static RestoreException targetExists(IOException e, SftpTarget t, String dest) {
    return new RestoreException("cannot replace the existing file " + dest + " on "
        + t.address() + ": the server does not overwrite on rename (" + message(e)
        + "); remove that file and push again", e);
  }

  /** Whether the thread was interrupted or {@code e} says it was. */
  static boolean cancelled(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof InterruptedException || c instanceof ClosedByInterruptException
          || c instanceof InterruptedIOException && !(c instanceof SocketTimeoutException)) {
        return true;
      }
    }
    return false;
  }

  private static boolean timedOut(Throwable e) {
    if (firstOf(e, SocketTimeoutException.class, TimeoutException.class,
        InterruptedByTimeoutException.class) != null) {
      return true;
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("timeout") || m.contains("timed out")) {
        return true;
      }
    }
    return false;
  }

  private static boolean connectionLost(Throwable e) {
    return firstOf(e, EOFException.class, ClosedChannelException.class,
        SocketException.class) != null;
  }

  private static String hint(int status) {
    return switch (status) {
      case SftpConstants.SSH_FX_NO_SPACE_ON_FILESYSTEM, SftpConstants.SSH_FX_QUOTA_EXCEEDED ->
          "; free space on the target file system or raise the quota";
      case SftpConstants.SSH_FX_FAILURE -> "; check free space and quotas on the target";
      case SftpConstants.SSH_FX_PERMISSION_DENIED, SftpConstants.SSH_FX_WRITE_PROTECT ->
          "; check the permissions of the target directory";
      default -> "";
    };
  }

  private static int status(IOException e) {
    SftpException s = (SftpException) find(e, SftpException.class);
    return s == null ? -1 : s.getStatus();
  }

  /** "SSH_FX_FAILURE (4): No space left on device", the server's text made one short line. */
  private static String statusText(SftpException e) {
    String text = e.getMessage() == null ? "" : e.getMessage().replaceAll("\\p{Cntrl}", " ");
    text = text.length() > 200 ? text.substring(0, 200) + "..." : text;
    return SftpConstants.getStatusName(e.getStatus()) + " (" + e.getStatus() + ")"
        + (text.isBlank() ? "" : ": " + text.strip());
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  private static Throwable find(Throwable e, Class<? extends Throwable> type) {
    return firstOf(e, type);
  }

  @SafeVarargs
  private static Throwable firstOf(Throwable e, Class<? extends Throwable>... types) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      for (Class<? extends Throwable> type : types) {
        if (type.isInstance(c)) {
          return c;
        }
      }
    }
    return null;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
