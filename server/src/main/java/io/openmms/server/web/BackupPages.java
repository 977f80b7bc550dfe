package io.openmms.server.web;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.openmms.common.util.Json;
import io.openmms.common.util.Sizes;
import io.openmms.server.api.RestoreJobsApi;
import io.openmms.server.api.RestoreSshKeysApi;
import io.openmms.server.auth.Role;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Daemons;
import io.openmms.server.backup.PitWindow;
import io.openmms.server.backup.SnapshotSchedule;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.http.ApiException;
import io.openmms.server.http.Links;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Users;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonTimestamp;
import org.bson.Document;

/**
 * The backup pages of a group (docs/restores.md, "In the web application"):
 *
 * <ul>
 *   <li>{@code /groups/{g}/backup}: one row per backed-up replica set with the backup's and the
 *       head's state, head lag, last and next snapshot, storage used and point-in-time window;
 *   <li>{@code /groups/{g}/backup/{clusterId}}: its snapshots and restore jobs;
 *   <li>{@code /groups/{g}/backup/{clusterId}/restore}: the restore wizard; its SSH push step
 *       shows the public keys of the daemons that may run the restore, from their records.
 * </ul>
 *
 * <p>Viewing needs READ; the Restore button and the wizard need MANAGE_BACKUP. Everything is
 * rendered here from the application database except the restore jobs: the page carries them as
 * the public API's restoreJobs resource lists them ({@link RestoreJobsApi#list}, with the
 * download link for those who may manage backups), and {@code /static/backup.js} draws the table
 * from that and keeps it current from the resource. The wizard submits its request to the same
 * resource, so the API's checks and messages are the only ones. Times are shown in UTC, which is
 * also how the wizard reads a point in time.
 */
final class BackupPages {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  /** The value format of an {@code <input type="datetime-local" step="1">}. */
  private static final DateTimeFormatter INPUT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  private final Pages pages;
  private final Groups groups;
  private final Backups backups;
  private final Snapshots snapshots;
  private final PitWindow window;
  private final RestoreJobsApi jobs;
  private final Daemons daemons;
  private final MongoCollection<Document> heads;
  private final Clock clock;

  BackupPages(Pages pages, Groups groups, Backups backups, Snapshots snapshots, PitWindow window,
      RestoreJobsApi jobs, Daemons daemons, MongoCollection<Document> heads, Clock clock) {
    this.pages = pages;
    this.groups = groups;
    this.backups = backups;
    this.snapshots = snapshots;
    this.window = window;
    this.jobs = jobs;
    this.daemons = daemons;
    this.heads = heads;
    this.clock = clock;
  }

  void register(JavalinConfig config) {
    var r = config.routes;
    r.get("/groups/{groupId}/backup", this::overview);
    r.get("/groups/{groupId}/backup/{clusterId}", this::replicaSet);
    r.get("/groups/{groupId}/backup/{clusterId}/restore", this::wizard);
  }

  private void overview(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.READ,
        "see its backups");
    List<Map<String, Object>> rows = new ArrayList<>();
    backups.active(g.id()).stream().sorted(Comparator.comparing(Backups.Backup::replicaSetName))
        .forEach(b -> {
          List<Snapshots.Snapshot> list = snapshots.list(b.id());
          rows.add(summary(b, list, window.window(b, list)));
        });
    Map<String, Object> m = MemberPages.groupModel(g, me, "backup", "Backup");
    m.put("backups", rows);
    pages.render(ctx, "backup-overview", m);
  }

  private void replicaSet(Context ctx) throws IOException {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.READ,
        "see its backups");
    Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
    List<Snapshots.Snapshot> list = snapshots.list(b.id());
    boolean manage = me.principal().can(g.id(), Role.Permission.MANAGE_BACKUP);
    Map<String, Object> m = MemberPages.groupModel(g, me, "backup", b.replicaSetName()
        + " · Backup");
    m.put("backup", summary(b, list, window.window(b, list)));
    m.put("snapshots", list.stream().map(BackupPages::snapshotRow).toList());
    m.put("jobs", Json.mapper().writeValueAsString(jobs.list(b, manage)));
    m.put("jobsApi", RestoreJobsApi.href(g.id(), b.id()));
    m.put("canRestore", manage);
    m.put("created", ctx.queryParam("created") != null);
    // a READY job's download link is a credential
    ctx.header("Cache-Control", "no-store");
    pages.render(ctx, "backup-replicaset", m);
  }

  private void wizard(Context ctx) {
    Users.User me = WebAuth.requireUser(ctx);
    Groups.Group g = MemberPages.requireGroup(ctx, groups, me, Role.Permission.MANAGE_BACKUP,
        "restore its backups");
    Backups.Backup b = backup(g, ctx.pathParam("clusterId"));
    List<Snapshots.Snapshot> list = snapshots.list(b.id());
    Optional<PitWindow.Window> pit = window.window(b, list);
    Map<String, Object> m = MemberPages.groupModel(g, me, "backup", "Restore " + b.replicaSetName()
        + " · Backup");
    m.put("backup", summary(b, list, pit));
    m.put("snapshots", list.stream().map(BackupPages::snapshotRow).toList());
    pit.ifPresent(w -> m.put("window", Map.of(
        "earliest", WHEN.format(earliest(w)), "latest", WHEN.format(w.latestTime()),
        "latestInput", INPUT.format(w.latestTime()),
        "earliestOplog", w.earliest().getTime() + ":" + w.earliest().getInc(),
        "latestOplog", w.latest().getTime() + ":" + w.latest().getInc())));
    m.put("jobsApi", RestoreJobsApi.href(g.id(), b.id()));
    restoreKeys(m, list);
    m.put("restoreKeysApi", RestoreSshKeysApi.href(g.id()));
    pages.render(ctx, "backup-restore", m);
  }

  /**
   * The public keys the SSH push step shows: those of the live daemons that have the block
   * store of one of the snapshots, since one of them will run the restore. {@code restoreKeys}
   * lists them (daemon, host, type, fingerprint); {@code restoreKeyLines} is their
   * authorized_keys lines, one per line, to copy at once.
   */
  private void restoreKeys(Map<String, Object> m, List<Snapshots.Snapshot> list) {
    Set<String> stores = new HashSet<>();
    list.forEach(s -> stores.add(s.store()));
    List<Map<String, Object>> keys = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (Daemons.Daemon d : daemons.live()) {
      if (d.restoreKey() != null && d.hasAnyOf(stores)) {
        keys.add(Map.of("daemon", d.id(), "host", String.valueOf(d.host()),
            "type", String.valueOf(d.restoreKey().type()),
            "fingerprint", String.valueOf(d.restoreKey().fingerprint())));
        lines.add(d.restoreKey().line());
      }
    }
    m.put("restoreKeys", keys);
    m.put("restoreKeyLines", String.join("\n", lines));
  }

  /** The replica set's backup in the group, or 404 in words. */
  private Backups.Backup backup(Groups.Group g, String clusterId) {
    Backups.Backup b = backups.get(clusterId);
    if (b == null || !g.id().equals(b.groupId())) {
      throw ApiException.notFound("CLUSTER_NOT_FOUND", "Group " + g.name() + " has no backed-up"
          + " replica set with id " + clusterId + "; see its Backup tab for the ones it has.");
    }
    return b;
  }

  /**
   * A backup as the overview row and the replica set's page show it, from its snapshots (newest
   * first) and point-in-time window.
   */
  private Map<String, Object> summary(Backups.Backup b, List<Snapshots.Snapshot> list,
      Optional<PitWindow.Window> pit) {
    Map<String, Object> r = new HashMap<>();
    r.put("id", b.id());
    r.put("name", b.replicaSetName());
    r.put("clusterName", b.clusterName());
    r.put("state", b.state().name());
    r.put("stateBadge", badge(b.state().name()));
    Document h = heads.find(Filters.eq("_id", b.id())).first();
    String headState = h == null ? "NO_HEAD" : h.getString("state");
    r.put("headState", headState);
    r.put("headBadge", badge(headState));
    r.put("headReason", h == null ? null : h.getString("reason"));
    BsonTimestamp applied = h == null ? null : h.get("lastAppliedTs", BsonTimestamp.class);
    r.put("lagSeconds", applied == null || b.lastTs() == null ? null
        : Math.max(0, (long) b.lastTs().getTime() - applied.getTime()));
    SnapshotSchedule s = backups.schedule(b.id());
    r.put("interval", interval(s.snapshotIntervalMinutes()));
    Optional<Snapshots.Snapshot> last = list.stream().findFirst();
    last.ifPresent(x -> {
      Instant next = x.taken().plus(Duration.ofMinutes(s.snapshotIntervalMinutes()));
      r.put("lastSnapshot", WHEN.format(x.taken()));
      r.put("lastSnapshotIso", Links.iso(x.taken()));
      r.put("nextSnapshot", WHEN.format(next));
      r.put("nextDue", !next.isAfter(clock.instant()));
    });
    snapshots.failure(b.id()).ifPresent(f -> r.put("snapshotFailure", "Snapshots are failing ("
        + f.attempts() + (f.attempts() == 1 ? " attempt" : " attempts") + " in a row; the last at "
        + WHEN.format(f.at()) + ", the next at " + WHEN.format(f.retryAt()) + "): "
        + f.message()));
    r.put("snapshotCount", list.size());
    r.put("storage", Sizes.binary(list.stream().mapToLong(Snapshots.Snapshot::newStoredBytes)
        .sum()));
    pit.ifPresent(w -> {
      r.put("windowEarliest", WHEN.format(earliest(w)));
      r.put("windowLatest", WHEN.format(w.latestTime()));
    });
    return r;
  }

  private static Map<String, Object> snapshotRow(Snapshots.Snapshot s) {
    Map<String, Object> r = new HashMap<>();
    r.put("id", s.id());
    r.put("time", WHEN.format(s.pointInTime()));
    r.put("iso", Links.iso(s.pointInTime()));
    r.put("taken", WHEN.format(s.taken()));
    r.put("size", Sizes.binary(s.logicalSizeBytes()));
    r.put("newStored", Sizes.binary(s.newStoredBytes()));
    r.put("frequencies", String.join(", ", s.tiers()));
    r.put("expires", WHEN.format(s.expires()));
    r.put("onDemand", s.onDemand());
    return r;
  }

  /**
   * The first whole second inside the window: pages show times to the second, and a restore to
   * the second shown must be accepted (the latest end is already a second's last millisecond).
   */
  private static Instant earliest(PitWindow.Window w) {
    Instant t = w.earliestTime();
    return t.getNano() == 0 ? t : t.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
  }

  /** The badge colour of a backup or head state. */
  private static String badge(String state) {
    return switch (state) {
      case "TAILING", "STEADY" -> "up";
      case "RESYNC_REQUIRED" -> "down";
      default -> "warn";
    };
  }

  private static String interval(int minutes) {
    return minutes % 60 == 0 ? minutes / 60 + " h" : minutes + " min";
  }
}
