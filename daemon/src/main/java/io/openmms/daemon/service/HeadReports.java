package io.openmms.daemon.service;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import io.openmms.daemon.head.HeadState;
import io.openmms.daemon.head.OplogPosition;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import java.time.Clock;
import java.util.Date;
import org.bson.Document;

/**
 * The head status each daemon reports for the backups it holds, in the {@code heads} collection:
 * {@code {_id: backupId, daemonId, syncId, state, lastAppliedTs, lastAppliedWall, appliedSeq,
 * sizeBytes, reason, updated}}. The public API's {@code .../backupConfigs/{id}/head} reads it;
 * a daemon taking a backup over also reads it to learn that the current sync already failed.
 * Thread-safe.
 */
final class HeadReports {
  private final MongoCollection<Document> heads;
  private final String daemonId;
  private final Clock clock;

  HeadReports(AppDatabase db, String daemonId, Clock clock) {
    this.heads = db.collection(Collections.HEADS);
    this.daemonId = daemonId;
    this.clock = clock;
  }

  /** One report. {@code position} is {@code null} before the initial sync finished. */
  record Report(String backupId, String syncId, HeadState state, OplogPosition position,
      long appliedSeq, long sizeBytes, String reason) {}

  void write(Report r) {
    Document d = new Document("_id", r.backupId()).append("daemonId", daemonId)
        .append("syncId", r.syncId()).append("state", r.state().name())
        .append("lastAppliedTs", r.position() == null ? null : r.position().ts())
        .append("lastAppliedWall", r.position() == null || r.position().wallTime().toEpochMilli()
            == 0 ? null : Date.from(r.position().wallTime()))
        .append("appliedSeq", r.appliedSeq()).append("sizeBytes", r.sizeBytes())
        .append("reason", r.reason()).append("updated", new Date(clock.millis()));
    heads.replaceOne(Filters.eq("_id", r.backupId()), d, new ReplaceOptions().upsert(true));
  }

  /** The failure reported for this sync of the backup (by any daemon), or {@code null}. */
  String failure(String backupId, String syncId) {
    Document d = heads.find(Filters.eq("_id", backupId)).first();
    if (d == null || !HeadState.RESYNC_REQUIRED.name().equals(d.getString("state"))
        || !syncId.equals(d.getString("syncId"))) {
      return null;
    }
    return d.getString("reason") == null ? "applying failed" : d.getString("reason");
  }
}
