package io.openmms.server.auth;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import io.openmms.server.http.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.bson.types.ObjectId;

/**
 * A group's agent API keys: what monitoring and backup agents authenticate with (HTTP Basic,
 * {@code groupId:key}). Stored as SHA-256 of the key plus its last four characters (the hint a
 * list shows); the key itself is shown once. A revoked key is deleted, so the next agent request
 * made with it is refused.
 *
 * <p>Thread-safe.
 */
public final class AgentKeys {
  private static final Logger LOG = LoggerFactory.getLogger(AgentKeys.class);
  private final MongoCollection<Document> keys;
  private final Secrets secrets;
  private final Clock clock;

  public AgentKeys(AppDatabase db, Secrets secrets, Clock clock) {
    this.keys = db.collection(Collections.AGENT_KEYS);
    this.secrets = secrets;
    this.clock = clock;
  }

  /**
   * A stored key as lists show it: never the key, only its last characters.
   *
   * @param createdBy the user name or public API key that created it, or {@code null}
   */
  public record Key(String id, String groupId, String description, Date created, String hint,
      String createdBy) {

    /** The key masked as Ops Manager shows it: asterisks and the last four characters. */
    public String masked() {
      return "*".repeat(44) + (hint == null ? "****" : hint);
    }
  }

  /** A newly created key; {@code key} exists only in this object. */
  public record Created(Key stored, String key) {}

  /** Creates a key for a group and returns it; only its hash is stored. */
  public String create(String groupId, String description) {
    return create(groupId, description, null).key();
  }

  /** Creates a key for a group, recording who created it. */
  public Created create(String groupId, String description, String createdBy) {
    String key = secrets.hex(24);
    ObjectId id = new ObjectId();
    Date now = Date.from(clock.instant());
    String hint = key.substring(key.length() - 4);
    keys.insertOne(new Document("_id", id).append("groupId", groupId)
        .append("keySha256", Secrets.sha256Hex(key)).append("desc", description)
        .append("keyHint", hint).append("createdBy", createdBy).append("created", now));
    return new Created(new Key(id.toHexString(), groupId, description, now, hint, createdBy), key);
  }

  /** True when {@code key} is a live agent key of {@code groupId}. */
  public boolean verify(String groupId, String key) {
    if (groupId == null || key == null) {
      return false;
    }
    return keys.find(Filters.and(Filters.eq("groupId", groupId),
        Filters.eq("keySha256", Secrets.sha256Hex(key)))).first() != null;
  }

  /** The group's keys, oldest first. */
  public List<Key> list(String groupId) {
    List<Key> out = new ArrayList<>();
    keys.find(Filters.eq("groupId", groupId)).sort(new Document("_id", 1)).batchSize(500)
        .forEach(d -> out.add(of(d)));
    return out;
  }

  /** The group's key with this id, or {@code null} (also for a malformed id). */
  public Key get(String groupId, String id) {
    if (id == null || !ObjectId.isValid(id)) {
      return null;
    }
    Document d = keys.find(Filters.and(Filters.eq("_id", new ObjectId(id)),
        Filters.eq("groupId", groupId))).first();
    return d == null ? null : of(d);
  }

  /** Revokes (deletes) a key of the group; false when the group has no key with this id. */
  public boolean revoke(String groupId, String id) {
    if (id == null || !ObjectId.isValid(id)) {
      return false;
    }
    return keys.deleteOne(Filters.and(Filters.eq("_id", new ObjectId(id)),
        Filters.eq("groupId", groupId))).getDeletedCount() == 1;
  }

  private static Key of(Document d) {
    return new Key(d.getObjectId("_id").toHexString(), d.getString("groupId"),
        d.getString("desc"), d.getDate("created"), d.getString("keyHint"),
        d.getString("createdBy"));
  }

  /**
   * The group an agent request's {@code Authorization: Basic groupId:key} belongs to; throws a
   * 401 {@link ApiException} when it is missing, malformed or wrong.
   */
  public String authenticate(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      throw new ApiException(401, "AGENT_AUTH_REQUIRED",
          "Agent requests need HTTP Basic authentication with the group id and agent API key");
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(401, "AGENT_AUTH_REQUIRED", "Malformed Basic authorization header");
    }
    int colon = decoded.indexOf(':');
    String groupId = colon < 0 ? decoded : decoded.substring(0, colon);
    if (colon < 0 || !verify(groupId, decoded.substring(colon + 1))) {
      LOG.warn("Rejected agent request for group '{}': unknown group or wrong agent API key",
          (groupId.length() > 40 ? groupId.substring(0, 40) : groupId).replaceAll("\\P{Graph}", "?"));
      throw new ApiException(401, "INVALID_AGENT_API_KEY",
          "Unknown group or wrong agent API key for group '" + groupId + "'");
    }
    return groupId;
  }
}
