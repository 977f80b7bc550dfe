package io.openmms.server.backup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bson.Document;

/**
 * The running backup daemons as their liveness records ({@code daemons}) describe them. A daemon
 * renews its record every third of a lease duration (daemon {@code Leases.heartbeat}):
 * {@code {_id: daemonId, host, blockstores: [names], restoreSshKey: {type, line, fingerprint},
 * expires, updated}}; a record whose {@code expires} has passed is a daemon that died, and a
 * clean shutdown deletes it. Thread-safe.
 */
public final class Daemons {
  private final MongoCollection<Document> daemons;
  private final Clock clock;

  public Daemons(AppDatabase db, Clock clock) {
    this.daemons = db.collection(Collections.DAEMONS);
    this.clock = clock;
  }

  /**
   * The public key a daemon pushes SCP restores with (docs/restore-delivery-ssh.md), as it
   * publishes it in its record.
   *
   * @param type the SSH key type, such as {@code ecdsa-sha2-nistp256} or {@code ssh-ed25519}
   * @param line the {@code authorized_keys} line: type, base64 key and comment
   * @param fingerprint {@code SHA256:<base64>}, as {@code ssh-keygen -lf} prints it
   */
  public record RestoreKey(String type, String line, String fingerprint) {
    /** The record's {@code restoreSshKey} field. */
    public Document document() {
      return new Document("type", type).append("line", line).append("fingerprint", fingerprint);
    }

    static RestoreKey of(Document d) {
      return d == null || d.getString("line") == null ? null
          : new RestoreKey(d.getString("type"), d.getString("line"), d.getString("fingerprint"));
    }
  }

  /** A live daemon; {@code restoreKey} is null when it published none (an older daemon). */
  public record Daemon(String id, String host, List<String> blockstores, RestoreKey restoreKey,
      Instant updated) {

    /** Whether this daemon can run a restore of a snapshot in one of {@code stores}. */
    public boolean hasAnyOf(Collection<String> stores) {
      return blockstores.stream().anyMatch(stores::contains);
    }
  }

  /** The daemons whose record has not expired, by id. */
  public List<Daemon> live() {
    List<Daemon> out = new ArrayList<>();
    daemons.find(Filters.gt("expires", Date.from(clock.instant()))).sort(Sorts.ascending("_id"))
        .forEach(d -> out.add(daemon(d)));
    return out;
  }

  /** The block store names (daemon.blockstores) of the daemons whose record has not expired. */
  public Set<String> liveBlockstores() {
    Set<String> known = new TreeSet<>();
    live().forEach(d -> known.addAll(d.blockstores()));
    return known;
  }

  private static Daemon daemon(Document d) {
    List<String> stores = new ArrayList<>();
    if (d.get("blockstores") instanceof List<?> l) {
      l.forEach(n -> stores.add(String.valueOf(n)));
    }
    Date updated = d.getDate("updated");
    return new Daemon(d.getString("_id"), d.getString("host"), stores,
        RestoreKey.of(d.get("restoreSshKey", Document.class)),
        updated == null ? null : updated.toInstant());
  }
}
