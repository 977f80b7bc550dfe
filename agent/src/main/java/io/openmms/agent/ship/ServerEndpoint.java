package io.openmms.agent.ship;

import io.openmms.common.config.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Checks the service URL: http or https, and plain http only to loopback unless allowed. */
public final class ServerEndpoint {
  private ServerEndpoint() {}

  /**
   * @param urlKey the URL setting's key, @param insecureKey the allow-insecure setting's key,
   *     both named in error messages
   */
  public static URI check(String url, boolean allowInsecure, String urlKey, String insecureKey) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new ConfigException(urlKey + ": '" + url + "' is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new ConfigException(urlKey + ": '" + url + "' must be an http:// or https:// URL");
    }
    if (uri.getUserInfo() != null) {
      throw new ConfigException(urlKey + " must not contain credentials; set agent.group.id "
          + "and agent.api.key instead");
    }
    if (scheme.equals("http") && !allowInsecure && !isLoopback(uri.getHost())) {
      throw new ConfigException(urlKey + " is plain http:// to " + uri.getHost() + ", which is "
          + "not a loopback address: samples and the agent API key would travel unencrypted. "
          + "Use https://, or set " + insecureKey + "=true to accept that");
    }
    return uri;
  }

  /** Loopback by name or literal, without a DNS look-up. */
  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.endsWith(".localhost") || h.matches("127(\\.\\d{1,3}){3}")
        || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
  }
}
