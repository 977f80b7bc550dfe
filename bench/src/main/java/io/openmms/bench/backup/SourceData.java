package io.openmms.bench.backup;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.ObjectId;

/**
 * The data the initial sync copies, and the plain driver scan it is compared with.
 *
 * <p>{@link #seed} fills the source with about {@code megabytes} MB of BSON in four collections of
 * mixed document sizes: {@code shop.orders} (~1 KB: strings, numbers, a sub-document, an array
 * of line items; about 60 % of the bytes), {@code shop.customers} (200 B–2 KB, ~10 %),
 * {@code media.images} (~100 KB, mostly a binary field, ~25 %) and {@code media.videos}
 * (2–5 MB, ~5 %). Binary payloads are half random bytes and half repeated text, so gzip on the
 * wire gains something, as on real data.
 *
 * <p>{@link #scan} reads every collection of every database but admin, local and config with
 * {@code find().batchSize(n)} as {@link RawBsonDocument}s and sums their sizes. {@code n} is
 * chosen as the backup agent's initial sync chooses it (its {@code agent.backup.copy.batch.size}
 * default of 1000, lowered so that one reply of average documents is about 16 MiB), so both read
 * the stand-in the same way.
 */
final class SourceData {
  private static final long REPLY_BYTES = 16L * 1024 * 1024;
  private static final int COPY_BATCH_SIZE = 1000;
  private static final org.bson.codecs.BsonDocumentCodec CODEC =
      new org.bson.codecs.BsonDocumentCodec();
  private static final String[] WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india "
      + "juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor "
      + "whiskey xray yankee zulu").split(" ");

  private final SplittableRandom random = new SplittableRandom(42);
  private final byte[] pool = new byte[8 << 20];

  /** What {@link #scan} read. */
  record Scan(long documents, long bytes, int collections, double seconds) {
    double megabytesPerSecond() {
      return bytes / 1e6 / seconds;
    }
  }

  SourceData() {
    byte[] text = "the quick brown fox jumps over the lazy dog 0123456789 ".getBytes();
    for (int i = 0; i < pool.length; i++) {
      pool[i] = i % 2048 < 1024 ? (byte) random.nextInt(256) : text[i % text.length];
    }
  }

  /** Inserts the data set; returns its BSON bytes. */
  long seed(MongoClient client, long megabytes) {
    long target = megabytes * 1_000_000;
    long bytes = 0;
    bytes += fill(client.getDatabase("shop").getCollection("orders", RawBsonDocument.class),
        target * 60 / 100, this::order);
    bytes += fill(client.getDatabase("shop").getCollection("customers", RawBsonDocument.class),
        target * 10 / 100, this::customer);
    bytes += fill(client.getDatabase("media").getCollection("images", RawBsonDocument.class),
        target * 25 / 100, i -> blob(i, 90_000 + random.nextInt(20_000)));
    bytes += fill(client.getDatabase("media").getCollection("videos", RawBsonDocument.class),
        target * 5 / 100, i -> blob(i, 2_000_000 + random.nextInt(3_000_000)));
    return bytes;
  }

  private interface Maker {
    BsonDocument make(long i);
  }

  private long fill(MongoCollection<RawBsonDocument> coll, long bytes, Maker maker) {
    long total = 0;
    long i = 0;
    List<RawBsonDocument> batch = new ArrayList<>();
    long batchBytes = 0;
    while (total < bytes) {
      RawBsonDocument d = new RawBsonDocument(maker.make(i++), CODEC);
      batch.add(d);
      int size = d.getByteBuffer().remaining();
      batchBytes += size;
      total += size;
      if (batch.size() >= 1000 || batchBytes >= 8_000_000) {
        coll.insertMany(batch);
        batch.clear();
        batchBytes = 0;
      }
    }
    if (!batch.isEmpty()) {
      coll.insertMany(batch);
    }
    return total;
  }

  private BsonDocument order(long i) {
    BsonArray lines = new BsonArray();
    int n = 2 + random.nextInt(6);
    for (int k = 0; k < n; k++) {
      lines.add(new BsonDocument("sku", new BsonString("sku-" + random.nextInt(5000)))
          .append("qty", new BsonInt32(1 + random.nextInt(9)))
          .append("price", new BsonDouble(random.nextInt(100_000) / 100.0)));
    }
    return new BsonDocument("_id", new BsonObjectId(new ObjectId()))
        .append("orderNo", new BsonInt64(i))
        .append("customer", new BsonString("c" + random.nextInt(100_000)))
        .append("status", new BsonString(WORDS[random.nextInt(6)]))
        .append("created", new BsonDateTime(1_700_000_000_000L + i * 1000))
        .append("address", new BsonDocument("street", new BsonString(words(4)))
            .append("city", new BsonString(words(1))).append("zip", new BsonInt32(random.nextInt(99_999))))
        .append("lines", lines)
        .append("note", new BsonString(words(60 + random.nextInt(40))));
  }

  private BsonDocument customer(long i) {
    return new BsonDocument("_id", new BsonInt64(i))
        .append("name", new BsonString(words(2)))
        .append("email", new BsonString("user" + i + "@example.com"))
        .append("tier", new BsonInt32(random.nextInt(4)))
        .append("bio", new BsonString(words(10 + random.nextInt(250))));
  }

  private BsonDocument blob(long i, int size) {
    int from = random.nextInt(pool.length - size);
    byte[] data = java.util.Arrays.copyOfRange(pool, from, from + size);
    return new BsonDocument("_id", new BsonString("blob-" + i))
        .append("name", new BsonString(words(3)))
        .append("contentType", new BsonString("application/octet-stream"))
        .append("data", new BsonBinary(data));
  }

  private String words(int n) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < n; k++) {
      b.append(k == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
    }
    return b.toString();
  }

  /** Reads every user collection through the driver, as described in the class comment. */
  static Scan scan(MongoClient client) {
    long start = System.nanoTime();
    long docs = 0;
    long bytes = 0;
    int collections = 0;
    for (String dbName : new TreeSet<>(client.listDatabaseNames().into(new ArrayList<>()))) {
      if (List.of("admin", "local", "config").contains(dbName)) {
        continue;
      }
      MongoDatabase db = client.getDatabase(dbName);
      for (String name : new TreeSet<>(db.listCollectionNames().into(new ArrayList<>()))) {
        collections++;
        try (MongoCursor<RawBsonDocument> c = db.getCollection(name, RawBsonDocument.class).find()
            .batchSize(batchSize(db, name)).cursor()) {
          while (c.hasNext()) {
            bytes += c.next().getByteBuffer().remaining();
            docs++;
          }
        }
      }
    }
    return new Scan(docs, bytes, collections, (System.nanoTime() - start) / 1e9);
  }

  /** The backup agent's choice (InitialSync#batchSize): 1000, lowered to ~16 MiB per reply. */
  private static int batchSize(MongoDatabase db, String name) {
    try {
      Document stats = db.runCommand(new Document("collStats", name));
      Number avg = stats.get("avgObjSize", Number.class);
      if (avg != null && avg.longValue() > 0) {
        return (int) Math.max(1, Math.min(COPY_BATCH_SIZE, REPLY_BYTES / avg.longValue()));
      }
    } catch (MongoCommandException e) {
      // as the agent: keep the configured size
    }
    return COPY_BATCH_SIZE;
  }
}
