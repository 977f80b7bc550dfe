package io.openmms.server.backup;

import io.openmms.server.http.ApiException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;

/**
 * Accepts one batch of a backup agent (docs/backup-protocol.md, "Batches"): checks the header and
 * every entry against the backup's state, stores the batch durably, and only then moves the
 * acknowledged position — so an acknowledged batch is never lost, a resend is recognised by its
 * {@code seq}, and a rejected batch changes nothing.
 */
final class BackupIngest {
  private final Backups backups;
  private final BackupData data;

  BackupIngest(Backups backups, BackupData data) {
    this.backups = backups;
    this.data = data;
  }

  /** The answer to a batch: the acknowledged seq and whether it was a resend. */
  record Ack(long ack, boolean duplicate) {}

  Ack accept(String groupId, String backupId, BsonStream batch, byte[] gzipped) {
    Backups.Backup b = backups.get(backupId);
    if (b == null || !b.groupId().equals(groupId)) {
      throw ApiException.notFound("BACKUP_NOT_FOUND", "No backup " + backupId + " in this group");
    }
    BsonDocument h = batch.header();
    String syncId = string(h, "syncId");
    long seq = number(h, "seq");
    String kind = string(h, "kind");
    if (!backupId.equals(string(h, "backupId"))) {
      throw bad("The header's backupId does not match the URL");
    }
    if (!syncId.equals(b.syncId())) {
      throw new ApiException(409, "SYNC_SUPERSEDED", "Sync " + syncId + " is no longer current"
          + " for backup " + backupId + "; fetch the assignments again");
    }
    if (seq <= b.lastSeq()) {
      return new Ack(seq, true);
    }
    if (seq != b.lastSeq() + 1) {
      throw new OutOfOrder(b.lastSeq() + 1);
    }
    Document meta = new Document("kind", kind);
    Document set = new Document();
    switch (kind) {
      case "syncStart" -> {
        requireState(b, kind, Backups.State.INITIAL_SYNC_REQUIRED, Backups.State.RESYNC_REQUIRED);
        BsonTimestamp start = timestamp(h, "startTs");
        noDocuments(batch, kind);
        meta.append("startTs", start);
        set.append("state", Backups.State.INITIAL_SYNC.name()).append("syncStartTs", start);
      }
      case "collection" -> {
        requireState(b, kind, Backups.State.INITIAL_SYNC);
        String ns = namespace(h);
        noDocuments(batch, kind);
        if (!h.isDocument("options") || !h.isArray("indexes")) {
          throw bad("A collection batch needs options (document) and indexes (array)");
        }
        meta.append("ns", ns);
      }
      case "documents" -> {
        requireState(b, kind, Backups.State.INITIAL_SYNC);
        meta.append("ns", namespace(h)).append("count", batch.documents().size());
      }
      case "syncEnd" -> {
        requireState(b, kind, Backups.State.INITIAL_SYNC);
        BsonTimestamp end = timestamp(h, "endTs");
        noDocuments(batch, kind);
        if (end.compareTo(b.syncStartTs()) < 0) {
          throw bad("endTs " + end + " is before the sync's startTs " + b.syncStartTs());
        }
        meta.append("endTs", end);
        set.append("state", Backups.State.TAILING.name()).append("syncEndTs", end);
      }
      case "oplog" -> {
        requireState(b, kind, Backups.State.INITIAL_SYNC, Backups.State.TAILING);
        BsonTimestamp last = checkOplog(b, h, batch.documents());
        meta.append("firstTs", timestamp(h, "firstTs")).append("lastTs", last)
            .append("count", batch.documents().size());
        set.append("lastTs", last);
      }
      default -> throw bad("Unknown batch kind '" + kind + "'");
    }
    data.store(backupId, syncId, seq, gzipped, meta);
    if (!backups.advance(b, seq, set)) {
      throw new ApiException(409, "CONCURRENT_BATCH", "Another request moved backup " + backupId
          + " meanwhile; fetch the assignments again");
    }
    if (kind.equals("syncEnd")) {
      data.deleteOtherSyncs(backupId, syncId); // a completed resync supersedes older data
    }
    return new Ack(seq, false);
  }

  private static BsonTimestamp checkOplog(Backups.Backup b, BsonDocument h,
      List<RawBsonDocument> entries) {
    BsonTimestamp first = timestamp(h, "firstTs");
    BsonTimestamp last = timestamp(h, "lastTs");
    if (number(h, "count") != entries.size() || entries.isEmpty()) {
      throw bad("count " + number(h, "count") + " does not match the " + entries.size()
          + " entries sent (an oplog batch holds at least one)");
    }
    BsonTimestamp after = b.lastTs();
    if (after != null ? first.compareTo(after) <= 0
        : b.syncStartTs() == null || first.compareTo(b.syncStartTs()) < 0) {
      throw bad("firstTs " + first + " does not follow the stored position "
          + (after != null ? after : b.syncStartTs()));
    }
    BsonTimestamp prev = null;
    Set<String> ops = new HashSet<>(List.of("i", "u", "d", "c", "n"));
    for (int i = 0; i < entries.size(); i++) {
      RawBsonDocument e = entries.get(i);
      BsonValue ts = e.get("ts");
      if (ts == null || !ts.isTimestamp() || !e.isString("op") || !e.isString("ns")
          || !ops.contains(e.getString("op").getValue())) {
        throw bad("Oplog entry " + i + " lacks a ts, a known op or an ns");
      }
      BsonTimestamp t = ts.asTimestamp();
      if (prev != null && t.compareTo(prev) <= 0) {
        throw bad("Oplog entry " + i + " (ts " + t + ") is not after the one before it");
      }
      prev = t;
    }
    BsonTimestamp firstSeen = entries.get(0).get("ts").asTimestamp();
    if (!firstSeen.equals(first) || !prev.equals(last)) {
      throw bad("firstTs/lastTs do not match the entries (" + firstSeen + " .. " + prev + ")");
    }
    return last;
  }

  private static void requireState(Backups.Backup b, String kind, Backups.State... allowed) {
    for (Backups.State s : allowed) {
      if (b.state() == s) {
        return;
      }
    }
    throw new ApiException(409, "WRONG_STATE", "A " + kind + " batch is not expected while backup "
        + b.id() + " is " + b.state());
  }

  private static void noDocuments(BsonStream batch, String kind) {
    if (!batch.documents().isEmpty()) {
      throw bad("A " + kind + " batch carries no documents");
    }
  }

  private static String namespace(BsonDocument h) {
    String ns = string(h, "ns");
    int dot = ns.indexOf('.');
    if (dot <= 0 || dot == ns.length() - 1 || ns.length() > 255) {
      throw bad("ns '" + ns + "' is not database.collection");
    }
    return ns;
  }

  private static String string(BsonDocument h, String key) {
    if (!h.isString(key)) {
      throw bad("The header needs a string " + key);
    }
    return h.getString(key).getValue();
  }

  private static long number(BsonDocument h, String key) {
    if (!h.isNumber(key)) {
      throw bad("The header needs a number " + key);
    }
    return h.getNumber(key).longValue();
  }

  private static BsonTimestamp timestamp(BsonDocument h, String key) {
    if (!h.isTimestamp(key)) {
      throw bad("The header needs a timestamp " + key);
    }
    return h.getTimestamp(key);
  }

  private static ApiException bad(String detail) {
    return ApiException.badRequest("INVALID_BATCH", detail);
  }

  /** 409 with the seq the service expects next. */
  static final class OutOfOrder extends RuntimeException {
    final long expected;

    OutOfOrder(long expected) {
      super("Expected seq " + expected, null, false, false);
      this.expected = expected;
    }
  }
}
