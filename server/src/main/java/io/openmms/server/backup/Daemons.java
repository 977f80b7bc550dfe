package io.openmms.server.backup;

import com.mongodb.client.MongoCollection;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bson.Document;

/** The running backup daemons as their liveness records ({@code daemons}) describe them. */
public final class Daemons {
  private final MongoCollection<Document> daemons;
  private final Clock clock;

  public Daemons(AppDatabase db, Clock clock) {
    this.daemons = db.collection(Collections.DAEMONS);
    this.clock = clock;
  }

  /** The block store names (daemon.blockstores) of the daemons whose record has not expired. */
  public Set<String> liveBlockstores() {
    Set<String> known = new TreeSet<>();
    Date now = Date.from(clock.instant());
    for (Document d : daemons.find()) {
      Date expires = d.getDate("expires");
      if (expires != null && expires.after(now) && d.get("blockstores") instanceof List<?> l) {
        l.forEach(n -> known.add(String.valueOf(n)));
      }
    }
    return known;
  }
}
