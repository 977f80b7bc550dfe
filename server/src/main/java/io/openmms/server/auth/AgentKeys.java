package io.openmms.server.auth;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.Date;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * A group's agent API keys: what monitoring and backup agents authenticate with (HTTP Basic,
 * {@code groupId:key}). Stored as SHA-256 of the key; the key itself is shown once.
 *
 * <p>Thread-safe.
 */
public final class AgentKeys {
  private final MongoCollection<Document> keys;
  private final Secrets secrets;
  private final Clock clock;

  public AgentKeys(AppDatabase db, Secrets secrets, Clock clock) {
    this.keys = db.collection(Collections.AGENT_KEYS);
    this.secrets = secrets;
    this.clock = clock;
  }

  /** Creates a key for a group and returns it; only its hash is stored. */
  public String create(String groupId, String description) {
    String key = secrets.hex(24);
    keys.insertOne(new Document("_id", new ObjectId()).append("groupId", groupId)
        .append("keySha256", Secrets.sha256Hex(key)).append("desc", description)
        .append("created", Date.from(clock.instant())));
    return key;
  }

  /** True when {@code key} is a live agent key of {@code groupId}. */
  public boolean verify(String groupId, String key) {
    if (groupId == null || key == null) {
      return false;
    }
    return keys.find(Filters.and(Filters.eq("groupId", groupId),
        Filters.eq("keySha256", Secrets.sha256Hex(key)))).first() != null;
  }
}
