package io.openmms.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bson.Document;

/**
 * Authentication of public-API requests with a programmatic API key over HTTP Digest (RFC 7616,
 * {@code qop=auth}, MD5 or SHA-256), as Ops Manager does, so {@code curl --digest -u PUB:PRIV}
 * works; HTTP Basic is also accepted (for scrapers such as Prometheus; use it over TLS only).
 *
 * <p>Nonces are stateless so that any server instance behind a load balancer can verify them: a
 * nonce is {@code time:HMAC(key, time)}, valid for {@link #NONCE_LIFETIME}, with the HMAC key kept
 * in the application database. Replay within that window is not tracked (the request's method and
 * URI are bound to the response).
 *
 * <p>Thread-safe.
 */
public final class DigestAuth {
  static final Duration NONCE_LIFETIME = Duration.ofMinutes(5);
  private final ApiKeys keys;
  private final byte[] nonceKey;
  private final Clock clock;

  public DigestAuth(ApiKeys keys, byte[] nonceKey, Clock clock) {
    this.keys = keys;
    this.nonceKey = nonceKey.clone();
    this.clock = clock;
  }

  /** The {@code WWW-Authenticate} header values to send with a 401. */
  public String[] challenges() {
    String nonce = newNonce();
    String common = "realm=\"" + ApiKeys.REALM + "\", qop=\"auth\", nonce=\"" + nonce + "\"";
    return new String[] {"Digest " + common + ", algorithm=MD5",
        "Digest " + common + ", algorithm=SHA-256"};
  }

  /**
   * The principal an {@code Authorization} header proves, or {@code null} when it is missing or
   * wrong.
   *
   * @param requestUri the request target as sent (path and query)
   */
  public Principal authenticate(String authorization, String method, String requestUri) {
    if (authorization == null) {
      return null;
    }
    if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return basic(authorization.substring(6).trim());
    }
    if (authorization.regionMatches(true, 0, "Digest ", 0, 7)) {
      return digest(parse(authorization.substring(7)), method, requestUri);
    }
    return null;
  }

  private Principal basic(String encoded) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    return colon < 0 ? null : keys.verify(decoded.substring(0, colon), decoded.substring(colon + 1));
  }

  private Principal digest(Map<String, String> p, String method, String requestUri) {
    String user = p.get("username");
    String nonce = p.get("nonce");
    String uri = p.get("uri");
    String response = p.get("response");
    if (user == null || nonce == null || uri == null || response == null
        || !ApiKeys.REALM.equals(p.get("realm")) || !nonceValid(nonce) || !uri.equals(requestUri)) {
      return null;
    }
    String algorithm = p.getOrDefault("algorithm", "MD5").toUpperCase(Locale.ROOT);
    boolean sha = algorithm.equals("SHA-256");
    if (!sha && !algorithm.equals("MD5")) {
      return null;
    }
    Document key = keys.find(user);
    if (key == null) {
      return null;
    }
    String ha1 = key.getString(sha ? "ha1Sha256" : "ha1Md5");
    String ha2 = hash(sha, method + ":" + uri);
    String qop = p.get("qop");
    String expected;
    if (qop == null) {
      expected = hash(sha, ha1 + ":" + nonce + ":" + ha2);
    } else if (qop.equals("auth") && p.get("nc") != null && p.get("cnonce") != null) {
      expected = hash(sha, ha1 + ":" + nonce + ":" + p.get("nc") + ":" + p.get("cnonce") + ":"
          + qop + ":" + ha2);
    } else {
      return null;
    }
    return Secrets.equal(expected, response.toLowerCase(Locale.ROOT))
        ? ApiKeys.principal(key) : null;
  }

  private static String hash(boolean sha, String s) {
    return sha ? Secrets.sha256Hex(s) : Secrets.md5Hex(s);
  }

  String newNonce() {
    String time = Long.toString(clock.millis());
    String raw = time + ":" + mac(time);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  boolean nonceValid(String nonce) {
    String raw;
    try {
      raw = new String(Base64.getUrlDecoder().decode(nonce), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = raw.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String time = raw.substring(0, colon);
    long issued;
    try {
      issued = Long.parseLong(time);
    } catch (NumberFormatException e) {
      return false;
    }
    long age = clock.millis() - issued;
    return Secrets.equal(raw.substring(colon + 1), mac(time)) && age >= 0
        && age <= NONCE_LIFETIME.toMillis();
  }

  private String mac(String s) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(nonceKey, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(s.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses {@code k="v", k2=v2} auth parameters (quoted strings may contain commas). */
  static Map<String, String> parse(String s) {
    Map<String, String> out = new HashMap<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && (s.charAt(i) == ',' || Character.isWhitespace(s.charAt(i)))) {
        i++;
      }
      int eq = s.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String name = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
      i = eq + 1;
      StringBuilder v = new StringBuilder();
      if (i < n && s.charAt(i) == '"') {
        i++;
        while (i < n && s.charAt(i) != '"') {
          if (s.charAt(i) == '\\' && i + 1 < n) {
            i++;
          }
          v.append(s.charAt(i++));
        }
        i++;
      } else {
        while (i < n && s.charAt(i) != ',') {
          v.append(s.charAt(i++));
        }
      }
      out.put(name, v.toString().trim());
    }
    return out;
  }
}
