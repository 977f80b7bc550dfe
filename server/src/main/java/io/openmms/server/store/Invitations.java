package io.openmms.server.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import io.openmms.server.auth.Role;
import io.openmms.server.auth.Secrets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Invitation links into a group. An owner creates one with a role; the link carries a random
 * 256-bit token of which only the SHA-256 is stored, so the database alone cannot produce a
 * working link. A link works once (redeeming marks it used in the same atomic update that checks
 * it is unused and unexpired) and for {@link #LIFETIME} after creation.
 *
 * <p>Thread-safe.
 */
public final class Invitations {
  /** How long an invitation link stays valid. */
  public static final Duration LIFETIME = Duration.ofDays(7);

  private final MongoCollection<Document> invitations;
  private final Secrets secrets;
  private final Clock clock;

  public Invitations(AppDatabase db, Secrets secrets, Clock clock) {
    this.invitations = db.collection(Collections.INVITATIONS);
    this.secrets = secrets;
    this.clock = clock;
  }

  /**
   * A stored invitation.
   *
   * @param usedBy the user name that redeemed it, or {@code null} while unused
   */
  public record Invitation(String id, String groupId, Role role, String createdBy, Date created,
      Date expires, String usedBy) {}

  /** A new invitation; {@code token} exists only in this object. */
  public record Created(Invitation invitation, String token) {}

  /** What a token lookup found. */
  public enum Status { VALID, UNKNOWN, USED, EXPIRED }

  public Created create(String groupId, Role role, String createdBy) {
    String token = secrets.hex(32);
    ObjectId id = new ObjectId();
    Date now = Date.from(clock.instant());
    Date expires = Date.from(clock.instant().plus(LIFETIME));
    invitations.insertOne(new Document("_id", id).append("tokenSha256", Secrets.sha256Hex(token))
        .append("groupId", groupId).append("role", role.name()).append("createdBy", createdBy)
        .append("created", now).append("expires", expires).append("usedBy", null));
    return new Created(new Invitation(id.toHexString(), groupId, role, createdBy, now, expires,
        null), token);
  }

  /** The invitation a token belongs to, or {@code null} when no invitation has it. */
  public Invitation find(String token) {
    if (token == null || token.length() != 64) {
      return null;
    }
    Document d = invitations.find(Filters.eq("tokenSha256", Secrets.sha256Hex(token))).first();
    return d == null ? null : of(d);
  }

  /** Whether an invitation can be redeemed now. */
  public Status status(Invitation inv) {
    if (inv == null) {
      return Status.UNKNOWN;
    }
    if (inv.usedBy() != null) {
      return Status.USED;
    }
    return clock.millis() >= inv.expires().getTime() ? Status.EXPIRED : Status.VALID;
  }

  /**
   * Marks the token's invitation used by {@code username} if it is unused and unexpired, and
   * returns it; returns {@code null} when it cannot be redeemed (then nothing changed).
   */
  public Invitation redeem(String token, String username) {
    if (token == null || token.length() != 64) {
      return null;
    }
    Document d = invitations.findOneAndUpdate(Filters.and(
            Filters.eq("tokenSha256", Secrets.sha256Hex(token)), Filters.eq("usedBy", null),
            Filters.gt("expires", Date.from(clock.instant()))),
        new Document("$set", new Document("usedBy", username)
            .append("used", Date.from(clock.instant()))),
        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
    return d == null ? null : of(d);
  }

  /** The group's unused, unexpired invitations, newest first. */
  public List<Invitation> pending(String groupId) {
    List<Invitation> out = new ArrayList<>();
    invitations.find(Filters.and(Filters.eq("groupId", groupId), Filters.eq("usedBy", null),
            Filters.gt("expires", Date.from(clock.instant()))))
        .sort(new Document("_id", -1)).batchSize(500).forEach(d -> out.add(of(d)));
    return out;
  }

  /** Withdraws an unused invitation of the group; false when there is none with this id. */
  public boolean withdraw(String groupId, String id) {
    if (id == null || !ObjectId.isValid(id)) {
      return false;
    }
    return invitations.deleteOne(Filters.and(Filters.eq("_id", new ObjectId(id)),
        Filters.eq("groupId", groupId), Filters.eq("usedBy", null))).getDeletedCount() == 1;
  }

  private static Invitation of(Document d) {
    return new Invitation(d.getObjectId("_id").toHexString(), d.getString("groupId"),
        Role.parse(d.getString("role")), d.getString("createdBy"), d.getDate("created"),
        d.getDate("expires"), d.getString("usedBy"));
  }
}
