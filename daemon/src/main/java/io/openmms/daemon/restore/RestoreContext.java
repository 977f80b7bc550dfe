package io.openmms.daemon.restore;

import io.openmms.daemon.service.BatchSource;
import io.openmms.daemon.snapshot.SnapshotStores;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.RestoreFiles;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.Snapshots;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.function.Supplier;

/** What every restore run of one daemon shares. */
record RestoreContext(String daemonId, RestoreJobs jobs, RestoreFiles files,
    Snapshots snapshots, SnapshotStores stores, BatchSource batches, BackupData data,
    Path stagingDir, Supplier<KeyPair> sshKeys, Clock clock) {

  KeyPair sshKey() {
    return sshKeys.get();
  }

  /** The job's target connection string (a secret: never logged, removed when the job ends). */
  String targetUri(RestoreJobs.Job job) {
    return job.delivery().getString("targetConnectionString");
  }
}
