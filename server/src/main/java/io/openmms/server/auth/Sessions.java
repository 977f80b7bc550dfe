package io.openmms.server.auth;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import org.bson.Document;

/**
 * Browser sessions, kept in the application database so any server instance serves any user.
 * The cookie holds a random 256-bit token; only its SHA-256 is stored. A session ends after
 * {@code idle} without a request or {@code maxAge} after sign-in, whichever comes first. Each
 * session has its own CSRF token, which every state-changing request must echo.
 *
 * <p>Thread-safe.
 */
public final class Sessions {
  private final MongoCollection<Document> sessions;
  private final Secrets secrets;
  private final Clock clock;
  private final Duration idle;
  private final Duration maxAge;

  public Sessions(AppDatabase db, Secrets secrets, Clock clock, Duration idle, Duration maxAge) {
    this.sessions = db.collection(Collections.SESSIONS);
    this.secrets = secrets;
    this.clock = clock;
    this.idle = idle;
    this.maxAge = maxAge;
  }

  /** A live session. {@code token} is set only right after creation. */
  public record Session(String token, String userId, String csrf) {}

  public Session create(String userId) {
    String token = secrets.hex(32);
    String csrf = secrets.hex(24);
    long now = clock.millis();
    sessions.insertOne(new Document("_id", Secrets.sha256Hex(token)).append("userId", userId)
        .append("csrf", csrf).append("created", new Date(now)).append("lastSeen", new Date(now)));
    return new Session(token, userId, csrf);
  }

  /** The live session for a cookie value, refreshing its idle timer; {@code null} if none. */
  public Session find(String token) {
    if (token == null || token.length() != 64) {
      return null;
    }
    String id = Secrets.sha256Hex(token);
    Document d = sessions.find(Filters.eq("_id", id)).first();
    if (d == null) {
      return null;
    }
    long now = clock.millis();
    if (now - d.getDate("lastSeen").getTime() > idle.toMillis()
        || now - d.getDate("created").getTime() > maxAge.toMillis()) {
      sessions.deleteOne(Filters.eq("_id", id));
      return null;
    }
    if (now - d.getDate("lastSeen").getTime() > 60_000) {
      sessions.updateOne(Filters.eq("_id", id),
          new Document("$set", new Document("lastSeen", new Date(now))));
    }
    return new Session(null, d.getString("userId"), d.getString("csrf"));
  }

  public void delete(String token) {
    if (token != null) {
      sessions.deleteOne(Filters.eq("_id", Secrets.sha256Hex(token)));
    }
  }

  /** Ends every session of a user (after a password reset). */
  public void deleteAll(String userId) {
    sessions.deleteMany(Filters.eq("userId", userId));
  }

  public Duration maxAge() {
    return maxAge;
  }
}
