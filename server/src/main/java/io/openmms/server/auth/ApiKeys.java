package io.openmms.server.auth;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Programmatic API keys (public key + private key), as in Ops Manager. The private key is shown
 * once at creation and stored only as hashes: SHA-256 for HTTP Basic, and HTTP Digest's
 * {@code HA1 = MD5(public:realm:private)} (and its SHA-256 variant) so Digest can be verified
 * without the key itself. Both are hashes of 122 random bits, which no dictionary can reverse.
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
        .append("created", Date.from(clock.instant())));
    return new Created(id.toHexString(), publicKey, privateKey);
  }

  /** Grants a role on a group to an existing key. */
  public void grant(String keyId, String groupId, String role) {
    keys.updateOne(Filters.eq("_id", new ObjectId(keyId)),
        new Document("$set", new Document("groupRoles." + groupId, role)));
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
