package io.openmms.bench.snapshot;

import io.openmms.daemon.head.Head;
import io.openmms.daemon.head.HeadBatch;
import io.openmms.daemon.head.Namespace;
import io.openmms.daemon.head.OplogPosition;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.types.ObjectId;

/**
 * The benchmark's data: seeded, realistic MongoDB documents in three collections, loaded into a
 * head as an initial sync would load them, and the workloads applied to it between snapshots.
 *
 * <ul>
 *   <li>{@code shop.orders} (40 % of the documents, 53 % of the bytes, ~1.2 KB): status, dates,
 *       a shipping address, 2-8 line items, a payment sub-document, a status history, often a
 *       free-text note;
 *   <li>{@code shop.users} (15 %, 17 %, ~1.0 KB): name, e-mail, address, preferences, roles,
 *       devices with push tokens, a 60-character password hash (incompressible), a short bio;
 *   <li>{@code analytics.events} (45 %, 30 %, ~0.6 KB): type, user and session ids, IP, user
 *       agent, path, page, geo and device sub-documents and a properties sub-document.
 * </ul>
 *
 * <p>On average a document is about 940 bytes of BSON. Every {@code _id} is an ObjectId whose
 * time is one second after the previous document's, so each collection's natural (insertion)
 * order is its {@code _id} order: the order the head scans and the order mongodump would write. Text comes from a seeded vocabulary of 2,000
 * pseudo-words picked with a skew; with the ids, hashes, tokens and numbers, zstd compresses the
 * data about 3.7 times, as it does ordinary application data.
 *
 * <p>Workloads change the head through {@link HeadBatch}es, as oplog application would, and
 * remember what they changed so {@link Change#revert} restores the exact base content. Not
 * thread-safe.
 */
final class Dataset {
  static final Namespace EVENTS = Namespace.parse("analytics.events");
  static final Namespace ORDERS = Namespace.parse("shop.orders");
  static final Namespace USERS = Namespace.parse("shop.users");
  static final List<Namespace> NAMESPACES = List.of(EVENTS, ORDERS, USERS);
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();
  private static final long EPOCH_SECONDS = Instant.parse("2025-01-01T00:00:00Z").getEpochSecond();
  static final String[] STATUSES = {"pending", "paid", "packed", "shipped", "delivered",
      "returned"};
  private static final String[] EVENT_TYPES = {"page_view", "click", "search", "add_to_cart",
      "checkout", "purchase", "login", "logout"};
  private static final String[] AGENTS = {
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/126.0 Safari/537.36",
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko)"
          + " Version/17.5 Safari/605.1.15",
      "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
          + " Gecko) Mobile/15E148",
      "okhttp/4.12.0"};
  private static final String[] COUNTRIES = {"DE", "FR", "US", "GB", "NL", "IT", "ES", "PL"};

  private final SplittableRandom random;
  private final String[] words;
  private final Map<Namespace, List<ObjectId>> ids = new LinkedHashMap<>();
  private long next; // the global document number: the next ObjectId's time and counter
  private long positionSeconds = 1;

  Dataset(long seed) {
    this.random = new SplittableRandom(seed);
    this.words = vocabulary(new SplittableRandom(seed ^ 0x5eedL), 2000);
    NAMESPACES.forEach(ns -> ids.put(ns, new ArrayList<>()));
  }

  /** What {@link #load} put into the head. */
  record Loaded(long documents, long bytes) {}

  /** Fills an empty head with about {@code bytes} bytes of BSON, as an initial sync would. */
  Loaded load(Head head, long bytes) {
    head.beginInitialSync();
    head.createCollection(ORDERS, new BsonDocument(), uuid(ORDERS), List.of(
        index("{_id: 1}", "_id_"), index("{customerId: 1, createdAt: -1}",
            "customerId_1_createdAt_-1"), index("{status: 1}", "status_1")));
    head.createCollection(USERS, new BsonDocument(), uuid(USERS), List.of(
        index("{_id: 1}", "_id_"), index("{email: 1}", "email_1").append("unique",
            BsonBoolean.TRUE)));
    head.createCollection(EVENTS, new BsonDocument(), uuid(EVENTS), List.of(
        index("{_id: 1}", "_id_"), index("{userId: 1, ts: -1}", "userId_1_ts_-1")));
    Map<Namespace, List<RawBsonDocument>> batches = new LinkedHashMap<>();
    long total = 0;
    long documents = 0;
    while (total < bytes) {
      int pick = random.nextInt(100);
      Namespace ns = pick < 40 ? ORDERS : pick < 55 ? USERS : EVENTS;
      RawBsonDocument d = make(ns);
      total += d.getByteBuffer().remaining();
      documents++;
      List<RawBsonDocument> batch = batches.computeIfAbsent(ns, n -> new ArrayList<>());
      batch.add(d);
      if (batch.size() == 1000) {
        head.insertDocuments(ns, batch);
        batch.clear();
      }
    }
    batches.forEach((ns, batch) -> {
      if (!batch.isEmpty()) {
        head.insertDocuments(ns, batch);
      }
    });
    head.finishInitialSync(new BsonTimestamp((int) positionSeconds++, 1));
    return new Loaded(documents, total);
  }

  long documents() {
    return ids.values().stream().mapToLong(List::size).sum();
  }

  // ---- workloads

  /** A workload applied to the head: what it did, and how to undo it. */
  static final class Change {
    final String description;
    final int operations;
    final int documents;
    private final Map<Namespace, Map<ObjectId, RawBsonDocument>> originals;
    private final List<Map.Entry<Namespace, ObjectId>> inserted;

    private Change(String description, int operations,
        Map<Namespace, Map<ObjectId, RawBsonDocument>> originals,
        List<Map.Entry<Namespace, ObjectId>> inserted) {
      this.description = description;
      this.operations = operations;
      this.originals = originals;
      this.inserted = inserted;
      this.documents = originals.values().stream().mapToInt(Map::size).sum() + inserted.size();
    }

    /** Puts every changed document back as it was and deletes every inserted one. */
    void revert(Dataset data, Head head) {
      try (HeadBatch b = head.newBatch()) {
        originals.forEach((ns, docs) -> docs.values().forEach(d -> b.put(ns, d)));
        inserted.forEach(e -> b.delete(e.getKey(), new BsonObjectId(e.getValue())));
        b.commit(data.nextPosition());
      }
    }
  }

  /** (a) {@code fraction} of the documents, picked uniformly, each updated once. */
  Change uniformUpdates(Head head, double fraction, long workloadSeed) {
    SplittableRandom r = new SplittableRandom(workloadSeed);
    int n = (int) Math.round(documents() * fraction);
    Set<Long> picked = new HashSet<>();
    List<Doc> order = new ArrayList<>();
    while (order.size() < n) {
      long k = r.nextLong(documents());
      if (picked.add(k)) {
        order.add(locate(k));
      }
    }
    return update(head, order, r, Report.fmt("%.0f %% of documents updated uniformly",
        fraction * 100));
  }

  /**
   * (b) {@code operations} updates, {@code hotShare} of them to the newest {@code hotFraction} of
   * each collection (recent orders change status, recent users log in), the rest uniformly over
   * the older documents; the collection is picked in proportion to its size. A document may be
   * updated more than once.
   */
  Change skewedUpdates(Head head, int operations, double hotShare, double hotFraction,
      long workloadSeed) {
    SplittableRandom r = new SplittableRandom(workloadSeed);
    List<Doc> order = new ArrayList<>();
    for (int i = 0; i < operations; i++) {
      boolean hot = r.nextDouble() < hotShare;
      Namespace ns = locate(r.nextLong(documents())).ns();
      int size = ids.get(ns).size();
      int hotStart = size - (int) Math.max(1, Math.round(size * hotFraction));
      order.add(new Doc(ns, hot ? hotStart + r.nextInt(size - hotStart) : r.nextInt(hotStart)));
    }
    return update(head, order, r, Report.fmt("%.0f %% of updates to the newest %.0f %% of"
        + " documents", hotShare * 100, hotFraction * 100));
  }

  /** (c) {@code count} new events, their {@code _id}s after every existing one. */
  Change appends(Head head, int count) {
    List<Map.Entry<Namespace, ObjectId>> inserted = new ArrayList<>();
    try (HeadBatch b = head.newBatch()) {
      for (int i = 0; i < count; i++) {
        RawBsonDocument d = event(nextId());
        b.put(EVENTS, d);
        inserted.add(Map.entry(EVENTS, d.getObjectId("_id").getValue()));
      }
      b.commit(nextPosition());
    }
    return new Change("append-only inserts of new events", count, Map.of(), inserted);
  }

  /** A document: its collection and its place in {@code _id} order. */
  private record Doc(Namespace ns, int index) {}

  /** The {@code k}-th document, counting through the collections in namespace order. */
  private Doc locate(long k) {
    for (Namespace ns : NAMESPACES) {
      if (k < ids.get(ns).size()) {
        return new Doc(ns, (int) k);
      }
      k -= ids.get(ns).size();
    }
    throw new IllegalArgumentException("no document " + k);
  }

  private Change update(Head head, List<Doc> order, SplittableRandom r, String description) {
    Map<Namespace, Map<ObjectId, RawBsonDocument>> originals = new LinkedHashMap<>();
    for (int from = 0; from < order.size(); from += 1000) {
      try (HeadBatch b = head.newBatch()) {
        for (Doc doc : order.subList(from, Math.min(order.size(), from + 1000))) {
          ObjectId id = ids.get(doc.ns()).get(doc.index());
          RawBsonDocument current = b.get(doc.ns(), new BsonObjectId(id)).orElseThrow(() ->
              new IllegalStateException("the head lost document " + id + " of " + doc.ns()));
          originals.computeIfAbsent(doc.ns(), x -> new LinkedHashMap<>()).putIfAbsent(id, current);
          b.put(doc.ns(), updated(doc.ns(), current, r));
        }
        b.commit(nextPosition());
      }
    }
    return new Change(description, order.size(), originals, List.of());
  }

  /** The document with one or two field values changed; about the same size. */
  private RawBsonDocument updated(Namespace ns, RawBsonDocument current, SplittableRandom r) {
    BsonDocument d = current.decode(CODEC);
    BsonDateTime now = new BsonDateTime((EPOCH_SECONDS + next + r.nextInt(3600)) * 1000);
    if (ns.equals(ORDERS)) {
      d.put("status", new BsonString(STATUSES[r.nextInt(STATUSES.length)]));
      d.put("updatedAt", now);
    } else if (ns.equals(USERS)) {
      d.put("lastLoginAt", now);
      d.put("loginCount", new BsonInt32(d.getInt32("loginCount").getValue() + 1));
    } else {
      d.getDocument("props").put("durationMs", new BsonInt32(r.nextInt(120_000)));
    }
    return new RawBsonDocument(d, CODEC);
  }

  private OplogPosition nextPosition() {
    return new OplogPosition(new BsonTimestamp((int) positionSeconds++, 1), 1,
        Instant.ofEpochSecond(EPOCH_SECONDS + positionSeconds));
  }

  // ---- documents

  private RawBsonDocument make(Namespace ns) {
    ObjectId id = nextId();
    ids.get(ns).add(id);
    if (ns.equals(ORDERS)) {
      return order(id);
    }
    return ns.equals(USERS) ? user(id) : event(id);
  }

  /** ObjectIds in creation order: 4 bytes of time, 5 fixed bytes, a 3-byte counter. */
  private ObjectId nextId() {
    long n = next++;
    ByteBuffer b = ByteBuffer.allocate(12);
    b.putInt((int) (EPOCH_SECONDS + n));
    b.put(new byte[] {0x6f, 0x6d, 0x6d, 0x73, 0x21});
    int counter = (int) (n & 0xffffff);
    b.put((byte) (counter >>> 16)).put((byte) (counter >>> 8)).put((byte) counter);
    return new ObjectId(b.array());
  }

  private RawBsonDocument order(ObjectId id) {
    long created = id.getTimestamp() * 1000L;
    BsonArray items = new BsonArray();
    double total = 0;
    int lines = 2 + random.nextInt(7);
    for (int i = 0; i < lines; i++) {
      int qty = 1 + random.nextInt(5);
      double price = Math.round(random.nextDouble(1, 500) * 100) / 100.0;
      total += qty * price;
      items.add(new BsonDocument("sku", new BsonString(String.format("SKU-%06d",
          random.nextInt(50_000)))).append("name", new BsonString(text(2 + random.nextInt(3))))
          .append("qty", new BsonInt32(qty)).append("price", new BsonDouble(price))
          .append("category", new BsonString(word())));
    }
    BsonDocument d = new BsonDocument("_id", new BsonObjectId(id))
        .append("orderNo", new BsonInt64(100_000 + next))
        .append("customerId", new BsonObjectId(someUser()))
        .append("status", new BsonString(STATUSES[random.nextInt(STATUSES.length)]))
        .append("createdAt", new BsonDateTime(created))
        .append("updatedAt", new BsonDateTime(created + random.nextInt(86_400_000)))
        .append("currency", new BsonString(random.nextInt(4) == 0 ? "USD" : "EUR"))
        .append("total", new BsonDouble(Math.round(total * 100) / 100.0))
        .append("shipping", address().append("method", new BsonString(random.nextBoolean()
            ? "standard" : "express")))
        .append("items", items)
        .append("payment", new BsonDocument("method", new BsonString(random.nextInt(3) == 0
            ? "paypal" : "card")).append("last4", new BsonString(digits(4)))
            .append("transactionId", new BsonString(hex(24))))
        .append("history", history(created));
    if (random.nextBoolean()) {
      d.append("note", new BsonString(text(10 + random.nextInt(50))));
    }
    return new RawBsonDocument(d, CODEC);
  }

  /** An order's status changes so far: 1-4 entries. */
  private BsonArray history(long created) {
    BsonArray h = new BsonArray();
    long at = created;
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      h.add(new BsonDocument("status", new BsonString(STATUSES[i])).append("at",
          new BsonDateTime(at)).append("by", new BsonString(i == 0 ? "customer" : "system")));
      at += random.nextInt(86_400_000);
    }
    return h;
  }

  private RawBsonDocument user(ObjectId id) {
    String first = capitalized(word());
    String last = capitalized(word());
    long created = id.getTimestamp() * 1000L;
    BsonArray roles = new BsonArray(List.of(new BsonString("customer")));
    if (random.nextInt(20) == 0) {
      roles.add(new BsonString("support"));
    }
    BsonDocument d = new BsonDocument("_id", new BsonObjectId(id))
        .append("email", new BsonString(first.toLowerCase(Locale.ROOT) + "."
            + last.toLowerCase(Locale.ROOT) + next + "@example.com"))
        .append("name", new BsonDocument("first", new BsonString(first))
            .append("last", new BsonString(last)))
        .append("passwordHash", new BsonString("$2b$12$" + base64(53)))
        .append("createdAt", new BsonDateTime(created))
        .append("lastLoginAt", new BsonDateTime(created + random.nextLong(30L * 86_400_000)))
        .append("loginCount", new BsonInt32(random.nextInt(500)))
        .append("address", address())
        .append("prefs", new BsonDocument("lang", new BsonString(random.nextBoolean() ? "en"
            : "de")).append("newsletter", BsonBoolean.valueOf(random.nextBoolean()))
            .append("theme", new BsonString(random.nextBoolean() ? "dark" : "light")))
        .append("roles", roles)
        .append("devices", devices(created))
        .append("bio", new BsonString(text(15 + random.nextInt(50))));
    return new RawBsonDocument(d, CODEC);
  }

  /** A user's 1-3 devices with their push tokens. */
  private BsonArray devices(long created) {
    BsonArray d = new BsonArray();
    int n = 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      d.add(new BsonDocument("os", new BsonString(random.nextBoolean() ? "android" : "ios"))
          .append("model", new BsonString(capitalized(word()) + " " + (1 + random.nextInt(15))))
          .append("pushToken", new BsonString(hex(40)))
          .append("lastSeen", new BsonDateTime(created + random.nextLong(90L * 86_400_000))));
    }
    return d;
  }

  private RawBsonDocument event(ObjectId id) {
    SplittableRandom r = random;
    String type = EVENT_TYPES[r.nextInt(EVENT_TYPES.length)];
    BsonDocument props = new BsonDocument("durationMs", new BsonInt32(r.nextInt(120_000)))
        .append("referrer", new BsonString("https://" + word() + ".example.org/" + word()))
        .append("experiment", new BsonString(r.nextBoolean() ? "A" : "B"))
        .append("screen", new BsonString(r.nextBoolean() ? "1920x1080" : "390x844"));
    if (type.equals("search")) {
      props.append("query", new BsonString(text(1 + r.nextInt(4))));
    }
    BsonArray viewed = new BsonArray();
    for (int i = r.nextInt(4); i > 0; i--) {
      viewed.add(new BsonString(String.format("SKU-%06d", r.nextInt(50_000))));
    }
    props.append("viewed", viewed);
    BsonDocument d = new BsonDocument("_id", new BsonObjectId(id))
        .append("ts", new BsonDateTime(id.getTimestamp() * 1000L + r.nextInt(1000)))
        .append("type", new BsonString(type))
        .append("userId", new BsonObjectId(someUser()))
        .append("sessionId", new BsonString(hex(32)))
        .append("ip", new BsonString("10." + r.nextInt(256) + "." + r.nextInt(256) + "."
            + r.nextInt(256)))
        .append("userAgent", new BsonString(AGENTS[r.nextInt(AGENTS.length)]))
        .append("path", new BsonString("/" + word() + "/" + String.format("SKU-%06d",
            r.nextInt(50_000))))
        .append("page", new BsonDocument("title", new BsonString(capitalized(text(3
            + r.nextInt(6))))).append("category", new BsonString(word())))
        .append("geo", new BsonDocument("country", new BsonString(COUNTRIES[r.nextInt(
            COUNTRIES.length)])).append("city", new BsonString(capitalized(words[r.nextInt(
            300)]))).append("lat", new BsonDouble(r.nextDouble(-90, 90)))
            .append("lon", new BsonDouble(r.nextDouble(-180, 180))))
        .append("device", new BsonDocument("mobile", BsonBoolean.valueOf(r.nextBoolean()))
            .append("lang", new BsonString(r.nextBoolean() ? "en-US" : "de-DE")))
        .append("props", props);
    return new RawBsonDocument(d, CODEC);
  }

  private BsonDocument address() {
    return new BsonDocument("name", new BsonString(capitalized(word()) + " "
        + capitalized(word())))
        .append("street", new BsonString((1 + random.nextInt(300)) + " " + capitalized(word())
            + " Street"))
        .append("city", new BsonString(capitalized(words[random.nextInt(300)])))
        .append("zip", new BsonString(digits(5)))
        .append("country", new BsonString(COUNTRIES[random.nextInt(COUNTRIES.length)]));
  }

  private ObjectId someUser() {
    List<ObjectId> users = ids.get(USERS);
    return users.isEmpty() ? new ObjectId(new byte[12]) : users.get(random.nextInt(users.size()));
  }

  /** A word, skewed towards the start of the vocabulary as words in real text are. */
  private String word() {
    double u = random.nextDouble();
    return words[(int) (words.length * u * u)];
  }

  private String text(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : " ").append(word());
    }
    return b.toString();
  }

  private String digits(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append((char) ('0' + random.nextInt(10)));
    }
    return b.toString();
  }

  private String hex(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(Character.forDigit(random.nextInt(16), 16));
    }
    return b.toString();
  }

  private String base64(int n) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./";
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  private static String capitalized(String w) {
    return Character.toUpperCase(w.charAt(0)) + w.substring(1);
  }

  private static String[] vocabulary(SplittableRandom r, int n) {
    String[] syllables = {"ka", "lo", "mi", "ne", "ru", "ta", "sen", "dor", "vi", "al", "bre",
        "cho", "fen", "gar", "hu", "is", "jo", "ler", "mon", "nu", "or", "pre", "qua", "sti",
        "tur", "ul", "ven", "wex", "yo", "zan"};
    Set<String> out = new LinkedHashSet<>();
    while (out.size() < n) {
      StringBuilder w = new StringBuilder();
      int parts = 1 + r.nextInt(4);
      for (int i = 0; i < parts; i++) {
        w.append(syllables[r.nextInt(syllables.length)]);
      }
      out.add(w.toString());
    }
    return out.toArray(new String[0]);
  }

  private static UUID uuid(Namespace ns) {
    return UUID.nameUUIDFromBytes(ns.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static BsonDocument index(String key, String name) {
    return new BsonDocument("v", new BsonInt32(2)).append("key", BsonDocument.parse(key))
        .append("name", new BsonString(name));
  }
}
