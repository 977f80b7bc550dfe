package io.openmms.testkit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.bson.Document;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;

/**
 * A steady mixed workload on a deployment, for demos and tests that need live counters: one
 * background thread cycles through insert, find (small batches, so getMore follows), update,
 * delete and a command ({@code count} or {@code dbStats}) on the collection {@code workload} of the
 * given database, at most {@code opsPerSecond} operations a second. The collection stays bounded
 * (about 500 documents): deletes remove the oldest. Failed operations (say during a failover) are
 * counted apart and retried after a short pause. Payloads come from a fixed seed.
 *
 * <p>The client is not closed by {@link #close()}; it belongs to the caller. Thread-safe.
 */
public final class Workload implements AutoCloseable {

    private static final int KEEP = 500;
    private static final Duration PAUSE_AFTER_FAILURE = Duration.ofMillis(200);

    private final MongoDatabase database;
    private final MongoCollection<Document> collection;
    private final long intervalNanos;
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final SplittableRandom random = new SplittableRandom(20261101L);
    private final Deque<Long> ids = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long nextId;

    private Workload(MongoClient client, String database, int opsPerSecond) {
        this.database = client.getDatabase(database);
        this.collection = this.database.getCollection("workload");
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / opsPerSecond;
        this.thread = new Thread(this::run, "openmms-workload-" + database);
        thread.setDaemon(true);
    }

    /** Starts the workload in a background thread; {@code opsPerSecond} bounds its rate. */
    public static Workload start(MongoClient client, String database, int opsPerSecond) {
        if (opsPerSecond < 1) {
            throw new IllegalArgumentException("opsPerSecond must be at least 1, got " + opsPerSecond);
        }
        Workload workload = new Workload(client, database, opsPerSecond);
        workload.thread.start();
        return workload;
    }

    /** Operations completed so far. */
    public long operations() {
        return operations.get();
    }

    /** Operations that failed so far. */
    public long failures() {
        return failures.get();
    }

    /** Stops the thread and waits for it (at most a few seconds). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long deadline = System.nanoTime();
        long step = 0;
        while (running) {
            try {
                operation(step++ % 5);
                operations.incrementAndGet();
            } catch (MongoException e) {
                if (!running) {
                    return;
                }
                failures.incrementAndGet();
                LockSupport.parkNanos(PAUSE_AFTER_FAILURE.toNanos());
            } catch (IllegalStateException e) {
                return; // the client was closed under us
            }
            deadline += intervalNanos;
            long wait = deadline - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                deadline = System.nanoTime(); // fell behind: do not burst to catch up
            }
        }
    }

    private void operation(long kind) {
        switch ((int) kind) {
            case 0 -> insert();
            case 1 -> find();
            case 2 -> update();
            case 3 -> delete();
            default -> command();
        }
    }

    private void insert() {
        long id = nextId++;
        collection.insertOne(new Document("_id", id)
            .append("value", random.nextInt(1_000_000))
            .append("payload", Long.toHexString(random.nextLong()))
            .append("counter", 0));
        ids.addLast(id);
    }

    private void find() {
        try (MongoCursor<Document> cursor = collection.find().sort(Sorts.descending("_id")).limit(10).batchSize(4).iterator()) {
            while (cursor.hasNext()) {
                cursor.next();
            }
        }
    }

    private void update() {
        if (ids.isEmpty()) {
            insert();
            return;
        }
        collection.updateOne(Filters.eq("_id", ids.peekLast()), Updates.inc("counter", 1));
    }

    private void delete() {
        if (ids.size() <= KEEP) {
            collection.deleteOne(Filters.eq("_id", -1L)); // a delete that matches nothing still counts as one
            return;
        }
        collection.deleteOne(Filters.eq("_id", ids.removeFirst()));
    }

    private void command() {
        if (random.nextBoolean()) {
            collection.countDocuments();
        } else {
            database.runCommand(new Document("dbStats", 1));
        }
    }
}
