package io.openmms.agent.backup;

import io.openmms.agent.AgentSettings;
import io.openmms.common.config.Config;
import io.openmms.common.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;

/** The backup agent's settings, read and cross-checked once at construction. */
record BackupOptions(Path dataDir, Duration assignmentsInterval, long batchMaxBytes,
    int batchMaxDocuments, int copyBatchSize, int oplogBatchSize, Duration oplogAwait,
    Duration oplogPollInterval, long spoolMaxBytes, Duration sendTimeout, Duration retryInitial,
    Duration retryMax) {

  /** The service takes 48 MiB per request; one document of up to 16 MiB may join a full batch. */
  static final long MAX_BATCH_BYTES = 32L * 1024 * 1024;

  static BackupOptions of(Config c) {
    long batchBytes = c.get(AgentSettings.BACKUP_BATCH_MAX_BYTES);
    if (batchBytes > MAX_BATCH_BYTES) {
      throw new ConfigException(AgentSettings.BACKUP_BATCH_MAX_BYTES.key() + " is " + batchBytes
          + " bytes; the backup service accepts at most 48MB per request, so it must be at most "
          + "32MB");
    }
    long spool = c.get(AgentSettings.BACKUP_SPOOL_MAX_BYTES);
    if (spool < batchBytes) {
      throw new ConfigException(AgentSettings.BACKUP_SPOOL_MAX_BYTES.key() + " (" + spool
          + " bytes) must be at least " + AgentSettings.BACKUP_BATCH_MAX_BYTES.key() + " ("
          + batchBytes + " bytes)");
    }
    return new BackupOptions(c.get(AgentSettings.DATA_DIR),
        c.get(AgentSettings.BACKUP_ASSIGNMENTS_INTERVAL), batchBytes,
        c.get(AgentSettings.BACKUP_BATCH_MAX_DOCUMENTS),
        c.get(AgentSettings.BACKUP_COPY_BATCH_SIZE), c.get(AgentSettings.BACKUP_OPLOG_BATCH_SIZE),
        c.get(AgentSettings.BACKUP_OPLOG_AWAIT), c.get(AgentSettings.BACKUP_OPLOG_POLL_INTERVAL),
        spool, c.get(AgentSettings.BACKUP_SEND_TIMEOUT),
        c.get(AgentSettings.BACKUP_RETRY_INITIAL), c.get(AgentSettings.BACKUP_RETRY_MAX));
  }

  OplogReader.Options readerOptions() {
    return new OplogReader.Options(batchMaxBytes, batchMaxDocuments, oplogBatchSize, oplogAwait,
        oplogPollInterval, retryMax);
  }
}
