package io.openmms.server.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.HttpStatus;
import io.openmms.server.api.RestoreJobsApi;
import io.openmms.server.audit.AuditLog;
import io.openmms.server.auth.AgentKeys;
import io.openmms.server.auth.ApiKeys;
import io.openmms.server.auth.LoginThrottle;
import io.openmms.server.auth.Secrets;
import io.openmms.server.auth.Sessions;
import io.openmms.server.backup.Backups;
import io.openmms.server.backup.Daemons;
import io.openmms.server.backup.PitWindow;
import io.openmms.server.backup.Snapshots;
import io.openmms.server.http.ApiException;
import io.openmms.server.monitoring.HostRecords;
import io.openmms.server.monitoring.Measurements;
import io.openmms.server.store.AppDatabase;
import io.openmms.server.store.Collections;
import io.openmms.server.store.Groups;
import io.openmms.server.store.Invitations;
import io.openmms.server.store.JoinRequests;
import io.openmms.server.store.Users;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The web application on the HTTP service: pages rendered on the server, static assets (Chart.js
 * from its WebJar) served from the class path. Composes the page groups and the session/CSRF
 * filter; see {@link WebAuth}.
 */
public final class WebApp {
  private final Pages pages = new Pages();
  private final WebAuth auth;
  private final AccountPages accounts;
  private final GroupPages groupPages;
  private final DashboardPages dashboard;
  private final MemberPages members;
  private final KeyPages keys;
  private final AuditPages auditPages;
  private final Groups groups;
  private final Clock clock;
  private BackupPages backup;

  public WebApp(Users users, Groups groups, Sessions sessions, LoginThrottle throttle,
      AuditLog audit, Secrets secrets, boolean secure, HostRecords hosts,
      Measurements measurements, Clock clock, Duration downAfter, AgentKeys agentKeys,
      ApiKeys apiKeys, Invitations invitations, JoinRequests joinRequests,
      Supplier<String> publicUrl) {
    this.auth = new WebAuth(sessions, users, secrets, secure);
    this.accounts = new AccountPages(pages, auth, users, throttle, audit);
    this.groupPages = new GroupPages(pages, users, groups, audit);
    this.dashboard = new DashboardPages(pages, groups, hosts, measurements, clock, downAfter);
    this.members = new MemberPages(pages, users, groups, invitations, joinRequests, audit,
        publicUrl);
    this.keys = new KeyPages(pages, groups, agentKeys, apiKeys, audit, publicUrl);
    this.auditPages = new AuditPages(pages, users, groups, sessions, audit);
    this.groups = groups;
    this.clock = clock;
  }

  /**
   * Adds the backup pages ({@link BackupPages}) over the server's backup stores; call it before
   * {@link #register}. Without it the Backup tab's pages answer 404.
   */
  public WebApp withBackupPages(Backups backups, Snapshots snapshots, PitWindow window,
      RestoreJobsApi jobs, Daemons daemons, AppDatabase db) {
    this.backup = new BackupPages(pages, groups, backups, snapshots, window, jobs, daemons,
        db.collection(Collections.HEADS), clock);
    return this;
  }

  public void register(JavalinConfig config) {
    config.staticFiles.enableWebjars();
    config.staticFiles.add("/public", io.javalin.http.staticfiles.Location.CLASSPATH);
    config.routes.before(auth::before);
    config.routes.get("/", ctx -> ctx.redirect(ctx.attribute(WebAuth.USER) == null ? "/login"
        : "/groups", HttpStatus.SEE_OTHER));
    accounts.register(config);
    groupPages.register(config);
    dashboard.register(config);
    members.register(config);
    keys.register(config);
    auditPages.register(config);
    if (backup != null) {
      backup.register(config);
    }
  }

  /** Renders an error as a page: the status, what went wrong in words, and a way back. */
  public void errorPage(io.javalin.http.Context ctx, ApiException e) {
    Map<String, Object> m = new HashMap<>();
    m.put("title", e.status() == 404 ? "Not found" : "Something went wrong");
    m.put("status", e.status());
    m.put("detail", e.getMessage());
    pages.render(ctx, "error", m);
  }

  public Pages pages() {
    return pages;
  }
}
