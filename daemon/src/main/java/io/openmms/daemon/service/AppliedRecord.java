package io.openmms.daemon.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.common.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The side record kept next to a head ({@code <head dir>/<backupId>/applied.json}): which sync
 * the head holds, the last batch {@code seq} applied to it, and the failure that stopped it, if
 * any. It is written (temp file, fsync, atomic rename) after each batch's head commit, so after a
 * crash it lags the head by at most one batch; applying a batch again is harmless (initial-sync
 * writes replace, the oplog applier skips covered entries, and a head already STEADY skips
 * {@code syncEnd}).
 *
 * @param syncId the sync the head holds, {@code null} for a new head
 * @param appliedSeq the last applied batch of that sync (0: none)
 * @param failure why applying stopped (the head is RESYNC_REQUIRED), or {@code null}
 */
record AppliedRecord(String syncId, long appliedSeq, String failure) {
  static final String FILE = "applied.json";
  static final AppliedRecord NONE = new AppliedRecord(null, 0, null);

  static AppliedRecord read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return NONE;
    }
    try {
      JsonNode n = Json.mapper().readTree(file.toFile());
      return new AppliedRecord(n.path("syncId").asText(null), n.path("appliedSeq").asLong(0),
          n.path("failure").asText(null));
    } catch (IOException e) {
      return NONE; // unreadable: start the sync over, which is always correct
    }
  }

  void write(Path dir) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("syncId", syncId);
    m.put("appliedSeq", appliedSeq);
    m.put("failure", failure);
    Path tmp = dir.resolve(FILE + ".tmp");
    try {
      Files.write(tmp, Json.mapper().writeValueAsBytes(m));
      try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        c.force(true);
      }
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + dir.resolve(FILE), e);
    }
  }

  AppliedRecord applied(long seq) {
    return new AppliedRecord(syncId, seq, failure);
  }

  AppliedRecord failed(String reason) {
    return new AppliedRecord(syncId, appliedSeq, reason);
  }
}
