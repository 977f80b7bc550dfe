package io.openmms.server.backup;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.server.auth.Secrets;
import io.openmms.server.http.ApiException;
import java.time.Clock;
import java.util.Date;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;

/**
 * Restore downloads on the Backup HTTP service (docs/restores.md, "Download"):
 * {@code GET /backup/restore/v1/download/{token}}. The token is the link's only credential: 256
 * random bits, looked up by its SHA-256. A link works until {@code delivery.expires} and for
 * {@code maxDownloads} downloads. A request that starts at byte 0 is a download and uses one; a
 * range request that starts later resumes a download already begun and uses none, so a broken
 * transfer can continue ({@code curl -C -}) without spending the link. Expired, used-up, unknown
 * and not-yet-ready links answer 410, 410, 404 and 409 with a JSON reason, as does the link of a
 * job that ended BROKEN or KILLED (410).
 */
public final class DownloadRoutes {
  /** The path under which links are served; a link is this plus its token. */
  public static final String PREFIX = "/backup/restore/v1/download/";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private final RestoreJobs jobs;
  private final RestoreFiles files;
  private final Clock clock;

  public DownloadRoutes(RestoreJobs jobs, RestoreFiles files, Clock clock) {
    this.jobs = jobs;
    this.files = files;
    this.clock = clock;
  }

  public void register(JavalinConfig config) {
    config.routes.get(PREFIX + "{token}", this::download);
  }

  private void download(Context ctx) {
    String token = ctx.pathParam("token");
    RestoreJobs.Job j = jobs.byToken(Secrets.sha256Hex(token)).orElseThrow(() ->
        ApiException.notFound("LINK_NOT_FOUND", "No restore download has this link"));
    Document d = j.delivery();
    Date expires = d.getDate("expires");
    if (j.status() == RestoreJobs.Status.IN_PROGRESS) {
      throw new ApiException(409, "RESTORE_NOT_READY", "Restore job " + j.id() + " is still"
          + " running (" + j.phase() + "); the link works once it is FINISHED");
    }
    if (expires != null && !expires.toInstant().isAfter(clock.instant())) {
      throw new ApiException(410, "LINK_EXPIRED", "This download link expired at "
          + expires.toInstant() + "; start a new restore");
    }
    if (j.status() != RestoreJobs.Status.FINISHED || j.file() == null) {
      throw new ApiException(410, "RESTORE_NOT_AVAILABLE", "Restore job " + j.id() + " ended "
          + j.status() + (j.reason() == null ? "" : ": " + j.reason()));
    }
    long size = ((Number) j.file().get("size")).longValue();
    long[] range = range(ctx.header("Range"), size);
    if (range == null) {
      ctx.header("Content-Range", "bytes */" + size);
      throw new ApiException(416, "RANGE_NOT_SATISFIABLE", "The file has " + size + " bytes; the"
          + " requested range " + ctx.header("Range") + " is outside it");
    }
    int max = d.getInteger("maxDownloads", 1);
    if (range[0] == 0) {
      if (!jobs.countDownload(j.id(), max)) {
        throw usedUp(j, max);
      }
    } else {
      Number used = (Number) d.get("downloads");
      if (used == null || used.intValue() < 1) {
        throw new ApiException(416, "DOWNLOAD_NOT_STARTED", "A range not starting at byte 0"
            + " resumes a download; this link has not been used yet. Request it from the start.");
      }
    }
    long length = range[1] - range[0] + 1;
    ctx.header("Accept-Ranges", "bytes");
    ctx.header("ETag", "\"" + j.file().getString("sha256") + "\"");
    ctx.header("Content-Disposition", "attachment; filename=\"" + j.file().getString("name")
        + "\"");
    ctx.header("Content-Length", Long.toString(length));
    if (ctx.header("Range") != null && (range[0] > 0 || range[1] < size - 1)) {
      ctx.status(206);
      ctx.header("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
    }
    ctx.contentType(j.file().getString("name").endsWith(".gz") ? "application/gzip"
        : "application/octet-stream");
    ctx.result(files.open(j.fileId(), range[0], length));
  }

  private ApiException usedUp(RestoreJobs.Job j, int max) {
    if (!j.delivery().getDate("expires").toInstant().isAfter(clock.instant())) {
      return new ApiException(410, "LINK_EXPIRED", "This download link has expired");
    }
    return new ApiException(410, "MAX_DOWNLOADS_EXCEEDED", "This download link was already used"
        + " " + max + " time" + (max == 1 ? "" : "s") + ", its maximum; start a new restore"
        + " (a broken download can be resumed with a range request)");
  }

  /**
   * The first and last byte a Range header asks for, the whole file without one (or with one
   * this does not understand, as RFC 9110 allows), or {@code null} when it is unsatisfiable.
   */
  static long[] range(String header, long size) {
    long[] all = {0, size - 1};
    if (header == null) {
      return all;
    }
    Matcher m = RANGE.matcher(header.trim());
    if (!m.matches() || m.group(1).isEmpty() && m.group(2).isEmpty()) {
      return all;
    }
    try {
      if (m.group(1).isEmpty()) { // the last n bytes
        long n = Long.parseLong(m.group(2));
        return n == 0 ? null : new long[] {Math.max(0, size - n), size - 1};
      }
      long first = Long.parseLong(m.group(1));
      long last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1,
          Long.parseLong(m.group(2)));
      return first >= size || last < first ? null : new long[] {first, last};
    } catch (NumberFormatException e) {
      return all;
    }
  }
}
