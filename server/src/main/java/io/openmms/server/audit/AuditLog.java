package io.openmms.server.audit;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log of security-relevant actions (sign-in, failed sign-in, keys created or revoked,
 * members added or removed, roles changed, passwords reset). Entries are never edited. Details
 * never contain secrets. Thread-safe.
 */
public final class AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger("openmms.audit");
  private final MongoCollection<Document> log;
  private final Clock clock;

  public AuditLog(AppDatabase db, Clock clock) {
    this.log = db.collection(Collections.AUDIT);
    this.clock = clock;
  }

  /** One entry; {@code groupId} is {@code null} for actions outside any group (sign-in). */
  public record Entry(Date at, String groupId, String actor, String action, String detail,
      String address) {}

  public void record(String groupId, String actor, String action, String detail, String address) {
    Date now = new Date(clock.millis());
    log.insertOne(new Document("_id", new ObjectId()).append("at", now).append("groupId", groupId)
        .append("actor", actor).append("action", action).append("detail", detail)
        .append("address", address));
    LOG.info("{} by {} from {}{}: {}", action, actor, address,
        groupId == null ? "" : " in group " + groupId, detail);
  }

  /** Newest first; {@code groupId == null} lists every entry (global owners). */
  public List<Entry> list(String groupId, int limit) {
    Bson filter = groupId == null ? new Document() : Filters.eq("groupId", groupId);
    List<Entry> out = new ArrayList<>();
    log.find(filter).sort(new Document("at", -1)).limit(limit).batchSize(limit)
        .forEach(d -> out.add(new Entry(d.getDate("at"), d.getString("groupId"),
            d.getString("actor"), d.getString("action"), d.getString("detail"),
            d.getString("address"))));
    return out;
  }
}
