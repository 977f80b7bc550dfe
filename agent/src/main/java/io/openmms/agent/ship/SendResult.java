package io.openmms.agent.ship;

import io.openmms.common.util.Json;
import io.openmms.common.wire.ApiError;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import javax.net.ssl.SSLException;

/**
 * What became of one attempt to send a batch, and so what to do with it. This is the one place
 * that classifies the service's answers:
 *
 * <table>
 *   <tr><th>answer</th><th>outcome</th><th>the batch</th></tr>
 *   <tr><td>2xx</td><td>{@link Outcome#ACKNOWLEDGED}</td><td>deleted</td></tr>
 *   <tr><td>400, 413, 415, 422</td><td>{@link Outcome#REJECTED}: the batch itself is bad</td>
 *       <td>moved aside; resending cannot help</td></tr>
 *   <tr><td>401, 403, other 4xx</td><td>{@link Outcome#REFUSED}: the agent's key, group or URL
 *       is wrong; an operator must act</td><td>kept, retried with backoff</td></tr>
 *   <tr><td>408, 429, 5xx, I/O error, timeout</td><td>{@link Outcome#UNAVAILABLE}: transient
 *       </td><td>kept, retried with backoff</td></tr>
 * </table>
 *
 * @param status the HTTP status, or 0 when no response arrived
 * @param detail the service's error detail or the I/O error, for the log
 */
public record SendResult(Outcome outcome, int status, String detail) {

  public enum Outcome { ACKNOWLEDGED, REJECTED, REFUSED, UNAVAILABLE }

  /** Classifies a response by status, taking the detail from a JSON {@link ApiError} body. */
  public static SendResult of(int status, String body) {
    Outcome outcome;
    if (status >= 200 && status < 300) {
      outcome = Outcome.ACKNOWLEDGED;
    } else if (status == 400 || status == 413 || status == 415 || status == 422) {
      outcome = Outcome.REJECTED;
    } else if (status == 408 || status == 429 || status >= 500 || status < 200) {
      outcome = Outcome.UNAVAILABLE;
    } else {
      outcome = Outcome.REFUSED;
    }
    return new SendResult(outcome, status, outcome == Outcome.ACKNOWLEDGED ? null
        : detailOf(body));
  }

  /** No response: the service is unreachable, too slow, or its certificate is not trusted. */
  public static SendResult of(IOException e) {
    String what = e instanceof HttpTimeoutException ? "timed out"
        : e instanceof SSLException ? "TLS failure (is the service's CA in "
            + "agent.server.tls.ca.file?)" : "unreachable";
    return new SendResult(Outcome.UNAVAILABLE, 0, what + ": " + e);
  }

  static String detailOf(String body) {
    if (body == null || body.isBlank()) {
      return "(no response body)";
    }
    try {
      ApiError err = Json.mapper().readValue(body, ApiError.class);
      return err.errorCode() + ": " + err.detail();
    } catch (IOException | RuntimeException e) {
      return body.length() > 500 ? body.substring(0, 500) + "..." : body;
    }
  }
}
