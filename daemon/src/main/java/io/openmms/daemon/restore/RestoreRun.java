package io.openmms.daemon.restore;

import io.openmms.blockstore.BlockException;
import io.openmms.blockstore.BlockStore;
import io.openmms.common.util.FileTrees;
import io.openmms.daemon.restore.delivery.SftpPush;
import io.openmms.daemon.restore.delivery.SftpTarget;
import io.openmms.daemon.restore.dump.ArchiveDump;
import io.openmms.daemon.restore.dump.DumpCollection;
import io.openmms.daemon.restore.dump.DumpFormatException;
import io.openmms.daemon.restore.dump.DumpReader;
import io.openmms.daemon.restore.dump.Streams;
import io.openmms.daemon.restore.dump.TarGzDump;
import io.openmms.server.backup.RestoreFiles;
import io.openmms.server.backup.RestoreJobs;
import io.openmms.server.backup.Snapshots;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt at one restore job (docs/restores.md, "How a restore runs"): stage the data as a
 * mongodump directory ({@link RestoreSource}), package it (tar.gz or archive) and read the
 * package back to verify every collection's count and SHA-256 before it is offered, then deliver
 * it — into the application database for the download link, by SFTP, or into a target MongoDB
 * ({@link TargetLoader}, verified by reading the target back). Any failure ends the job BROKEN
 * with its reason; the staging directory is always deleted, and so is a partly stored download
 * while the job is still this daemon's (never one written by a daemon that took it over).
 *
 * <p>Each attempt stages in a directory of its own, {@code <jobId>.<attempt>}, named like its
 * download file ({@link RestoreJobs.Job#fileId()}): daemons may share {@code daemon.restore.dir},
 * and a daemon paused past its lease that wakes up must neither write into nor delete the
 * staging of the daemon that took the job over. An attempt first deletes what earlier attempts
 * left there.
 */
final class RestoreRun {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreRun.class);
  private static final DateTimeFormatter NAME_TIME = DateTimeFormatter
      .ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final RestoreJobs.Job job;
  private final RestoreContext ctx;
  private final JobProgress progress;

  RestoreRun(RestoreJobs.Job job, RestoreContext ctx, JobProgress progress) {
    this.job = job;
    this.ctx = ctx;
    this.progress = progress;
  }

  void run() {
    Path dir = ctx.stagingDir().resolve(job.fileId());
    try {
      for (int earlier = 1; earlier < job.attempts(); earlier++) {
        FileTrees.delete(ctx.stagingDir().resolve(job.id() + "." + earlier));
      }
      Files.createDirectories(dir);
      Snapshots.Snapshot s = ctx.snapshots().get(job.snapshotId()).orElseThrow(() ->
          new RestoreException("Snapshot " + job.snapshotId() + " no longer exists (it was"
              + " deleted or expired before the restore started)"));
      BlockStore store = ctx.stores().domainStore(s.store(), s.groupId());
      RestoreSource source = new RestoreSource(store, s, progress);
      Path dump = dir.resolve("dump");
      RestoreSource.Result r = job.pointInTime()
          ? source.pointInTimeTo(dump, dir.resolve("head"), ctx.batches(),
              ctx.data().oplogBatches(s.backupId(), s.syncId()), job.targetTs(),
              job.pointInTimeUtcMillis())
          : source.snapshotTo(dump);
      Document set = new Document();
      if (job.pointInTime()) {
        set.append("restoredTs", r.restoredTs()).append("entriesReplayed", r.entriesReplayed());
      }
      if (job.method() == RestoreJobs.Method.AUTOMATED_RESTORE) {
        directRestore(dump, r, set);
      } else {
        deliverFile(dir, dump, r, set);
      }
      LOG.info("Restore job {} of {} FINISHED", job.id(), job.replicaSetName());
    } catch (JobProgress.RestoreCancelledException e) {
      cancelled();
    } catch (RecordedVerificationFailure e) {
      broken(e.getMessage(), null);
    } catch (RestoreException e) {
      broken(e.getMessage(), e.getMessage().startsWith("Verification failed")
          ? new Document("verification", new Document("status", "FAILED")
              .append("checked", Date.from(ctx.clock().instant()))
              .append("detail", e.getMessage())) : null);
    } catch (BlockException e) {
      broken("The snapshot's data is damaged: " + e.getMessage() + ". Run openmms verify"
          + " --snapshot " + job.snapshotId() + "; restore another snapshot or point in time",
          null);
    } catch (IOException e) {
      if (e.getCause() instanceof JobProgress.RestoreCancelledException) {
        cancelled();
      } else {
        broken(ioReason(dir, e), null);
      }
    } catch (RuntimeException e) {
      LOG.error("Restore job {} failed unexpectedly", job.id(), e);
      broken("Internal error: " + e, null);
    } finally {
      try {
        FileTrees.delete(dir);
      } catch (IOException e) {
        LOG.warn("Restore job {}: cannot delete its staging directory {}: {}", job.id(), dir,
            e.getMessage());
      }
    }
  }

  /**
   * Stopped: KILLED when a user asked; otherwise the job was handed back or taken over, and only
   * this attempt's own partial download is deleted (the next attempt writes its own file).
   */
  private void cancelled() {
    if (progress.killed() && ctx.jobs().end(job.id(), ctx.daemonId(),
        RestoreJobs.Status.KILLED, "Killed on request", null)) {
      LOG.info("Restore job {} killed on request", job.id());
      deleteDownload(job.id());
    } else {
      deleteDownload(job.fileId());
    }
  }

  /**
   * Ends the job BROKEN and deletes its partly stored download — only when the job is still
   * this daemon's: a daemon that was paused past its lease must not touch the file of the
   * daemon that took the job over.
   */
  private void broken(String reason, Document set) {
    if (ctx.jobs().end(job.id(), ctx.daemonId(), RestoreJobs.Status.BROKEN, reason, set)) {
      LOG.warn("Restore job {} of {} BROKEN: {}", job.id(), job.replicaSetName(), reason);
      deleteDownload(job.id());
    } else {
      LOG.warn("Restore job {} of {} failed ({}), but it is no longer this daemon's",
          job.id(), job.replicaSetName(), reason);
      deleteDownload(job.fileId()); // its own attempt's parts only
    }
  }

  /** HTTP and SCP: package, verify, deliver. */
  private void deliverFile(Path dir, Path dump, RestoreSource.Result r, Document set)
      throws IOException, RestoreException {
    String format = job.delivery().getString("format");
    Instant restored = Instant.ofEpochSecond(r.restoredTs().getTime());
    String base = job.replicaSetName() + "-" + NAME_TIME.format(restored) + "-"
        + job.id().substring(job.id().length() - 6);
    String name = base + switch (format) {
      case "ARCHIVE" -> ".archive";
      case "ARCHIVE_GZ" -> ".archive.gz";
      default -> ".tar.gz";
    };
    Path file = dir.resolve(name);
    String sha256 = pack(dump, file, format, base, restored);
    FileTrees.delete(dump);
    long size = Files.size(file);
    Document verification = verifyFile(file, size, format, r);
    ctx.jobs().setVerification(job.id(), verification);
    if (!"PASSED".equals(verification.getString("status"))) {
      throw new RecordedVerificationFailure(verification.getString("detail"));
    }
    Document fileDoc = new Document("name", name).append("size", size).append("sha256", sha256);
    progress.phase(RestoreJobs.Phase.DELIVERING, size);
    if (job.method() == RestoreJobs.Method.HTTP) {
      storeDownload(file, size, fileDoc, set);
    } else {
      push(file, name, fileDoc);
    }
    set.append("file", fileDoc.append("restoredTs", r.restoredTs()));
    if (!ctx.jobs().end(job.id(), ctx.daemonId(), RestoreJobs.Status.FINISHED, null, set)) {
      throw new JobProgress.RestoreCancelledException();
    }
  }

  /** Writes the dump into {@code file} in {@code format}; returns the file's SHA-256. */
  private String pack(Path dump, Path file, String format, String topDir, Instant mtime)
      throws IOException {
    // progress counts the dump's bytes read, which this totals (not the file's, which a gzip
    // format makes smaller)
    progress.phase(RestoreJobs.Phase.PACKAGING, FileTrees.size(dump));
    LongConsumer read = n -> {
      progress.add(n);
      progress.check();
    };
    MessageDigest sha = DocumentSum.newSha256();
    try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(
        Files.newOutputStream(file), 1 << 20), sha)) {
      if (format.equals("TAR_GZ")) {
        TarGzDump.pack(dump, topDir, mtime, out, read);
      } else {
        ArchiveDump.pack(dump, out, format.equals("ARCHIVE_GZ"), job.sourceVersion(), read);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** HTTP: stores the file in the application database, served by the link until it expires. */
  private void storeDownload(Path file, long size, Document fileDoc, Document set)
      throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      ctx.files().write(job.fileId(), in, this::sent);
    }
    set.append("delivery.expires", Date.from(ctx.clock().instant().plus(Duration.ofHours(
        job.delivery().getInteger("expirationHours", 1)))));
    fileDoc.append("parts", (size + RestoreFiles.PART - 1) / RestoreFiles.PART);
  }

  /** SCP: pushes the file by SFTP to the directory the job names. */
  private void push(Path file, String name, Document fileDoc) throws RestoreException {
    Document d = job.delivery();
    SftpTarget target = new SftpTarget(d.getString("targetHost"), d.getInteger("targetPort"),
        d.getString("username"), d.getString("targetDirectory"),
        d.getString("hostKeyFingerprint"));
    KeyPair key;
    try {
      key = ctx.sshKey();
    } catch (UncheckedIOException e) {
      throw new RestoreException(e.getMessage());
    }
    // each attempt its own partial file: a daemon paused past its lease that wakes up never
    // writes over or removes the new owner's
    SftpPush.push(file, name, "attempt" + job.attempts(), target, key, Duration.ofSeconds(30),
        this::sent);
    fileDoc.append("location", target + "/" + name);
  }

  /** Progress of a delivery: {@code bytes} of the package stored or sent so far. */
  private void sent(long bytes) {
    progress.done(bytes);
    progress.check();
  }

  /** Reads the package back and compares each collection with what the source gave. */
  private Document verifyFile(Path file, long size, String format, RestoreSource.Result r)
      throws IOException {
    progress.phase(RestoreJobs.Phase.VERIFYING, size);
    Map<String, DocumentSum> found = new LinkedHashMap<>();
    try (InputStream raw = Streams.counting(new BufferedInputStream(Files.newInputStream(file),
        1 << 20), progress::add);
        DumpReader reader = format.equals("TAR_GZ") ? TarGzDump.read(raw)
            : ArchiveDump.read(raw, format.equals("ARCHIVE_GZ"))) {
      Optional<DumpCollection> c;
      while ((c = reader.nextCollection()).isPresent()) {
        DocumentSum sum = DocumentSum.inOrder();
        RawBsonDocument d;
        while ((d = reader.nextDocument()) != null) {
          sum.add(d);
        }
        found.put(c.get().ns(), sum);
        progress.check();
      }
    } catch (DumpFormatException e) {
      return new Document("status", "FAILED").append("detail", "the packaged file cannot be"
          + " read back: " + e.getMessage());
    }
    List<Document> rows = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    long docs = 0;
    for (Map.Entry<String, RestoreSource.Expected> e : r.expected().entrySet()) {
      DocumentSum f = found.remove(e.getKey());
      RestoreSource.Expected x = e.getValue();
      boolean ok = f != null && f.count() == x.count() && f.sha256().equals(x.sha256());
      rows.add(new Document("ns", e.getKey()).append("expectedCount", x.count())
          .append("count", f == null ? 0 : f.count()).append("expectedSha256", x.sha256())
          .append("sha256", f == null ? null : f.sha256()).append("ok", ok));
      docs += x.count();
      if (!ok) {
        bad.add(e.getKey() + (f == null ? " is missing" : " has " + f.count()
            + " documents with SHA-256 " + f.sha256() + ", expected " + x.count() + " with "
            + x.sha256()));
      }
    }
    found.keySet().forEach(ns -> bad.add(ns + " should not be in the file"));
    String against = job.pointInTime() ? "the point-in-time state rebuilt from snapshot "
        + job.snapshotId() + " (itself checked against its manifest)" : "snapshot "
        + job.snapshotId() + "'s manifest";
    return verification(bad, rows, docs, "Each collection's document count and SHA-256 in the"
        + " delivered file, against " + against);
  }

  private void directRestore(Path dump, RestoreSource.Result r, Document set)
      throws IOException, RestoreException {
    Document d = job.delivery();
    Map<String, String> remap = new LinkedHashMap<>();
    d.getList("namespaceRemap", Document.class, List.of()).forEach(e ->
        remap.put(e.getString("from"), e.getString("to")));
    TargetLoader loader = new TargetLoader(ctx.targetUri(job), d.getBoolean("dropExisting",
        false), remap, progress);
    List<TargetLoader.Loaded> loaded = loader.load(dump, FileTrees.size(dump));
    List<Document> rows = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    long docs = 0;
    for (TargetLoader.Loaded l : loaded) {
      RestoreSource.Expected x = r.expected().get(l.sourceNs());
      boolean ok = l.ok() && x != null && x.count() == l.count();
      rows.add(new Document("ns", l.sourceNs()).append("targetNs", l.targetNs())
          .append("expectedCount", x == null ? 0 : x.count()).append("count", l.readCount())
          .append("digest", l.digest()).append("readDigest", l.readDigest()).append("ok", ok));
      docs += l.count();
      if (!ok) {
        bad.add(l.targetNs() + " holds " + l.readCount() + " documents (digest "
            + l.readDigest() + "); " + l.count() + " were restored (digest " + l.digest() + ")");
      }
    }
    Document v = verification(bad, rows, docs, "Each restored collection read back from the"
        + " target: its count and order-free digest against the documents restored, which were"
        + " checked against the snapshot manifest");
    ctx.jobs().setVerification(job.id(), v);
    if (!bad.isEmpty()) {
      throw new RecordedVerificationFailure(v.getString("detail"));
    }
    if (!ctx.jobs().end(job.id(), ctx.daemonId(), RestoreJobs.Status.FINISHED, null,
        set.append("file", new Document("restoredTs", r.restoredTs())))) {
      throw new JobProgress.RestoreCancelledException();
    }
  }

  private Document verification(List<String> bad, List<Document> rows, long docs,
      String method) {
    String detail = bad.isEmpty() ? rows.size() + " collections, " + docs + " documents match"
        : String.join("; ", bad.subList(0, Math.min(5, bad.size())))
            + (bad.size() > 5 ? "; and " + (bad.size() - 5) + " more" : "");
    return new Document("status", bad.isEmpty() ? "PASSED" : "FAILED")
        .append("checked", Date.from(ctx.clock().instant())).append("method", method)
        .append("detail", detail).append("collections", rows.size() > 1000
            ? rows.subList(0, 1000) : rows);
  }

  /** Deletes the download files of the whole job, or of one attempt given its file id. */
  private void deleteDownload(String jobOrFileId) {
    if (job.method() == RestoreJobs.Method.HTTP) {
      try {
        ctx.files().delete(jobOrFileId);
      } catch (RuntimeException e) {
        LOG.warn("Restore job {}: cannot delete its partial download: {}", job.id(),
            e.getMessage());
      }
    }
  }

  /** A reason for a local I/O failure; a full disk says which directory and what to do. */
  static String ioReason(Path dir, IOException e) {
    if (FileTrees.diskFull(e)) {
      return "The disk holding the restore staging directory " + dir.getParent() + " is full ("
          + e.getMessage() + "). Free space there or set daemon.restore.dir to a larger disk; the partial"
          + " files were deleted";
    }
    String what = e instanceof FileSystemException f && f.getFile() != null ? f.getFile()
        : dir.toString();
    return "Reading or writing " + what + " failed: " + e;
  }

  /** A failed verification whose details are already on the job. */
  private static final class RecordedVerificationFailure extends RestoreException {
    RecordedVerificationFailure(String detail) {
      super("Verification failed: " + detail);
    }
  }
}
