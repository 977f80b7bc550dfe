package io.openmms.daemon.restore.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

/**
 * A server-side file system that fails like real ones do: the disk fills after a number of bytes
 * written, a directory refuses new files (as for a user without write permission; the tests run
 * as root, for whom permissions do not apply), a rename does not replace an existing file.
 */
final class FaultySftpAccessor implements SftpFileSystemAccessor {
  private final long diskBytes;
  private final String deniedDirectory;
  private final boolean renameReplaces;
  private final AtomicLong written = new AtomicLong();

  private FaultySftpAccessor(long diskBytes, String deniedDirectory, boolean renameReplaces) {
    this.diskBytes = diskBytes;
    this.deniedDirectory = deniedDirectory;
    this.renameReplaces = renameReplaces;
  }

  static FaultySftpAccessor diskFullAfter(long bytes) {
    return new FaultySftpAccessor(bytes, null, true);
  }

  static FaultySftpAccessor noNewFilesIn(String directoryName) {
    return new FaultySftpAccessor(Long.MAX_VALUE, directoryName, true);
  }

  static FaultySftpAccessor renameDoesNotReplace() {
    return new FaultySftpAccessor(Long.MAX_VALUE, null, false);
  }

  @Override
  public SeekableByteChannel openFile(SftpSubsystemProxy subsystem, FileHandle fileHandle,
      Path file, String handle, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    Path parent = file.getParent();
    if (deniedDirectory != null && parent != null && parent.getFileName() != null
        && parent.getFileName().toString().equals(deniedDirectory)) {
      throw new AccessDeniedException(file.toString());
    }
    SeekableByteChannel channel = SftpFileSystemAccessor.super.openFile(
        subsystem, fileHandle, file, handle, options, attrs);
    return new FillingChannel(channel);
  }

  @Override
  public void renameFile(SftpSubsystemProxy subsystem, Path from, Path to,
      Collection<CopyOption> opts) throws IOException {
    if (!renameReplaces && Files.exists(to)) {
      throw new FileAlreadyExistsException(to.toString());
    }
    SftpFileSystemAccessor.super.renameFile(subsystem, from, to, opts);
  }

  /** Counts the bytes written through all channels and fails once the disk is full. */
  private final class FillingChannel implements SeekableByteChannel {
    private final SeekableByteChannel delegate;

    FillingChannel(SeekableByteChannel delegate) {
      this.delegate = delegate;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (written.addAndGet(src.remaining()) > diskBytes) {
        throw new IOException("No space left on device");
      }
      return delegate.write(src);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return delegate.read(dst);
    }

    @Override
    public long position() throws IOException {
      return delegate.position();
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
      delegate.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public SeekableByteChannel truncate(long size) throws IOException {
      delegate.truncate(size);
      return this;
    }

    @Override
    public boolean isOpen() {
      return delegate.isOpen();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
