package io.openmms.dist;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openmms.common.util.Json;
import io.openmms.server.auth.Secrets;
import io.openmms.server.backup.BackupData;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Daemons;
import io.openmms.server.backup.PitWindow;
import io.openmms.server.backup.RestoreFiles;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.RestoreRequests;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.backup.SourceVersions;
import io.openmms.server.http.ApiException;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.store.AppDatabase;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.bson.BsonTimestamp;
import org.bson.Document;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code openmms restore <clusterId>}: restores a snapshot or a point in time of a backed-up
 * replica set to a file, a host (SFTP) or a MongoDB deployment, shows the job's progress and
 * ends with a summary (docs/restores.md, "Command line"). The request is checked exactly as the
 * API checks it; a backup daemon does the work.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restore a snapshot or a point in time of a backed-up replica set.",
        "It talks to the application database in the daemon's configuration (daemon.appdb.uri);"
            + " a running backup daemon does the work.",
        "Examples:",
        "  ./openmms restore -c daemon.properties CLUSTER_ID --snapshot SNAPSHOT_ID --out rs0.tar.gz",
        "  ./openmms restore CLUSTER_ID --time 2026-11-21T09:30:00Z --target mongodb://db2:27017"
            + " --drop",
        "  ./openmms restore CLUSTER_ID --latest --scp backup@db2:22:/srv/restores"
            + " --host-key SHA256:..."})
final class RestoreCommand implements Callable<Integer> {
  @Mixin Overrides overrides;

  @Parameters(paramLabel = "CLUSTER_ID",
      description = "The replica set's cluster id (as in the API's clusters and backupConfigs).")
  String clusterId;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Point point;

  static final class Point {
    @Option(names = "--snapshot", paramLabel = "ID", description = "Restore this snapshot.")
    String snapshotId;

    @Option(names = "--latest", description = "Restore the newest snapshot.")
    boolean latest;

    @Option(names = "--time", paramLabel = "INSTANT",
        description = "Restore to this wall-clock time (ISO-8601, e.g. 2026-11-21T09:30:00Z).")
    Instant time;

    @Option(names = "--oplog", paramLabel = "SECONDS:INC",
        description = "Restore to this oplog timestamp (seconds since the epoch and increment).")
    String oplog;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  static final class Target {
    @Option(names = "--out", paramLabel = "FILE", description = "Download the restore to FILE.")
    Path out;

    @Option(names = "--target", paramLabel = "URI",
        description = "Restore straight into the MongoDB deployment at this connection string.")
    String uri;

    @Option(names = "--scp", paramLabel = "USER@HOST:PORT:DIR",
        description = "Push the file by SFTP to DIR on HOST as USER (needs --host-key).")
    String scp;
  }

  @Option(names = "--format", defaultValue = "tar.gz",
      description = "File format for --out and --scp: tar.gz (a mongodump directory), archive or"
          + " archive.gz (mongodump --archive). Default: tar.gz.")
  String format;

  @Option(names = "--host-key", paramLabel = "SHA256:...",
      description = "The SFTP host's key fingerprint, as ssh-keygen -lf prints it.")
  String hostKey;

  @Option(names = "--drop", description = "With --target: drop existing collections first.")
  boolean drop;

  @Option(names = "--remap", paramLabel = "FROM=TO",
      description = "With --target: restore database FROM (or collection db.coll) as TO.")
  List<String> remap = List.of();

  @Option(names = "--timeout", defaultValue = "86400",
      description = "Seconds to wait for the restore. Default: 86400.")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    Clock clock = Clock.systemUTC();
    try (DaemonDatabase d = DaemonDatabase.open(overrides, clock)) {
      Backups.Backup b = d.backup(clusterId).orElse(null);
      if (b == null) {
        return 1;
      }
      AppDatabase db = d.db();
      Snapshots snapshots = new Snapshots(db);
      RestoreJobs jobs = new RestoreJobs(db, clock);
      RestoreRequests requests = new RestoreRequests(snapshots, new PitWindow(d.backups(),
          snapshots, new BackupData(db)), jobs, new Daemons(db, clock),
          new SourceVersions(new HostRecords(db)), new Secrets(new SecureRandom()));
      RestoreJobs.Job job;
      try {
        job = requests.create(b, body(snapshots, b));
      } catch (ApiException e) {
        System.err.println(e.getMessage());
        return 1;
      }
      out.println("Restore job " + job.id() + " of " + b.replicaSetName() + " queued.");
      Thread killer = new Thread(() -> jobs.requestKill(job.id()));
      Runtime.getRuntime().addShutdownHook(killer);
      RestoreJobs.Job end = await(jobs, job.id(), out);
      Runtime.getRuntime().removeShutdownHook(killer);
      if (end == null) {
        System.err.println("The restore did not end within " + timeoutSeconds + " s; it goes"
            + " on (job " + job.id() + ").");
        return 1;
      }
      if (end.status() != RestoreJobs.Status.FINISHED) {
        System.err.println("Restore job " + end.id() + " " + end.status() + ": " + end.reason());
        return 1;
      }
      if (target.out != null) {
        download(jobs, new RestoreFiles(db), end, out);
      }
      summary(out, end);
      return 0;
    }
  }

  private ObjectNode body(Snapshots snapshots, Backups.Backup b) {
    ObjectNode body = Json.mapper().createObjectNode();
    if (point.snapshotId != null) {
      body.put("snapshotId", point.snapshotId);
    } else if (point.latest) {
      body.put("snapshotId", snapshots.latest(b.id()).map(Snapshots.Snapshot::id)
          .orElseThrow(() -> ApiException.badRequest("NO_SNAPSHOT", b.replicaSetName()
              + " has no snapshot yet")));
    } else if (point.time != null) {
      body.put("pointInTimeUTCMillis", point.time.toEpochMilli());
    } else {
      String[] p = point.oplog.split(":");
      if (p.length != 2) {
        throw ApiException.badRequest("INVALID_RESTORE_POINT", "--oplog must be SECONDS:INC; was "
            + point.oplog);
      }
      body.put("oplogTs", number("--oplog", p[0], point.oplog))
          .put("oplogInc", number("--oplog", p[1], point.oplog));
    }
    ObjectNode d = body.putObject("delivery");
    String f = switch (format) {
      case "tar.gz" -> "TAR_GZ";
      case "archive" -> "ARCHIVE";
      case "archive.gz" -> "ARCHIVE_GZ";
      default -> throw ApiException.badRequest("INVALID_DELIVERY", "--format must be tar.gz,"
          + " archive or archive.gz; was " + format);
    };
    if (target.out != null) {
      d.put("methodName", "HTTP").put("format", f).put("maxDownloads", 1);
    } else if (target.scp != null) {
      String[] at = target.scp.split("@", 2);
      String[] hp = at.length == 2 ? at[1].split(":", 3) : new String[0];
      if (hp.length != 3) {
        throw ApiException.badRequest("INVALID_DELIVERY", "--scp must be USER@HOST:PORT:DIR");
      }
      d.put("methodName", "SCP").put("format", f).put("username", at[0])
          .put("targetHost", hp[0]).put("targetPort", number("--scp", hp[1], target.scp))
          .put("targetDirectory", hp[2]).put("hostKeyFingerprint", hostKey);
    } else {
      d.put("methodName", "AUTOMATED_RESTORE").put("targetConnectionString", target.uri)
          .put("dropExisting", drop);
      ObjectNode m = d.putObject("namespaceRemap");
      for (String r : remap) {
        String[] kv = r.split("=", 2);
        if (kv.length != 2) {
          throw ApiException.badRequest("INVALID_DELIVERY", "--remap must be FROM=TO; was " + r);
        }
        m.put(kv[0], kv[1]);
      }
    }
    return body;
  }

  /** A whole number the option {@code option} gives as part of {@code value}. */
  private static long number(String option, String part, String value) {
    try {
      return Long.parseLong(part.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("INVALID_OPTION", option + ": '" + part + "' in '" + value
          + "' is not a whole number");
    }
  }

  /** Shows the job's progress until it ends; null on timeout. */
  private RestoreJobs.Job await(RestoreJobs jobs, String id, PrintStream out)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    Progress bar = null;
    RestoreJobs.Phase shown = null;
    while (System.nanoTime() < deadline) {
      RestoreJobs.Job j = jobs.get(id).orElseThrow();
      if (j.status() != RestoreJobs.Status.IN_PROGRESS) {
        if (bar != null) {
          bar.done();
        }
        return j;
      }
      if (j.phase() != shown) {
        if (bar != null) {
          bar.done();
        }
        bar = new Progress(out, phase(j.phase()));
        shown = j.phase();
      }
      if (j.phase() == RestoreJobs.Phase.QUEUED) {
        bar.waiting("waiting for a backup daemon with block store '" + j.store() + "'");
      } else if (j.phase() == RestoreJobs.Phase.REPLAYING_OPLOG) {
        bar.waiting(j.bytesDone() + " of " + j.bytesTotal() + " oplog batches");
      } else {
        bar.show(j.bytesDone(), j.bytesTotal());
      }
      Thread.sleep(300);
    }
    return null;
  }

  private static String phase(RestoreJobs.Phase p) {
    return switch (p) {
      case QUEUED -> "queued";
      case READING_SNAPSHOT -> "reading the snapshot";
      case REPLAYING_OPLOG -> "replaying the oplog";
      case PACKAGING -> "packaging";
      case VERIFYING -> "verifying";
      case DELIVERING -> "delivering";
      case DONE -> "done";
    };
  }

  private void download(RestoreJobs jobs, RestoreFiles files, RestoreJobs.Job j,
      PrintStream out) throws Exception {
    long size = ((Number) j.file().get("size")).longValue();
    if (!jobs.countDownload(j.id(), j.delivery().getInteger("maxDownloads", 1))) {
      throw new IllegalStateException("the restore's download link is already used or expired");
    }
    Path part = target.out.resolveSibling(target.out.getFileName() + ".part");
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Progress bar = new Progress(out, "downloading");
    try (InputStream in = files.open(j.fileId(), 0, size);
        OutputStream o = new DigestOutputStream(Files.newOutputStream(part), sha)) {
      byte[] buf = new byte[1 << 20];
      long done = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        o.write(buf, 0, n);
        done += n;
        bar.show(done, size);
      }
    }
    bar.done();
    String got = HexFormat.of().formatHex(sha.digest());
    if (!got.equals(j.file().getString("sha256"))) {
      Files.deleteIfExists(part);
      throw new IllegalStateException("the downloaded file's SHA-256 is " + got + " but the"
          + " restore's is " + j.file().getString("sha256") + "; nothing was written");
    }
    Files.move(part, target.out, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private void summary(PrintStream out, RestoreJobs.Job j) {
    Document v = j.verification();
    BsonTimestamp ts = j.restoredTs();
    out.println("Restored " + j.replicaSetName() + " as of " + Instant.ofEpochSecond(
        ts.getTime()) + " (oplog " + ts.getTime() + ":" + ts.getInc() + ") in "
        + Duration.between(j.created(), j.finished()).toSeconds() + " s.");
    if (v != null) {
      out.println("Verification " + v.getString("status") + ": " + v.getString("detail") + ".");
    }
    if (target.out != null) {
      out.println("File: " + target.out.toAbsolutePath() + " (" + Progress.bytes(
          ((Number) j.file().get("size")).longValue()) + ", SHA-256 "
          + j.file().getString("sha256") + ").");
      out.println(format.equals("tar.gz") ? "Load it with: tar xzf " + target.out
          + " && mongorestore --dir <extracted directory>" : "Load it with: mongorestore"
          + " --archive=" + target.out + (format.endsWith(".gz") ? " --gzip" : ""));
    } else if (target.scp != null) {
      out.println("File: " + j.file().getString("location"));
    } else {
      out.println("Target: " + RestoreRequests.redacted(target.uri));
    }
  }
}
