package io.openmms.agent.backup;

/**
 * Why a backup worker stops before it is told to; the agent reacts per subclass. Each message
 * names the replica set and what the agent does next.
 */
abstract class BackupStop extends Exception {
  BackupStop(String message) {
    super(message);
  }

  /** The sync was superseded or the service lost track: re-read the assignments, resume there. */
  static final class Reassign extends BackupStop {
    Reassign(String message) {
      super(message);
    }
  }

  /** The service rejected a batch as malformed; resending it cannot help. */
  static final class Rejected extends BackupStop {
    Rejected(String message) {
      super(message);
    }
  }

  /** The position fell off the source oplog (or was rolled back): a new initial sync is needed. */
  static final class Gap extends BackupStop {
    Gap(String message) {
      super(message);
    }
  }
}
