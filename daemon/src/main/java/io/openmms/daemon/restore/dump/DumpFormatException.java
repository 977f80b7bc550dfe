package io.openmms.daemon.restore.dump;

import java.io.IOException;

/** A dump (directory, tar.gz or archive) does not follow its format; the message names where. */
public final class DumpFormatException extends IOException {
  public DumpFormatException(String message) {
    super(message);
  }
}
