package io.openmms.dist;

import com.mongodb.MongoException;
import com.mongodb.MongoNamespace;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import java.util.ArrayList;
import java.util.Date;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.bson.Document;

/**
 * A varied write workload for crash tests, on its own thread, from a seed: inserts, updates of
 * every kind ($inc, $push, $set on a nested field, $unset, $rename), replacements, deletes, and
 * now and then DDL (index builds and drops, a collection created and dropped, a rename), about
 * 150 writes a second. {@link #seed} writes the data that exists before the backup starts.
 */
final class CrashWorkload implements AutoCloseable {
  private static final long PAUSE_NANOS = 6_000_000;

  private final MongoClient client;
  private final Random random;
  private final AtomicLong operations = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Thread thread = new Thread(this::run, "crash-workload");
  private volatile boolean running = true;

  private CrashWorkload(MongoClient client, long seed) {
    this.client = client;
    this.random = new Random(seed);
    thread.setDaemon(true);
  }

  static CrashWorkload start(MongoClient client, long seed) {
    CrashWorkload w = new CrashWorkload(client, seed);
    w.thread.start();
    return w;
  }

  /** Data the initial sync copies: orders with an index, and people with odd _ids. */
  static void seed(MongoClient c) {
    io.openmms.testkit.SampleData.ordersAndPeople(c, 400);
  }

  long operations() {
    return operations.get();
  }

  long failures() {
    return failures.get();
  }

  private void run() {
    MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
    MongoCollection<Document> events = client.getDatabase("logs").getCollection("events");
    for (long i = 0; running; i++) {
      try {
        write(orders, events, i);
        if (i % 400 == 200) {
          ddl(events, i);
        }
        operations.incrementAndGet();
      } catch (MongoException e) {
        failures.incrementAndGet();
      } catch (IllegalStateException e) {
        return; // the client was closed
      }
      LockSupport.parkNanos(PAUSE_NANOS);
    }
  }

  private void write(MongoCollection<Document> orders, MongoCollection<Document> events,
      long i) {
    int id = random.nextInt(600);
    switch ((int) (i % 10)) {
      case 0 -> orders.insertOne(new Document("_id", 1000 + i).append("sku", "n" + i));
      case 1 -> orders.updateOne(Filters.eq("_id", id), Updates.inc("qty", 1));
      case 2 -> orders.updateOne(Filters.eq("_id", id), Updates.push("tags", "t" + i));
      case 3 -> orders.updateOne(Filters.eq("_id", id), Updates.set("addr.zip", i));
      case 4 -> orders.updateOne(Filters.eq("_id", id), Updates.unset("sku"));
      case 5 -> orders.replaceOne(Filters.eq("_id", id), new Document("_id", id).append("r", i));
      case 6 -> orders.deleteOne(Filters.eq("_id", id));
      case 7 -> events.insertOne(new Document("i", i).append("at", new Date(1_700_000_000_000L
          + i)));
      case 8 -> orders.updateOne(Filters.eq("_id", id), Updates.rename("qty", "quantity"));
      default -> events.deleteMany(Filters.lt("i", i - 50));
    }
  }

  /** Every 400 writes, one of: an index built or dropped, a scratch collection, a rename. */
  private void ddl(MongoCollection<Document> events, long i) {
    switch ((int) (i / 400 % 4)) {
      case 0 -> events.createIndex(Indexes.descending("i"));
      case 1 -> {
        client.getDatabase("tmp").getCollection("scratch").insertOne(new Document("x", i));
        client.getDatabase("tmp").getCollection("scratch").drop();
      }
      case 2 -> events.dropIndex("i_-1");
      default -> {
        MongoDatabase crm = client.getDatabase("crm");
        boolean people = crm.listCollectionNames().into(new ArrayList<>()).contains("people");
        crm.getCollection(people ? "people" : "contacts").renameCollection(
            new MongoNamespace("crm", people ? "contacts" : "people"));
      }
    }
  }

  /** Stops the thread and waits for it. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
