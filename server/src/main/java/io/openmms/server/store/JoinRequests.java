package io.openmms.server.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Requests by signed-in users to join a group, waiting for an owner to approve (with a role) or
 * decline. A user has at most one pending request per group; asking again keeps the first.
 *
 * <p>Thread-safe.
 */
public final class JoinRequests {
  private final MongoCollection<Document> requests;
  private final Clock clock;

  public JoinRequests(AppDatabase db, Clock clock) {
    this.requests = db.collection(Collections.JOIN_REQUESTS);
    this.clock = clock;
  }

  /** A pending request. */
  public record JoinRequest(String id, String groupId, String userId, String username,
      Date created) {}

  /** Records a request; returns false when the user already has one pending for the group. */
  public boolean request(String groupId, String userId, String username) {
    var r = requests.updateOne(new Document("groupId", groupId).append("userId", userId),
        new Document("$setOnInsert", new Document("_id", new ObjectId())
            .append("username", username).append("created", Date.from(clock.instant()))),
        new UpdateOptions().upsert(true));
    return r.getUpsertedId() != null;
  }

  /** The group's pending requests, oldest first. */
  public List<JoinRequest> pending(String groupId) {
    List<JoinRequest> out = new ArrayList<>();
    requests.find(Filters.eq("groupId", groupId)).sort(new Document("created", 1))
        .batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  /** True when the user has a pending request for the group. */
  public boolean hasPending(String groupId, String userId) {
    return requests.find(Filters.and(Filters.eq("groupId", groupId),
        Filters.eq("userId", userId))).first() != null;
  }

  /** Removes and returns a pending request of the group, or {@code null} when there is none. */
  public JoinRequest take(String groupId, String id) {
    if (id == null || !ObjectId.isValid(id)) {
      return null;
    }
    Document d = requests.findOneAndDelete(Filters.and(Filters.eq("_id", new ObjectId(id)),
        Filters.eq("groupId", groupId)));
    return d == null ? null : of(d);
  }

  /** Drops the user's pending request for the group, if any (the user joined another way). */
  public void cancel(String groupId, String userId) {
    requests.deleteOne(new Document("groupId", groupId).append("userId", userId));
  }

  private static JoinRequest of(Document d) {
    return new JoinRequest(d.getObjectId("_id").toHexString(), d.getString("groupId"),
        d.getString("userId"), d.getString("username"), d.getDate("created"));
  }
}
