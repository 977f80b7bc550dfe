package io.openmms.daemon.jobs;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import io.openmms.server.backup.Daemons;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bson.Document;

/**
 * Leases binding each backup to one daemon (SPEC §1), in the application database's
 * {@code leases} collection: {@code {_id: backupId, daemonId, expires}}.
 *
 * <p>Taking is one conditional update — "set me as holder where the lease is expired or already
 * mine" — and, when no lease record exists yet, an insert; two daemons inserting at once collide
 * on {@code _id} and the loser (duplicate key) simply does not get it. Renewal is an update
 * conditional on still being the holder; when it matches nothing another daemon has taken the
 * backup and the lease is marked lost. Release deletes the record only if it is still ours.
 *
 * <p>Expiry compares {@code expires}, written from this daemon's {@link Clock}, with the other
 * daemons' clocks: they must agree to well within the lease duration. Locally a lease is held
 * only until the take or renewal time plus the duration, measured from before the request was
 * sent, so this daemon stops before any other may consider the lease expired (up to clock skew).
 *
 * <p>The {@code daemons} collection holds one record per running daemon, renewed with its leases,
 * so that daemons can count each other and take only their share of the backups; the server
 * reads it through {@link Daemons}.
 *
 * <p>Thread-safe.
 */
public final class Leases {
  private final MongoCollection<Document> leases;
  private final MongoCollection<Document> daemons;
  private final String daemonId;
  private final Clock clock;
  private final Duration duration;

  public Leases(AppDatabase db, String daemonId, Clock clock, Duration duration) {
    this.leases = db.collection(Collections.LEASES);
    this.daemons = db.collection(Collections.DAEMONS);
    this.daemonId = daemonId;
    this.clock = clock;
    this.duration = duration;
  }

  public String daemonId() {
    return daemonId;
  }

  public Duration duration() {
    return duration;
  }

  /** Takes the lease on {@code backupId} if it is free, expired or already ours. */
  public Optional<Lease> tryTake(String backupId) {
    Instant now = clock.instant();
    Instant until = now.plus(duration);
    var taken = leases.updateOne(Filters.and(Filters.eq("_id", backupId), Filters.or(
        Filters.lt("expires", Date.from(now)), Filters.eq("daemonId", daemonId))),
        new Document("$set", new Document("daemonId", daemonId)
            .append("expires", Date.from(until))));
    if (taken.getMatchedCount() == 1) {
      return Optional.of(new Lease(backupId, clock, until));
    }
    try {
      leases.insertOne(new Document("_id", backupId).append("daemonId", daemonId)
          .append("expires", Date.from(until)));
      return Optional.of(new Lease(backupId, clock, until));
    } catch (MongoWriteException e) {
      if (ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY) {
        return Optional.empty(); // held by another daemon, or taken by one just now
      }
      throw e;
    }
  }

  /**
   * Extends a held lease. Returns false, and marks it lost, when another daemon holds it now (or
   * it was deleted). A failure to reach the database throws and leaves the lease to run out.
   */
  public boolean renew(Lease lease) {
    if (lease.lost()) {
      return false;
    }
    Instant until = clock.instant().plus(duration);
    var r = leases.updateOne(Filters.and(Filters.eq("_id", lease.backupId()),
        Filters.eq("daemonId", daemonId)),
        new Document("$set", new Document("expires", Date.from(until))));
    if (r.getMatchedCount() == 1) {
      lease.extend(until);
      return true;
    }
    lease.markLost();
    return false;
  }

  /** Gives the lease up (if still ours), so another daemon can take the backup at once. */
  public void release(Lease lease) {
    lease.markLost();
    leases.deleteOne(Filters.and(Filters.eq("_id", lease.backupId()),
        Filters.eq("daemonId", daemonId)));
  }

  /** Records this daemon as alive for one lease duration. */
  public void heartbeat(String host) {
    heartbeat(host, java.util.List.of(), null);
  }

  /** Records this daemon as alive, with its block stores and no restore key. */
  public void heartbeat(String host, java.util.List<String> blockstores) {
    heartbeat(host, blockstores, null);
  }

  /**
   * Renews this daemon's liveness record ({@link Daemons} describes it), with the names of the
   * block stores it has configured (the API checks a backup's store assignment against them)
   * and, unless null, the public key it pushes SCP restores with (the API and the restore
   * wizard show it).
   */
  public void heartbeat(String host, java.util.List<String> blockstores,
      Daemons.RestoreKey restoreKey) {
    Instant now = clock.instant();
    Document d = new Document("_id", daemonId).append("host", host)
        .append("blockstores", blockstores);
    if (restoreKey != null) {
      d.append("restoreSshKey", restoreKey.document());
    }
    daemons.replaceOne(Filters.eq("_id", daemonId), d
        .append("expires", Date.from(now.plus(duration)))
        .append("updated", Date.from(now)), new ReplaceOptions().upsert(true));
  }

  /** Removes this daemon's record (clean shutdown). */
  public void signOff() {
    daemons.deleteOne(Filters.eq("_id", daemonId));
  }

  /** Number of daemons alive now (at least 1: this one). */
  public int liveDaemons() {
    long n = daemons.countDocuments(Filters.gte("expires", Date.from(clock.instant())));
    return (int) Math.max(1, n);
  }
}
