package io.openmms.agent.monitoring;

import com.mongodb.ConnectionString;
import io.openmms.common.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Parses the seed setting: {@code host[:port][,host[:port]...]} or a {@code mongodb://} URI. */
public final class Seeds {
  private Seeds() {}

  /**
   * The seed hosts as {@code host:port}, port 27017 when omitted.
   *
   * @param key the setting's key, named in error messages
   * @throws ConfigException when empty, malformed, an SRV URI, or carrying credentials (those
   *     belong in their own, secret, setting; the message never repeats the value)
   */
  public static List<String> parse(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key + " must be set to a host:port or a mongodb:// URI");
    }
    String v = value.trim();
    List<String> hosts = new ArrayList<>();
    if (v.startsWith("mongodb+srv://")) {
      throw new ConfigException(key + ": mongodb+srv:// URIs are not supported; list the hosts"
          + " as mongodb://h1:port,h2:port");
    }
    if (v.startsWith("mongodb://")) {
      ConnectionString cs;
      try {
        cs = new ConnectionString(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key + " is not a valid mongodb:// URI: " + e.getMessage());
      }
      if (cs.getUsername() != null || cs.getPassword() != null) {
        throw new ConfigException(key + " must not contain credentials; set "
            + "agent.mongo.username and agent.mongo.password instead");
      }
      hosts.addAll(cs.getHosts());
    } else {
      for (String h : v.split(",")) {
        if (!h.isBlank()) {
          hosts.add(h.trim());
        }
      }
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String h : hosts) {
      out.add(withPort(h, key));
    }
    if (out.isEmpty()) {
      throw new ConfigException(key + " names no host");
    }
    return List.copyOf(out);
  }

  private static String withPort(String h, String key) {
    boolean ipv6 = h.startsWith("[");
    int close = h.indexOf(']');
    int colon = h.lastIndexOf(':');
    boolean hasPort = ipv6 ? colon > close : colon >= 0;
    if (h.contains("@")) {
      throw new ConfigException(key + " must not contain credentials; set "
          + "agent.mongo.username and agent.mongo.password instead");
    }
    if (h.contains("/") || (ipv6 && close < 0)) {
      throw new ConfigException(key + ": '" + h + "' is not a host:port");
    }
    if (!hasPort) {
      return h + ":27017";
    }
    try {
      int port = Integer.parseInt(h.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new ConfigException(key + ": '" + h + "' has no valid port");
    }
    return h;
  }
}
