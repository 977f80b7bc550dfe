package io.openmms.daemon.restore;

/**
 * A restore cannot go on. The message is the reason shown on the restore job (statusName BROKEN),
 * so it says what failed and, where it can, what to do: "SFTP authentication as backup@db2:22
 * was refused: add the daemon's restore public key ... to ~backup/.ssh/authorized_keys on db2".
 * It never holds a secret.
 */
public class RestoreException extends Exception {
  public RestoreException(String message) {
    super(message);
  }

  public RestoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
