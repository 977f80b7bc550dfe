package io.openmms.agent.monitoring;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoServerException;

/**
 * The one place that decides what a driver failure means for monitoring. A process that cannot
 * be reached (no connection, timeout, failed authentication) is reported down; a command the
 * process answered with an error (not supported, not authorised, not in this state) only leaves
 * that command's metrics out.
 */
final class Failures {
  /** CommandNotFound. */
  static final int COMMAND_NOT_FOUND = 59;

  private Failures() {}

  /** True when the process answered: the failure concerns this command only. */
  static boolean isCommandError(RuntimeException e) {
    return e instanceof MongoServerException && !(e instanceof MongoSecurityException);
  }

  static boolean isCommandNotFound(RuntimeException e) {
    return e instanceof MongoCommandException c
        && (c.getErrorCode() == COMMAND_NOT_FOUND || "CommandNotFound".equals(c.getErrorCodeName()));
  }

  /** A short operator-facing description of why a process could not be polled. */
  static String describe(RuntimeException e) {
    String kind = e instanceof MongoSecurityException ? "authentication failed"
        : e instanceof com.mongodb.MongoTimeoutException ? "unreachable (timeout)"
        : e instanceof com.mongodb.MongoSocketException ? "unreachable"
        : e instanceof MongoException ? "error" : e.getClass().getSimpleName();
    String msg = e.getMessage() == null ? "" : e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null && !msg.contains(cause.getMessage())) {
      msg = msg + " (" + cause.getMessage() + ")";
    }
    if (msg.length() > 300) {
      msg = msg.substring(0, 300) + "...";
    }
    return kind + ": " + msg;
  }
}
