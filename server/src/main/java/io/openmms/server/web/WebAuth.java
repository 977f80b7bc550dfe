package io.openmms.server.web;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.openmms.server.auth.Secrets;
import io.openmms.server.auth.Sessions;
import io.openmms.server.http.ApiException;
import io.openmms.server.store.Users;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Sessions and CSRF protection for the web pages.
 *
 * <ul>
 *   <li>The session cookie {@code openmms_session} is HttpOnly, SameSite=Lax, Secure when the
 *       service runs under TLS, and holds a random token whose hash is the session's id.
 *   <li>Every POST (and other state-changing method) outside the agent and public APIs must carry
 *       the CSRF token in the form field {@code _csrf} or the header {@code X-CSRF-Token}. Signed
 *       in, the token is the session's; before sign-in it is a random value also set in the
 *       {@code openmms_csrf} cookie (double submit). A request without it is refused with 403
 *       and changes nothing.
 * </ul>
 */
public final class WebAuth {
  static final String USER = "openmms.user";
  static final String SESSION = "openmms.session";
  static final String SESSION_COOKIE = "openmms_session";
  static final String CSRF_COOKIE = "openmms_csrf";
  private static final String PRE_CSRF = "openmms.preCsrf";

  private final Sessions sessions;
  private final Users users;
  private final Secrets secrets;
  private final boolean secure;

  public WebAuth(Sessions sessions, Users users, Secrets secrets, boolean secure) {
    this.sessions = sessions;
    this.users = users;
    this.secrets = secrets;
    this.secure = secure;
  }

  /** Runs before every web request: loads the session and user, then checks CSRF. */
  void before(Context ctx) {
    String path = ctx.path();
    if (path.startsWith("/api/") || path.startsWith("/agents/") || path.startsWith("/webjars/")
        || path.startsWith("/static/") || path.startsWith("/prometheus/")) {
      return;
    }
    Sessions.Session s = sessions.find(ctx.cookie(SESSION_COOKIE));
    if (s != null) {
      Users.User u = users.get(s.userId());
      if (u != null) {
        ctx.attribute(SESSION, s);
        ctx.attribute(USER, u);
      }
    }
    if (ctx.attribute(SESSION) == null) {
      String pre = ctx.cookie(CSRF_COOKIE);
      if (pre == null || pre.length() != 32) {
        pre = secrets.hex(16);
        setCookie(ctx, CSRF_COOKIE, pre, -1, false);
      }
      ctx.attribute(PRE_CSRF, pre);
    }
    String method = ctx.method().name();
    if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS")) {
      String given = ctx.header("X-CSRF-Token");
      if (given == null) {
        given = ctx.formParam("_csrf");
      }
      if (!Secrets.equal(given, csrfToken(ctx))) {
        throw new ApiException(403, "CSRF_TOKEN_INVALID", "This form has expired or did not come"
            + " from openmms; reload the page and try again");
      }
    }
  }

  /** The CSRF token forms on this request must carry. */
  static String csrfToken(Context ctx) {
    Sessions.Session s = ctx.attribute(SESSION);
    return s != null ? s.csrf() : ctx.attribute(PRE_CSRF);
  }

  /** The signed-in user, or a redirect to the sign-in page. */
  static Users.User requireUser(Context ctx) {
    Users.User u = ctx.attribute(USER);
    if (u == null) {
      String next = URLEncoder.encode(ctx.path(), StandardCharsets.UTF_8);
      ctx.redirect("/login?next=" + next, HttpStatus.SEE_OTHER);
      throw new RedirectedException();
    }
    return u;
  }

  /** Signs a user in: a new session (new token and CSRF token) in an HttpOnly cookie. */
  void signIn(Context ctx, String userId) {
    Sessions.Session s = sessions.create(userId);
    setCookie(ctx, SESSION_COOKIE, s.token(), (int) sessions.maxAge().toSeconds(), true);
  }

  void signOut(Context ctx) {
    sessions.delete(ctx.cookie(SESSION_COOKIE));
    setCookie(ctx, SESSION_COOKIE, "", 0, true);
  }

  private void setCookie(Context ctx, String name, String value, int maxAge, boolean httpOnly) {
    StringBuilder b = new StringBuilder(name).append('=').append(value).append("; Path=/");
    if (maxAge >= 0) {
      b.append("; Max-Age=").append(maxAge);
    }
    if (httpOnly) {
      b.append("; HttpOnly");
    }
    b.append("; SameSite=Lax");
    if (secure) {
      b.append("; Secure");
    }
    ctx.res().addHeader("Set-Cookie", b.toString());
  }

  /** Thrown after a redirect was sent, to stop the handler. */
  static final class RedirectedException extends RuntimeException {
    RedirectedException() {
      super(null, null, false, false);
    }
  }
}
