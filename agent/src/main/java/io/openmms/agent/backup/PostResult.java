package io.openmms.agent.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.openmms.common.util.Json;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import javax.net.ssl.SSLException;

/**
 * What became of one request to the backup service, and so what the agent does next. The one
 * place that classifies the service's answers (docs/backup-protocol.md):
 *
 * <table>
 *   <tr><th>answer</th><th>outcome</th><th>the agent</th></tr>
 *   <tr><td>2xx</td><td>{@link Outcome#ACKNOWLEDGED}</td><td>moves its position</td></tr>
 *   <tr><td>409 OUT_OF_ORDER</td><td>{@link Outcome#OUT_OF_ORDER}</td><td>resends from
 *       {@code expectedSeq}</td></tr>
 *   <tr><td>409 (other), 401, 403, 404</td><td>{@link Outcome#REASSIGN}: the sync was
 *       superseded, or the key or backup is no longer valid</td><td>re-reads its assignments
 *       </td></tr>
 *   <tr><td>400, 413, 415, 422</td><td>{@link Outcome#REJECTED}: the batch itself is bad</td>
 *       <td>stops this backup's worker; it restarts from the service's position</td></tr>
 *   <tr><td>408, 429, 5xx, I/O error, timeout</td><td>{@link Outcome#UNAVAILABLE}</td>
 *       <td>retries with bounded backoff</td></tr>
 * </table>
 */
record PostResult(Outcome outcome, int status, long expectedSeq, boolean duplicate,
    String detail) {

  enum Outcome { ACKNOWLEDGED, OUT_OF_ORDER, REASSIGN, REJECTED, UNAVAILABLE }

  static PostResult of(int status, String body) {
    JsonNode json = parse(body);
    if (status >= 200 && status < 300) {
      return new PostResult(Outcome.ACKNOWLEDGED, status, 0,
          json != null && json.path("duplicate").asBoolean(false), null);
    }
    String code = json == null ? null : json.path("errorCode").asText(null);
    String detail = describe(code, json, body);
    if (status == 409 && "OUT_OF_ORDER".equals(code) && json.path("expectedSeq").isNumber()) {
      return new PostResult(Outcome.OUT_OF_ORDER, status, json.get("expectedSeq").asLong(),
          false, detail);
    }
    Outcome o;
    if (status == 409 || status == 401 || status == 403 || status == 404) {
      o = Outcome.REASSIGN;
    } else if (status == 408 || status == 429 || status >= 500 || status < 200) {
      o = Outcome.UNAVAILABLE;
    } else {
      o = Outcome.REJECTED;
    }
    return new PostResult(o, status, 0, false, detail);
  }

  static PostResult of(IOException e) {
    String what = e instanceof HttpTimeoutException ? "timed out"
        : e instanceof SSLException ? "TLS failure (is the service's CA in "
            + "agent.server.tls.ca.file?)" : "unreachable";
    return new PostResult(Outcome.UNAVAILABLE, 0, 0, false, what + ": " + e);
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return Json.mapper().readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static String describe(String code, JsonNode json, String body) {
    if (json != null && code != null) {
      return code + ": " + json.path("detail").asText("");
    }
    if (body == null || body.isBlank()) {
      return "(no response body)";
    }
    return body.length() > 500 ? body.substring(0, 500) + "..." : body;
  }
}
