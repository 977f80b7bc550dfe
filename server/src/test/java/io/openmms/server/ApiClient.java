package io.openmms.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openmms.server.auth.Secrets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A test client for the service: the public API with HTTP Digest (RFC 7616, MD5, qop=auth, the
 * way curl --digest answers a challenge) and the agent endpoint with Basic auth and gzip.
 */
public final class ApiClient {
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;

  public ApiClient(String base) {
    this.base = base;
  }

  public record Response(int status, JsonNode json, String body, HttpResponse<String> raw) {}

  public Response getDigest(String path, String user, String password) throws Exception {
    HttpResponse<String> first = http.send(HttpRequest.newBuilder(URI.create(base + path)).GET()
        .build(), HttpResponse.BodyHandlers.ofString());
    if (first.statusCode() != 401 || user == null) {
      return wrap(first);
    }
    String challenge = first.headers().allValues("WWW-Authenticate").stream()
        .filter(h -> h.contains("MD5")).findFirst().orElseThrow();
    Map<String, String> p = io.openmms.server.auth.DigestAuthAccess.parse(challenge.substring(7));
    String nonce = p.get("nonce");
    String cnonce = "0a4f113b";
    String nc = "00000001";
    String ha1 = Secrets.md5Hex(user + ":" + p.get("realm") + ":" + password);
    String ha2 = Secrets.md5Hex("GET:" + path);
    String response = Secrets.md5Hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
    String header = "Digest username=\"" + user + "\", realm=\"" + p.get("realm") + "\", nonce=\""
        + nonce + "\", uri=\"" + path + "\", algorithm=MD5, response=\"" + response
        + "\", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\"";
    return wrap(http.send(HttpRequest.newBuilder(URI.create(base + path)).GET()
        .header("Authorization", header).build(), HttpResponse.BodyHandlers.ofString()));
  }

  public Response getBasic(String path, String user, String password) throws Exception {
    return wrap(http.send(HttpRequest.newBuilder(URI.create(base + path)).GET()
        .header("Authorization", basic(user, password)).build(),
        HttpResponse.BodyHandlers.ofString()));
  }

  /** Posts a body to the monitoring agent endpoint, gzip-compressed when {@code gzip}. */
  public Response postSamples(String groupId, String key, byte[] body, boolean gzip)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base
        + "/agents/api/monitoring/v1/samples")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(gzip ? gzip(body) : body));
    if (gzip) {
      b.header("Content-Encoding", "gzip");
    }
    if (groupId != null) {
      b.header("Authorization", basic(groupId, key));
    }
    return wrap(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  public static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  public static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }

  private static Response wrap(HttpResponse<String> r) throws IOException {
    JsonNode json = null;
    String ct = r.headers().firstValue("Content-Type").orElse("");
    if (ct.contains("json") && !r.body().isEmpty()) {
      json = new ObjectMapper().readTree(r.body());
    }
    return new Response(r.statusCode(), json, r.body(), r);
  }
}
