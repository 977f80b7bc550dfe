package io.openmms.daemon.restore.delivery;

import io.openmms.daemon.restore.RestoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClient.Attributes;
import org.apache.sshd.sftp.client.SftpClient.CloseableHandle;
import org.apache.sshd.sftp.client.SftpClient.CopyMode;
import org.apache.sshd.sftp.client.SftpClient.OpenMode;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.client.impl.AbstractSftpClient;
import org.apache.sshd.sftp.client.impl.SftpOutputStreamAsync;
import org.apache.sshd.sftp.common.SftpConstants;

/**
 * One file's upload over an open SFTP session, step by step: {@link #checkDirectory}, {@link
 * #send} the local file to {@code <directory>/<name>.part}, {@link #rename} it to {@code
 * <directory>/<name>}; {@link #removePart} is the best-effort cleanup after a failure. Each step
 * throws a {@link RestoreException} from {@link SftpFailures}.
 *
 * <p>Writes are pipelined (MINA's {@link SftpOutputStreamAsync}: many WRITE requests in flight,
 * their statuses collected as they arrive and all of them before the file is closed), so a
 * server's refusal, such as a full disk, surfaces a few requests after the one that failed. The
 * size the server reports for the finished part file is checked before the rename. The rename
 * replaces an existing file only where the server supports it: OpenSSH's posix-rename extension,
 * or the overwrite flag of SFTP 5 and later; otherwise an existing file makes it fail.
 *
 * <p>Not thread-safe: used by the pushing thread only.
 */
final class SftpUpload {
  /** Bytes read from the local file at a time. */
  static final int READ_BUFFER = 1 << 20;
  /** Data bytes per SFTP WRITE request; OpenSSH and MINA accept up to 256 KiB. */
  static final int WRITE_SIZE = 64 * 1024;

  private final ClientSession session;
  private final SftpClient sftp;
  private final SftpTarget target;
  private final String part;
  private final String dest;
  private long sent;

  SftpUpload(ClientSession session, SftpClient sftp, SftpTarget target, String remoteName,
      String partTag) {
    this.session = session;
    this.sftp = sftp;
    this.target = target;
    this.dest = remotePath(target.directory(), remoteName);
    this.part = dest + (partTag.isEmpty() ? "" : "." + partTag) + ".part";
  }

  static String remotePath(String directory, String name) {
    return directory.endsWith("/") ? directory + name : directory + "/" + name;
  }

  String part() {
    return part;
  }

  long sent() {
    return sent;
  }

  void checkDirectory() throws RestoreException {
    Attributes attributes;
    try {
      attributes = sftp.stat(target.directory());
    } catch (IOException e) {
      throw SftpFailures.directory(e, target);
    }
    if (!attributes.isDirectory()) {
      throw SftpFailures.notADirectory(target);
    }
  }

  /** Streams {@code localFile} ({@code size} bytes) into the part file, reporting to progress. */
  void send(Path localFile, long size, SftpProgress progress) throws RestoreException {
    InputStream in;
    try {
      in = Files.newInputStream(localFile);
    } catch (IOException e) {
      throw SftpFailures.localRead(e, localFile, target);
    }
    try (in) {
      CloseableHandle handle = openPart();
      try {
        stream(in, handle, progress);
      } catch (LocalReadException e) {
        closeQuietly(handle);
        throw SftpFailures.localRead(e.io, localFile, target);
      } catch (IOException e) {
        closeQuietly(handle);
        throw SftpFailures.transfer(e, target, "writing " + part, sent, size, connected());
      }
    } catch (IOException e) {
      // closing the local file failed after it was read: nothing lost
    }
    progress.done(sent);
    checkSize();
  }

  private CloseableHandle openPart() throws RestoreException {
    try {
      return sftp.open(part, EnumSet.of(OpenMode.Write, OpenMode.Create, OpenMode.Truncate));
    } catch (IOException e) {
      throw SftpFailures.openPart(e, target, part);
    }
  }

  private void stream(InputStream in, CloseableHandle handle, SftpProgress progress)
      throws IOException {
    SftpOutputStreamAsync out =
        new SftpOutputStreamAsync((AbstractSftpClient) sftp, WRITE_SIZE, part, handle, false);
    byte[] buffer = new byte[READ_BUFFER];
    while (true) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted");
      }
      int n = read(in, buffer);
      if (n <= 0) {
        break;
      }
      client(() -> out.write(buffer, 0, n));
      sent += n;
      progress.sent(sent);
    }
    client(out::close); // sends what is buffered and waits for the status of every write
    client(handle::close);
  }

  private interface ClientCall {
    void run() throws IOException;
  }

  /**
   * Runs a call of the SFTP client, whose state errors are runtime exceptions: an interrupted
   * wait, for one, leaves a write pending and the next write fails with MINA's
   * WritePendingException. They are transfer failures like any other.
   */
  private static void client(ClientCall call) throws IOException {
    try {
      call.run();
    } catch (RuntimeException e) {
      throw new IOException("the SFTP client failed: " + e.getMessage(), e);
    }
  }

  void rename() throws RestoreException {
    try {
      OpenSSHPosixRenameExtension posix = sftp.getExtension(OpenSSHPosixRenameExtension.class);
      if (posix != null && posix.isSupported()) {
        posix.posixRename(part, dest);
      } else if (sftp.getVersion() >= SftpConstants.SFTP_V5) {
        sftp.rename(part, dest, CopyMode.Overwrite);
      } else {
        sftp.rename(part, dest);
      }
    } catch (IOException e) {
      if (!SftpFailures.cancelled(e) && connected() && exists(dest)) {
        throw SftpFailures.targetExists(e, target, dest);
      }
      throw SftpFailures.transfer(e, target, "renaming " + part + " to " + dest, 0, 0,
          connected());
    }
  }

  /** Removes the part file if the session is still up; false when it may remain. */
  boolean removePart() {
    if (!connected()) {
      return false;
    }
    try {
      sftp.remove(part);
      return true;
    } catch (IOException e) {
      return !exists(part);
    }
  }

  boolean connected() {
    return session.isOpen() && sftp.isOpen();
  }

  private void checkSize() throws RestoreException {
    long reported;
    try {
      reported = sftp.stat(part).getSize();
    } catch (IOException e) {
      throw SftpFailures.transfer(e, target, "checking the size of " + part,
          sent, sent, connected());
    }
    if (reported != sent) {
      throw SftpFailures.sizeMismatch(target, part, reported, sent);
    }
  }

  private boolean exists(String path) {
    try {
      sftp.lstat(path);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int read(InputStream in, byte[] buffer) throws LocalReadException {
    try {
      return in.readNBytes(buffer, 0, buffer.length);
    } catch (IOException e) {
      throw new LocalReadException(e);
    }
  }

  private static void closeQuietly(CloseableHandle handle) {
    try {
      handle.close();
    } catch (IOException | RuntimeException e) {
      // the session may be gone; closing it releases the handle on the server
    }
  }

  /** Marks a failure to read the local file, as opposed to the remote side. */
  private static final class LocalReadException extends IOException {
    final IOException io;

    LocalReadException(IOException io) {
      super(io);
      this.io = io;
    }
  }
}
