package io.openmms.bench.backup;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.bson.Document;

/**
 * Writes to {@code load.items} from a few threads at a controlled total rate: 40 % inserts of
 * ~500-byte documents, 40 % updates of a random live document ({@code $inc} and {@code $set} of
 * a field, which the stand-in logs as a {@code $v: 2} diff), 20 % deletes of the oldest one, so
 * the collection grows slowly. Each thread owns its own range of integer {@code _id}s.
 *
 * <p>The rate is open loop: each thread has a schedule of one write every
 * {@code threads / rate} seconds and sleeps until the next slot. A thread that falls behind
 * writes back to back, but never more than one second's worth ahead of where it is, so a slow
 * stand-in is not answered with a burst. {@code rate} 0 writes back to back. The writes/s
 * actually completed is what {@link #completed()} counts over a window.
 */
final class WriteLoad implements AutoCloseable {
  private final MongoCollection<Document> items;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong completed = new AtomicLong();
  private final LatencyLog latencies = new LatencyLog();
  private final String payload;
  private volatile boolean stop;
  private volatile boolean measuring;

  WriteLoad(MongoClient client, String name, int threadCount, double rate, long idBase) {
    this.items = client.getDatabase("load").getCollection("items");
    this.payload = "x".repeat(400);
    for (int t = 0; t < threadCount; t++) {
      long base = idBase + (long) t * 1_000_000_000L;
      double interval = rate <= 0 ? 0 : threadCount / rate * 1e9;
      Thread th = new Thread(() -> run(base, interval, new SplittableRandom(base)),
          "bench-load-" + name + "-" + t);
      th.setDaemon(true);
      threads.add(th);
    }
  }

  WriteLoad start() {
    threads.forEach(Thread::start);
    return this;
  }

  private void run(long base, double intervalNanos, SplittableRandom random) {
    long next = base;
    long oldest = base;
    long slot = System.nanoTime();
    long i = 0;
    while (!stop) {
      if (intervalNanos > 0) {
        slot += (long) intervalNanos;
        long now = System.nanoTime();
        if (slot > now) {
          LockSupport.parkNanos(slot - now);
        } else if (now - slot > 1_000_000_000L) {
          slot = now - 1_000_000_000L; // behind: catch up at most one second's worth
        }
      }
      long begin = System.nanoTime();
      int kind = (int) (i++ % 5);
      if (next - oldest < 100) {
        kind = 0; // keep some live documents to update and delete
      }
      switch (kind) {
        case 0, 3 -> items.insertOne(new Document("_id", next++).append("n", 0)
            .append("at", new java.util.Date()).append("tag", "t" + random.nextInt(1000))
            .append("payload", payload));
        case 1, 4 -> items.updateOne(Filters.eq("_id", oldest + random.nextLong(next - oldest)),
            Updates.combine(Updates.inc("n", 1), Updates.set("tag", "u" + random.nextInt(1000))));
        default -> items.deleteOne(Filters.eq("_id", oldest++));
      }
      long end = System.nanoTime();
      if (measuring) {
        completed.incrementAndGet();
        latencies.add(end - begin);
      }
    }
  }

  /** Starts counting completed writes and their latency. */
  void measure(boolean on) {
    measuring = on;
  }

  long completed() {
    return completed.get();
  }

  LatencyLog latencies() {
    return latencies;
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    for (Thread t : threads) {
      t.join(10_000);
    }
  }
}
