package io.openmms.daemon.restore.delivery;

import io.openmms.daemon.restore.RestoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongConsumer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * Delivers a restore file by SSH push (SPEC §4): uploads it by SFTP to a directory on a host the
 * user named, authenticating with the daemon's key ({@link SshKeys}) and trusting the server only
 * if its host key has the fingerprint the user gave ({@link SftpTarget}).
 *
 * <p>The file is written as {@code <name>.part} and renamed to {@code <name>} once the server has
 * confirmed every write and reports the full size, so a reader of the directory never sees a
 * partial file under the final name. After any failure the part file is removed on a best-effort
 * basis: over the same session when it is still up, else over a new connection (not when the push
 * was cancelled); if it remains, the message says so, and the next push of the same name
 * overwrites it.
 *
 * <p>One SSH client, session and SFTP channel per push, all closed before {@link #push} returns.
 * Thread-safe: pushes share nothing.
 */
public final class SftpPush {
  /** The longest a cleanup after a lost connection may wait for a new one. */
  static final Duration CLEANUP_TIMEOUT = Duration.ofSeconds(10);

  private SftpPush() {}

  /**
   * Uploads {@code localFile} to {@code <target.directory>/<remoteName>}, replacing a file of that
   * name where the server allows it.
   *
   * @param remoteName a plain file name (no {@code /})
   * @param timeout bounds connecting, the SSH handshake, authentication, each SFTP request and
   *     any stall of the transfer (not the transfer as a whole)
   * @param progress receives the number of bytes sent, on the calling thread, at most about ten
   *     times a second and once at the end with the file's size
   * @throws RestoreException when the file was not delivered, with a message for the user saying
   *     what happened and what to do; when the thread was interrupted, a message starting with
   *     "cancelled", and the thread's interrupt status is kept
   */
  public static void push(Path localFile, String remoteName, SftpTarget target, KeyPair key,
      Duration timeout, LongConsumer progress) throws RestoreException {
    push(localFile, remoteName, "", target, key, timeout, progress);
  }

  /**
   * As {@link #push(Path, String, SftpTarget, KeyPair, Duration, LongConsumer)}, writing the
   * partial file as {@code <remoteName>.<partTag>.part} (when {@code partTag} is not empty), so
   * that two pushes of the same name (two attempts of one restore job) never write or remove
   * each other's partial file.
   */
  public static void push(Path localFile, String remoteName, String partTag, SftpTarget target,
      KeyPair key, Duration timeout, LongConsumer progress) throws RestoreException {
    if (partTag.contains("/") || partTag.contains("\\")) {
      throw new IllegalArgumentException("partTag \"" + partTag + "\" is not a name part");
    }
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(progress, "progress");
    checkName(remoteName);
    long size = size(localFile, target);
    if (Thread.currentThread().isInterrupted()) {
      throw SftpFailures.cancelled(target, "before it started");
    }
    SshClient client = SshConnector.newClient(timeout);
    client.start();
    try {
      ClientSession session = SshConnector.open(client, target, key, timeout);
      try {
        Delivery delivery = new Delivery(client, target, key, timeout);
        delivery.run(session, localFile, remoteName, partTag, size,
            new SftpProgress(progress, System::nanoTime));
      } finally {
        closeQuietly(session);
      }
    } catch (SftpFailures.Cancelled e) {
      Thread.currentThread().interrupt(); // MINA's waits may have consumed it
      throw e;
    } finally {
      stop(client);
    }
  }

  /** Stops the client and its threads, with the interrupt status cleared meanwhile. */
  private static void stop(SshClient client) {
    boolean interrupted = Thread.interrupted();
    try {
      client.stop();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The steps after authentication, and the cleanup when one fails. */
  private record Delivery(SshClient client, SftpTarget target, KeyPair key, Duration timeout) {

    void run(ClientSession session, Path localFile, String remoteName, String partTag,
        long size, SftpProgress progress) throws RestoreException {
      SftpClient sftp = openSftp(session);
      try {
        SftpUpload upload = new SftpUpload(session, sftp, target, remoteName, partTag);
        upload.checkDirectory();
        try {
          upload.send(localFile, size, progress);
          upload.rename();
        } catch (RestoreException e) {
          throw removePart(upload, e instanceof SftpFailures.Cancelled) ? e : remains(e, upload);
        } catch (RuntimeException e) { // from the progress consumer
          removePart(upload, false);
          throw e;
        }
      } finally {
        closeQuietly(sftp);
      }
    }

    private SftpClient openSftp(ClientSession session) throws RestoreException {
      try {
        return SftpClientFactory.instance().createSftpClient(session);
      } catch (IOException e) {
        throw SftpFailures.sftpSubsystem(e, target);
      }
    }

    /**
     * Removes the part file, over a new connection if the session is gone (unless the push was
     * cancelled); false if it may remain. Runs with the interrupt status cleared so that its waits
     * work, and sets it again.
     */
    private boolean removePart(SftpUpload upload, boolean cancelled) {
      boolean interrupted = Thread.interrupted();
      try {
        return upload.removePart() || !cancelled && !interrupted && !upload.connected()
            && removeOverNewConnection(upload.part());
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private RestoreException remains(RestoreException failure, SftpUpload upload) {
      String message = failure.getMessage() + "; the partial file " + upload.part()
          + " may remain on " + target.address() + " (the next push of the same name replaces it)";
      return failure instanceof SftpFailures.Cancelled
          ? new SftpFailures.Cancelled(message)
          : new RestoreException(message, failure.getCause());
    }

    private boolean removeOverNewConnection(String part) {
      Duration wait = timeout.compareTo(CLEANUP_TIMEOUT) < 0 ? timeout : CLEANUP_TIMEOUT;
      ClientSession session = null;
      SftpClient sftp = null;
      try {
        session = SshConnector.open(client, target, key, wait);
        sftp = SftpClientFactory.instance().createSftpClient(session);
        sftp.remove(part);
        return true;
      } catch (RestoreException | IOException | RuntimeException e) {
        return false;
      } finally {
        closeQuietly(sftp);
        closeQuietly(session);
      }
    }
  }

  private static void checkName(String remoteName) {
    if (remoteName == null || remoteName.isBlank() || remoteName.contains("/")
        || remoteName.equals(".") || remoteName.equals("..")
        || remoteName.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("not a plain file name: '" + remoteName + "'");
    }
  }

  private static long size(Path localFile, SftpTarget target) throws RestoreException {
    try {
      BasicFileAttributes attributes = Files.readAttributes(localFile, BasicFileAttributes.class);
      if (!attributes.isRegularFile()) {
        throw new IOException("not a regular file");
      }
      return attributes.size();
    } catch (IOException e) {
      throw SftpFailures.localRead(e, localFile, target);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      // the session or channel is gone already; nothing more to release
    }
  }
}
