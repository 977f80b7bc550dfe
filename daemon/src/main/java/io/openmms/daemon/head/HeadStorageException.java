package io.openmms.daemon.head;

/** The head's storage failed (I/O error, corruption, unsupported format version). Not retryable. */
public class HeadStorageException extends RuntimeException {
  public HeadStorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public HeadStorageException(String message) {
    super(message);
  }
}
