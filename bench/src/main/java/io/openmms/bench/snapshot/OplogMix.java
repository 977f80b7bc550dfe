package io.openmms.bench.snapshot;

import io.openmms.daemon.head.CollectionInfo;
import io.openmms.daemon.head.DocumentCursor;
import io.openmms.daemon.head.HeadReader;
import io.openmms.daemon.head.Namespace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bson.BsonBinary;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.types.ObjectId;

/**
 * The oplog a replica set writes after a base snapshot of {@link Dataset}'s collections, as
 * {@code local.oplog.rs} holds it (MongoDB 6/7 shapes: {@code op, ns, ui, o, o2, ts, t, v,
 * wall}), for {@link PitRestoreBench}. Seeded; every entry is one of:
 *
 * <ul>
 *   <li>25 % inserts: new events (60 %), orders (30 %) and users (10 %), each a copy of a
 *       document of the base with a new {@code _id} (and, for a user, a new unique e-mail);
 *   <li>35 % {@code $v: 2} diff updates: an order's status and {@code updatedAt} (50 %), an
 *       event's {@code props.durationMs} (a sub-document diff, 30 %), a user's login time and
 *       count;
 *   <li>15 % {@code $set} updates ({@code $v: 1}, as 4.4 wrote them) of orders and users, with
 *       a dotted path for users;
 *   <li>25 % deletes, of the same collections in the same proportions as the inserts.
 * </ul>
 *
 * <p>Inserts and deletes balance, so the data keeps about the size of the base at every point
 * and a restore's other phases do not grow with the oplog. Updates and deletes pick a document
 * that exists at that point, uniformly, so none is skipped as missing and {@link #documents()}
 * is exactly what a restore to that point holds.
 * Timestamps advance {@code perSecond} entries per second from {@code firstSecond}, {@code wall}
 * with them. Not thread-safe.
 */
final class OplogMix {
  private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

  private final SplittableRandom random;
  private final int firstSecond;
  private final int perSecond;
  private final Map<Namespace, BsonBinary> uuids = new LinkedHashMap<>();
  private final Map<Namespace, List<BsonValue>> live = new LinkedHashMap<>();
  private final Map<Namespace, List<BsonDocument>> templates = new LinkedHashMap<>();
  private long generated;
  private long bytes;
  private long documents;
  private int inserted;

  /** Reads the live {@code _id}s and some template documents of every collection of {@code base}. */
  OplogMix(HeadReader base, long seed, int firstSecond, int perSecond) {
    this.random = new SplittableRandom(seed);
    this.firstSecond = firstSecond;
    this.perSecond = perSecond;
    for (Namespace ns : Dataset.NAMESPACES) {
      CollectionInfo c = base.collection(ns).orElseThrow(() ->
          new IllegalArgumentException("the base head has no " + ns));
      c.uuid().ifPresent(u -> uuids.put(ns, new BsonBinary(u, UuidRepresentation.STANDARD)));
      List<BsonValue> ids = new ArrayList<>();
      List<BsonDocument> some = new ArrayList<>();
      try (DocumentCursor docs = base.scan(ns)) {
        while (docs.hasNext()) {
          RawBsonDocument d = docs.next();
          ids.add(d.get("_id"));
          if (ids.size() % 16 == 1) {
            some.add(d.decode(CODEC));
          }
        }
      }
      live.put(ns, ids);
      templates.put(ns, some);
      documents += ids.size();
    }
  }

  /** The timestamp of entry {@code i} (from 0). */
  BsonTimestamp ts(long i) {
    return new BsonTimestamp(firstSecond + (int) (i / perSecond), (int) (i % perSecond) + 1);
  }

  /** BSON bytes of the entries generated so far. */
  long bytes() {
    return bytes;
  }

  /** Documents in all collections after the entries generated so far. */
  long documents() {
    return documents;
  }

  /** The next entry. */
  RawBsonDocument next() {
    long i = generated++;
    BsonTimestamp ts = ts(i);
    long wall = ts.getTime() * 1000L + (i % perSecond) * 1000 / perSecond;
    int pick = random.nextInt(100);
    BsonDocument e;
    if (pick < 25) {
      e = insert(pick(60, 30), ts.getTime(), wall);
    } else if (pick < 60) {
      e = diff(pick(30, 50), wall);
    } else if (pick < 75) {
      e = set(random.nextBoolean() ? Dataset.ORDERS : Dataset.USERS, wall);
    } else {
      e = delete(pick(60, 30));
    }
    e.append("ts", ts).append("t", new BsonInt64(1)).append("v", new BsonInt64(2))
        .append("wall", new BsonDateTime(wall));
    RawBsonDocument raw = new RawBsonDocument(e, CODEC);
    bytes += raw.getByteBuffer().remaining();
    return raw;
  }

  /** Events with probability {@code events} %, orders {@code orders} %, else users. */
  private Namespace pick(int events, int orders) {
    int p = random.nextInt(100);
    return p < events ? Dataset.EVENTS : p < events + orders ? Dataset.ORDERS : Dataset.USERS;
  }

  private BsonDocument insert(Namespace ns, int second, long wall) {
    List<BsonDocument> pool = templates.get(ns);
    BsonDocument template = pool.get(random.nextInt(pool.size()));
    ObjectId id = new ObjectId(second, inserted++ & 0xffffff);
    BsonDocument d = new BsonDocument("_id", new BsonObjectId(id));
    template.forEach((k, v) -> {
      if (!k.equals("_id")) {
        d.append(k, v);
      }
    });
    if (ns.equals(Dataset.USERS)) {
      d.put("email", new BsonString("u" + id.toHexString() + "@example.com"));
    } else if (ns.equals(Dataset.ORDERS)) {
      d.put("createdAt", new BsonDateTime(wall));
      d.put("updatedAt", new BsonDateTime(wall));
    }
    live.get(ns).add(d.get("_id"));
    documents++;
    return entry("i", ns, d);
  }

  private BsonDocument diff(Namespace ns, long wall) {
    BsonDocument diff;
    if (ns.equals(Dataset.ORDERS)) {
      diff = new BsonDocument("u", new BsonDocument("status", status())
          .append("updatedAt", new BsonDateTime(wall)));
    } else if (ns.equals(Dataset.USERS)) {
      diff = new BsonDocument("u", new BsonDocument("lastLoginAt", new BsonDateTime(wall))
          .append("loginCount", new BsonInt32(random.nextInt(1000))));
    } else {
      diff = new BsonDocument("sprops", new BsonDocument("u", new BsonDocument("durationMs",
          new BsonInt32(random.nextInt(120_000)))));
    }
    return update(ns, new BsonDocument("$v", new BsonInt32(2)).append("diff", diff));
  }

  private BsonDocument set(Namespace ns, long wall) {
    BsonDocument set = ns.equals(Dataset.ORDERS)
        ? new BsonDocument("status", status()).append("updatedAt", new BsonDateTime(wall))
        : new BsonDocument("lastLoginAt", new BsonDateTime(wall)).append("prefs.theme",
            new BsonString(random.nextBoolean() ? "dark" : "light"));
    return update(ns, new BsonDocument("$v", new BsonInt32(1)).append("$set", set));
  }

  private BsonDocument update(Namespace ns, BsonDocument o) {
    List<BsonValue> ids = live.get(ns);
    BsonValue id = ids.get(random.nextInt(ids.size()));
    return entry("u", ns, o).append("o2", new BsonDocument("_id", id));
  }

  private BsonDocument delete(Namespace ns) {
    List<BsonValue> ids = live.get(ns);
    int k = random.nextInt(ids.size());
    BsonValue id = ids.get(k);
    ids.set(k, ids.get(ids.size() - 1));
    ids.remove(ids.size() - 1);
    documents--;
    return entry("d", ns, new BsonDocument("_id", id));
  }

  private BsonDocument entry(String op, Namespace ns, BsonDocument o) {
    BsonDocument e = new BsonDocument("op", new BsonString(op))
        .append("ns", new BsonString(ns.toString()));
    BsonBinary ui = uuids.get(ns);
    if (ui != null) {
      e.append("ui", ui);
    }
    return e.append("o", o);
  }

  private BsonString status() {
    return new BsonString(Dataset.STATUSES[random.nextInt(Dataset.STATUSES.length)]);
  }
}
