package io.openmms.server.auth;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Programmatic API keys (public key + private key), as in Ops Manager. The private key is shown
 * once at creation and stored only as hashes: SHA-256 for HTTP Basic, and HTTP Digest's
 * {@code HA1 = MD5(public:realm:private)} (and its SHA-256 variant) so Digest can be verified
 * without the key itself. Both are hashes of 122 random bits, which no dictionary can reverse.
 * Authentication reads the key on every request, so a revoked key stops working at once.
 *
 * <p>Thread-safe.
 */
public final class ApiKeys {
  public static final String REALM = "MMS Public API";
  private final MongoCollection<Document> keys;
  private final Secrets secrets;
  private final Clock clock;

  public ApiKeys(AppDatabase db, Secrets secrets, Clock clock) {
    this.keys = db.collection(Collections.API_KEYS);
    this.secrets = secrets;
    this.clock = clock;
  }

  /** A newly created key; {@code privateKey} exists only in this object. */
  public record Created(String id, String publicKey, String privateKey) {}

  /**
   * Creates a key.
   *
   * @param groupRoles role names by group id
   */
  public Created create(String description, boolean globalOwner, Map<String, String> groupRoles) {
    return create(description, globalOwner, groupRoles, null);
  }

  /** Creates a key, recording who created it ({@code createdBy}: a user name or public key). */
  public Created create(String description, boolean globalOwner, Map<String, String> groupRoles,
      String createdBy) {
    String publicKey = secrets.publicKey();
    String privateKey = secrets.privateKey();
    ObjectId id = new ObjectId();
    keys.insertOne(new Document("_id", id)
        .append("publicKey", publicKey)
        .append("desc", description)
        .append("privateKeySha256", Secrets.sha256Hex(privateKey))
        .append("ha1Md5", Secrets.md5Hex(publicKey + ":" + REALM + ":" + privateKey))
        .append("ha1Sha256", Secrets.sha256Hex(publicKey + ":" + REALM + ":" + privateKey))
        .append("privateKeyHint", "********-****-****-****-********" + privateKey.substring(32))
        .append("globalOwner", globalOwner)
        .append("groupRoles", new Document(groupRoles))
        .append("createdBy", createdBy)
        .append("created", Date.from(clock.instant())));
    return new Created(id.toHexString(), publicKey, privateKey);
  }

  /** Grants a role on a group to an existing key. */
  public void grant(String keyId, String groupId, String role) {
    keys.updateOne(Filters.eq("_id", new ObjectId(keyId)),
        new Document("$set", new Document("groupRoles." + groupId, role)));
  }

  /**
   * A stored key as lists show it, without any secret.
   *
   * @param privateKeyHint the private key masked but for its last 12 characters
   * @param groupRoles role names by group id
   */
  public record Key(String id, String publicKey, String description, String privateKeyHint,
      boolean globalOwner, Map<String, String> groupRoles, Date created, String createdBy) {

    /** The key's role in a group, or {@code null}. */
    public Role role(String groupId) {
      return Role.parse(groupRoles.get(groupId));
    }
  }

  /** Keys with a role in the group, oldest first. */
  public List<Key> list(String groupId) {
    List<Key> out = new ArrayList<>();
    keys.find(Filters.exists("groupRoles." + groupId)).sort(new Document("_id", 1))
        .batchSize(500).forEach(d -> out.add(key(d)));
    return out;
  }

  /** The key with this id if it has a role in the group, else {@code null}. */
  public Key get(String groupId, String id) {
    if (id == null || !ObjectId.isValid(id)) {
      return null;
    }
    Document d = keys.find(Filters.and(Filters.eq("_id", new ObjectId(id)),
        Filters.exists("groupRoles." + groupId))).first();
    return d == null ? null : key(d);
  }

  /**
   * Revokes a key's access to a group: removes its role there, and deletes the key when it has
   * no role left. A global owner's key works in every group, so revoking it deletes it. Returns
   * false when the key has no role in the group. Who may revoke is the caller's decision.
   */
  public boolean revoke(String groupId, String id) {
    Key k = get(groupId, id);
    if (k == null) {
      return false;
    }
    ObjectId oid = new ObjectId(id);
    if (k.globalOwner() || k.groupRoles().size() == 1) {
      return keys.deleteOne(Filters.eq("_id", oid)).getDeletedCount() == 1;
    }
    return keys.updateOne(Filters.eq("_id", oid),
        new Document("$unset", new Document("groupRoles." + groupId, ""))).getModifiedCount() == 1;
  }

  private static Key key(Document d) {
    Principal p = principal(d);
    return new Key(p.id(), p.name(), d.getString("desc"), d.getString("privateKeyHint"),
        p.globalOwner(), p.groupRoles(), d.getDate("created"), d.getString("createdBy"));
  }

  /** The stored key document for a public key, or {@code null}. */
  Document find(String publicKey) {
    return keys.find(Filters.eq("publicKey", publicKey)).first();
  }

  /** Verifies a public/private pair (HTTP Basic); {@code null} when wrong. */
  public Principal verify(String publicKey, String privateKey) {
    Document d = find(publicKey);
    if (d == null || !Secrets.equal(d.getString("privateKeySha256"),
        Secrets.sha256Hex(privateKey))) {
      return null;
    }
    return principal(d);
  }

  static Principal principal(Document d) {
    Map<String, String> roles = new HashMap<>();
    Document gr = d.get("groupRoles", Document.class);
    if (gr != null) {
      gr.forEach((k, v) -> roles.put(k, String.valueOf(v)));
    }
    return new Principal(d.getObjectId("_id").toHexString(), d.getString("publicKey"), true,
        d.getBoolean("globalOwner", false), Map.copyOf(roles));
  }
}
