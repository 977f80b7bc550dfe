package io.openmms.agent.backup;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonTimestamp;

/**
 * One replica set the service asks this agent to back up, with the service's acknowledged
 * position: {@code lastSeq} and {@code lastTs} (docs/backup-protocol.md, "Assignments"). After
 * any restart the agent continues from this position, never from its own memory.
 *
 * @param lastTs {@code null} when no oplog entry was stored yet
 */
record Assignment(String backupId, String clusterId, String replicaSetName, List<String> hosts,
    State state, String syncId, long lastSeq, BsonTimestamp lastTs) {

  enum State { INITIAL_SYNC_REQUIRED, INITIAL_SYNC, TAILING, RESYNC_REQUIRED }

  Assignment {
    hosts = List.copyOf(hosts);
  }

  /** The answer of {@code GET /backup/api/v1/assignments}. */
  record Answer(Integer pollIntervalSeconds, List<Assignment> backups) {}

  static Answer parse(JsonNode root) {
    if (root == null || !root.path("backups").isArray()) {
      throw new IllegalArgumentException("the assignments answer has no 'backups' array");
    }
    List<Assignment> list = new ArrayList<>();
    for (JsonNode b : root.get("backups")) {
      list.add(parseOne(b));
    }
    JsonNode poll = root.get("pollIntervalSeconds");
    return new Answer(poll != null && poll.canConvertToInt() && poll.asInt() > 0 ? poll.asInt()
        : null, list);
  }

  private static Assignment parseOne(JsonNode b) {
    List<String> hosts = new ArrayList<>();
    b.path("hosts").forEach(h -> hosts.add(h.asText()));
    String state = text(b, "state");
    State s;
    try {
      s = State.valueOf(state);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown assignment state '" + state + "' of backup "
          + b.path("backupId").asText());
    }
    JsonNode ts = b.get("lastTs");
    BsonTimestamp lastTs = ts == null || ts.isNull() ? null
        : new BsonTimestamp((int) ts.path("t").asLong(), (int) ts.path("i").asLong());
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("backup " + text(b, "backupId") + " has no hosts");
    }
    return new Assignment(text(b, "backupId"), b.path("clusterId").asText(null),
        text(b, "replicaSetName"), hosts, s, text(b, "syncId"), b.path("lastSeq").asLong(0),
        lastTs);
  }

  private static String text(JsonNode b, String field) {
    JsonNode n = b.get(field);
    if (n == null || n.isNull() || n.asText().isEmpty()) {
      throw new IllegalArgumentException("assignment field '" + field + "' is missing");
    }
    return n.asText();
  }

  /** The replica set for log lines, e.g. {@code rs0 (backup 6f1c)}. */
  String label() {
    return replicaSetName + " (backup " + backupId + ")";
  }
}
