package io.openmms.agent.backup;

import com.mongodb.CursorType;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoInterruptedException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoQueryException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import io.openmms.agent.ship.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code local.oplog.rs} of a replica-set primary from a position on, in {@code ts}
 * order, and puts the entries into an {@link OplogQueue} in batches within the request limits.
 * Runs on its own thread; the queue's bound is its back-pressure.
 *
 * <p>Position check: the first query is {@code {ts: {$gte: position}}}, and the first entry
 * must be the position itself; when it is newer, or there is none, the position fell off the
 * source oplog or was rolled back, and the reader ends the queue with {@link BackupStop.Gap}.
 * The position's entry is shipped only when {@code inclusive} (the start T0 of an initial sync);
 * on resume it was shipped already. Every re-open after an error checks again.
 *
 * <p>Tailing: a tailable await cursor ({@code maxAwaitTime}, explicit {@code batchSize}). What
 * one server batch brought is queued before the next getMore, so a source that writes all the
 * time (each getMore answered at once) is shipped as it goes, not only when it goes quiet. A
 * real primary keeps such a cursor open at the end of the oplog; when the cursor is exhausted
 * instead, or the server refuses the tailable flags, the source does not honour tailable
 * cursors, and the reader falls back to polling — {@code find({ts: {$gt: last}})
 * .sort({$natural: 1})} every poll interval — logged once per backup. While polling, a gap is
 * detected by the oldest entry: it must not be newer than the position the query started from.
 *
 * <p>Transient errors (failover, network, a cursor that timed out while the queue was full)
 * re-open from the last entry read after a bounded backoff. Stop with {@link #stop()}.
 */
final class OplogReader implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(OplogReader.class);
  private static final Document NATURAL_ASC = new Document("$natural", 1);
  private static final Document NATURAL_DESC = new Document("$natural", -1);
  /** Errors a server gives for cursor flags it does not support. */
  private static final Set<Integer> FLAG_ERRORS = Set.of(2, 9, 115, 238);

  /** How to read: the batch limits of a request and the cursor options. */
  record Options(long maxBytes, int maxDocs, int batchSize, Duration maxAwait,
      Duration pollInterval, Duration retryMax) {}

  private final MongoCollection<RawBsonDocument> oplog;
  private final OplogQueue queue;
  private final Options options;
  private final String label;
  private final TailMode mode;
  private final Backoff errorBackoff;
  private final List<RawBsonDocument> pending = new ArrayList<>();
  private long pendingBytes;
  private BsonTimestamp last;
  private boolean includeLast;
  private boolean verified;
  private volatile boolean stopped;

  /**
   * @param mode shared per backup, so the polling fallback is detected and logged once
   */
  OplogReader(MongoCollection<RawBsonDocument> oplog, BsonTimestamp position, boolean inclusive,
      OplogQueue queue, Options options, String label, TailMode mode) {
    this.oplog = oplog;
    this.last = position;
    this.includeLast = inclusive;
    this.queue = queue;
    this.options = options;
    this.label = label;
    this.mode = mode;
    this.errorBackoff = new Backoff(options.pollInterval(), options.retryMax());
  }

  /** Whether a source honours tailable cursors, remembered across a backup's workers. */
  static final class TailMode {
    private volatile boolean polling;

    boolean polling() {
      return polling;
    }

    void fallBack(String label, String why) {
      if (!polling) {
        polling = true;
        LOG.warn("{}: the source does not keep tailable oplog cursors open ({}); polling the "
            + "oplog instead", label, why);
      }
    }
  }

  @Override
  public void run() {
    try {
      while (!stopped) {
        try {
          if (mode.polling()) {
            poll();
          } else {
            tail();
          }
          errorBackoff.reset();
        } catch (MongoInterruptedException e) {
          return;
        } catch (MongoException e) {
          if (stopped) {
            return;
          }
          if (!mode.polling() && refusesTailable(e)) {
            mode.fallBack(label, e.getMessage());
            continue;
          }
          flush();
          verified = false; // check the position again on the re-opened cursor
          Duration wait = errorBackoff.next();
          LOG.warn("{}: reading the oplog failed ({}); re-opening after {} ms at {}", label,
              e.getMessage(), wait.toMillis(), last);
          Thread.sleep(wait.toMillis());
        }
      }
    } catch (BackupStop e) {
      queue.fail(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!stopped) {
        queue.fail(e);
      }
    }
  }

  private static boolean refusesTailable(MongoException e) {
    return (e instanceof MongoCommandException || e instanceof MongoQueryException)
        && !(e instanceof MongoNotPrimaryException) && FLAG_ERRORS.contains(e.getCode());
  }

  private void tail() throws InterruptedException, BackupStop {
    try (MongoCursor<RawBsonDocument> cursor = oplog.find(Filters.gte("ts", last))
        .cursorType(CursorType.TailableAwait)
        .maxAwaitTime(options.maxAwait().toMillis(), TimeUnit.MILLISECONDS)
        .batchSize(options.batchSize()).cursor()) {
      while (!stopped) {
        RawBsonDocument entry = cursor.tryNext();
        if (entry != null) {
          accept(entry);
          if (cursor.available() == 0) {
            flush(); // the server's batch is read: queue it before the next getMore
          }
          continue;
        }
        flush();
        if (cursor.getServerCursor() == null) {
          if (!verified) {
            throw gap("no oplog entry at or after the position");
          }
          mode.fallBack(label, "the tailable cursor was exhausted");
          return;
        }
      }
    }
  }

  private void poll() throws InterruptedException, BackupStop {
    while (!stopped) {
      BsonTimestamp from = last;
      boolean check = verified;
      try (MongoCursor<RawBsonDocument> cursor = oplog.find(verified ? Filters.gt("ts", last)
          : Filters.gte("ts", last)).sort(NATURAL_ASC).batchSize(options.batchSize())
          .cursor()) {
        while (cursor.hasNext() && !stopped) {
          accept(cursor.next());
        }
      }
      flush();
      if (!verified) {
        throw gap("no oplog entry at or after the position");
      }
      if (check) {
        RawBsonDocument oldest = oplog.find().sort(NATURAL_ASC).limit(1).first();
        if (oldest == null || oldest.getTimestamp("ts").compareTo(from) > 0) {
          throw gap("the oldest oplog entry is " + (oldest == null ? "none"
              : describe(oldest.getTimestamp("ts"))));
        }
      }
      Thread.sleep(options.pollInterval().toMillis());
    }
  }

  private void accept(RawBsonDocument entry) throws InterruptedException, BackupStop {
    BsonTimestamp ts = entry.getTimestamp("ts");
    if (!verified) {
      if (!ts.equals(last)) {
        throw gap("the oldest oplog entry at or after the position is " + describe(ts));
      }
      verified = true;
      if (!includeLast) {
        return;
      }
      includeLast = false;
    } else if (ts.compareTo(last) <= 0) {
      return; // already read: never ship an entry twice or out of order
    }
    int size = BsonStream.size(entry);
    if (!pending.isEmpty() && (pendingBytes + size > options.maxBytes()
        || pending.size() >= options.maxDocs())) {
      flush();
    }
    pending.add(entry);
    pendingBytes += size;
    last = ts;
  }

  private void flush() throws InterruptedException {
    if (!pending.isEmpty()) {
      queue.put(List.copyOf(pending));
      pending.clear();
      pendingBytes = 0;
    }
  }

  private BackupStop.Gap gap(String what) {
    return new BackupStop.Gap(label + ": oplog position " + describe(last) + " is no longer in "
        + "the source oplog (" + what + "); a new initial sync is needed");
  }

  static String describe(BsonTimestamp ts) {
    return ts == null ? "none" : "{t: " + ts.getTime() + ", i: " + ts.getInc() + "}";
  }

  /** The {@code ts} of the newest oplog entry, or {@code null} for an empty oplog. */
  static BsonTimestamp newest(MongoCollection<RawBsonDocument> oplog) {
    RawBsonDocument d = oplog.find().sort(NATURAL_DESC).limit(1).first();
    return d == null ? null : d.getTimestamp("ts");
  }

  /** The {@code ts} of the oldest oplog entry, or {@code null} for an empty oplog. */
  static BsonTimestamp oldest(MongoCollection<RawBsonDocument> oplog) {
    RawBsonDocument d = oplog.find().sort(NATURAL_ASC).limit(1).first();
    return d == null ? null : d.getTimestamp("ts");
  }

  /** Asks the reader to end; interrupt its thread to cut a wait short. */
  void stop() {
    stopped = true;
  }
}
