package io.openmms.server.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;

/** Groups (Ops Manager "projects"): the unit that owns hosts, agents and keys. Thread-safe. */
public final class Groups {
  private final MongoCollection<Document> groups;
  private final Clock clock;

  public Groups(AppDatabase db, Clock clock) {
    this.groups = db.collection(Collections.GROUPS);
    this.clock = clock;
  }

  /** A group. {@code id} is a 24-hex-digit ObjectId string, as in Ops Manager. */
  public record Group(String id, String name, Date created) {}

  public Group create(String name) {
    ObjectId id = new ObjectId();
    Date now = Date.from(clock.instant());
    groups.insertOne(new Document("_id", id).append("name", name).append("created", now));
    return new Group(id.toHexString(), name, now);
  }

  /** The group with this id, or {@code null} (also for a malformed id). */
  public Group get(String id) {
    if (id == null || !ObjectId.isValid(id)) {
      return null;
    }
    Document d = groups.find(Filters.eq("_id", new ObjectId(id))).first();
    return d == null ? null : of(d);
  }

  public List<Group> list() {
    List<Group> out = new ArrayList<>();
    groups.find().sort(new Document("_id", 1)).batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  private static Group of(Document d) {
    return new Group(d.getObjectId("_id").toHexString(), d.getString("name"), d.getDate("created"));
  }
}
