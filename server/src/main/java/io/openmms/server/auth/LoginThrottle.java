package io.openmms.server.auth;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;

/**
 * Limits failed sign-ins: after {@code maxFailures} failures for one user name, or from one client
 * address, within {@code window}, further attempts are refused until the oldest failure leaves
 * the window. Counted in the application database so every server instance shares the count.
 */
public final class LoginThrottle {
  private final MongoCollection<Document> attempts;
  private final Clock clock;
  private final int maxFailures;
  private final Duration window;

  public LoginThrottle(AppDatabase db, Clock clock, int maxFailures, Duration window) {
    this.attempts = db.collection(Collections.LOGIN_FAILURES);
    this.clock = clock;
    this.maxFailures = maxFailures;
    this.window = window;
  }

  /** How long the caller must wait before trying again, or {@link Duration#ZERO}. */
  public Duration retryAfter(String username, String address) {
    return max(wait("user:" + username), wait("addr:" + address));
  }

  public void failed(String username, String address) {
    Date now = new Date(clock.millis());
    for (String key : List.of("user:" + username, "addr:" + address)) {
      attempts.updateOne(Filters.eq("_id", key), new Document("$push",
          new Document("at", new Document("$each", List.of(now)).append("$slice", -maxFailures))),
          new UpdateOptions().upsert(true));
    }
  }

  public void succeeded(String username) {
    attempts.deleteOne(Filters.eq("_id", "user:" + username));
  }

  private Duration wait(String key) {
    Document d = attempts.find(Filters.eq("_id", key)).first();
    if (d == null) {
      return Duration.ZERO;
    }
    long now = clock.millis();
    List<Long> recent = new ArrayList<>();
    for (Object o : d.getList("at", Object.class)) {
      long t = ((Date) o).getTime();
      if (now - t < window.toMillis()) {
        recent.add(t);
      }
    }
    if (recent.size() < maxFailures) {
      return Duration.ZERO;
    }
    long oldest = recent.stream().mapToLong(Long::longValue).min().orElse(now);
    return Duration.ofMillis(oldest + window.toMillis() - now);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
