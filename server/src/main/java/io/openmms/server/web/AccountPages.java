package io.openmms.server.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.openmms.server.audit.AuditLog;
import io.openmms.server.auth.LoginThrottle;
import io.openmms.server.store.Users;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Sign-up, sign-in and sign-out. The first user to sign up becomes the global owner. Failed
 * sign-ins are counted ({@link LoginThrottle}) and audited; a throttled attempt is refused with
 * 429 and the time to wait, without checking the password.
 */
final class AccountPages {
  private static final Pattern USERNAME = Pattern.compile("[a-z0-9._@+-]{3,64}");
  static final int MIN_PASSWORD = 10;

  private final Pages pages;
  private final WebAuth auth;
  private final Users users;
  private final LoginThrottle throttle;
  private final AuditLog audit;

  AccountPages(Pages pages, WebAuth auth, Users users, LoginThrottle throttle, AuditLog audit) {
    this.pages = pages;
    this.auth = auth;
    this.users = users;
    this.throttle = throttle;
    this.audit = audit;
  }

  void register(JavalinConfig config) {
    var r = config.routes;
    r.get("/login", ctx -> loginPage(ctx, null, 200));
    r.post("/login", this::login);
    r.get("/signup", ctx -> signupPage(ctx, null, Map.of()));
    r.post("/signup", this::signup);
    r.post("/logout", this::logout);
  }

  private void loginPage(Context ctx, String error, int status) {
    Map<String, Object> m = new HashMap<>();
    m.put("title", "Sign in");
    m.put("error", error);
    m.put("next", safeNext(ctx.queryParam("next") != null ? ctx.queryParam("next")
        : ctx.formParam("next")));
    m.put("username", ctx.formParam("username"));
    m.put("firstUser", users.count() == 0);
    ctx.status(status);
    pages.render(ctx, "login", m);
  }

  private void login(Context ctx) {
    String username = Users.normalize(String.valueOf(ctx.formParam("username")));
    String address = ctx.ip();
    Duration wait = throttle.retryAfter(username, address);
    if (!wait.isZero()) {
      ctx.header("Retry-After", Long.toString(Math.max(1, wait.toSeconds())));
      loginPage(ctx, "Too many failed sign-ins. Try again in " + minutes(wait) + ".", 429);
      return;
    }
    Users.User u = users.authenticate(username, ctx.formParam("password"));
    if (u == null) {
      throttle.failed(username, address);
      audit.record(null, username, "LOGIN_FAILED", "wrong user name or password", address);
      loginPage(ctx, "Wrong user name or password.", 401);
      return;
    }
    throttle.succeeded(username);
    audit.record(null, u.username(), "LOGIN", "signed in", address);
    auth.signIn(ctx, u.id());
    ctx.redirect(safeNext(ctx.formParam("next")), HttpStatus.SEE_OTHER);
  }

  private void signupPage(Context ctx, String error, Map<String, Object> form) {
    Map<String, Object> m = new HashMap<>(form);
    m.put("title", "Create an account");
    m.put("error", error);
    m.put("firstUser", users.count() == 0);
    m.put("minPassword", MIN_PASSWORD);
    pages.render(ctx, "signup", m);
  }

  private void signup(Context ctx) {
    String username = Users.normalize(String.valueOf(ctx.formParam("username")));
    String password = String.valueOf(ctx.formParam("password"));
    String error = null;
    if (!USERNAME.matcher(username).matches()) {
      error = "A user name has 3 to 64 letters, digits or . _ @ + -";
    } else if (password.length() < MIN_PASSWORD) {
      error = "The password needs at least " + MIN_PASSWORD + " characters.";
    } else if (!password.equals(ctx.formParam("password2"))) {
      error = "The two passwords differ.";
    } else if (users.byName(username) != null) {
      error = "The user name " + username + " is taken.";
    }
    if (error != null) {
      ctx.status(400);
      signupPage(ctx, error, Map.of("username", username));
      return;
    }
    boolean first = users.count() == 0;
    String id = users.create(username, password, first);
    audit.record(null, username, "USER_CREATED", first ? "first user: global owner" : "signed up",
        ctx.ip());
    auth.signIn(ctx, id);
    ctx.redirect("/groups", HttpStatus.SEE_OTHER);
  }

  private void logout(Context ctx) {
    Users.User u = ctx.attribute(WebAuth.USER);
    auth.signOut(ctx);
    if (u != null) {
      audit.record(null, u.username(), "LOGOUT", "signed out", ctx.ip());
    }
    ctx.redirect("/login", HttpStatus.SEE_OTHER);
  }

  /** Only local paths, so the next parameter cannot send a user to another site. */
  static String safeNext(String next) {
    if (next == null || !next.startsWith("/") || next.startsWith("//") || next.contains("\\")) {
      return "/groups";
    }
    return next;
  }

  private static String minutes(Duration d) {
    long m = Math.max(1, (d.toSeconds() + 59) / 60);
    return m == 1 ? "a minute" : m + " minutes";
  }
}
