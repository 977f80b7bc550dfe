package io.openmms.server.backup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the files of HTTP restore deliveries whose link has expired (run with the roll-ups).
 * A job whose link expired without a single download ends BROKEN, so nobody mistakes it for a
 * delivered restore; one that was downloaded stays FINISHED.
 */
public final class RestoreExpiry {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreExpiry.class);

  private RestoreExpiry() {}

  /** Returns how many files were deleted. */
  public static int run(RestoreJobs jobs, RestoreFiles files) {
    int n = 0;
    for (RestoreJobs.Job j : jobs.expiredDownloads()) {
      files.delete(j.id());
      jobs.markFileDeleted(j.id());
      Number used = (Number) j.delivery().get("downloads");
      if (used == null || used.intValue() == 0) {
        jobs.breakFinished(j.id(), "The download link expired at "
            + j.delivery().getDate("expires").toInstant() + " before it was used; the file was"
            + " deleted. Start a new restore.");
      }
      LOG.info("Restore job {}: the download link expired; its file was deleted", j.id());
      n++;
    }
    return n;
  }
}
