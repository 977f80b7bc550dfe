package io.openmms.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The validated configuration of one component. Values come, in increasing precedence, from the
 * settings' defaults, the component's properties file, environment variables
 * ({@link Setting#envName()}) and explicit overrides (command-line options). Every value is parsed
 * and validated in {@link #load}; an unknown key in the file, a malformed or out-of-range value
 * fails start-up with a {@link ConfigException} naming the key and its source.
 *
 * <p>Immutable and thread-safe once loaded.
 */
public final class Config {
  private final String component;
  private final Map<String, Object> values;
  private final Map<String, String> sources;
  private final List<Setting<?>> settings;

  private Config(String component, List<Setting<?>> settings, Map<String, Object> values,
      Map<String, String> sources) {
    this.component = component;
    this.settings = List.copyOf(settings);
    this.values = values;
    this.sources = sources;
  }

  /**
   * Loads and validates a component's configuration.
   *
   * @param file the properties file, or {@code null} when the component runs on defaults
   * @param env the process environment (pass {@code System.getenv()})
   * @param overrides values given on the command line, by key
   */
  public static Config load(String component, List<Setting<?>> settings, Path file,
      Map<String, String> env, Map<String, String> overrides) {
    Map<String, Setting<?>> byKey = new LinkedHashMap<>();
    settings.forEach(s -> byKey.put(s.key(), s));
    Map<String, String> raw = new HashMap<>();
    Map<String, String> sources = new HashMap<>();
    if (file != null) {
      Properties props = readFile(file);
      for (String key : new TreeSet<>(props.stringPropertyNames())) {
        if (!byKey.containsKey(key)) {
          throw new ConfigException("Unknown setting '" + key + "' in " + file
              + suggestion(key, byKey.keySet()) + "; see docs/configuration.md for the "
              + component + " settings");
        }
        raw.put(key, props.getProperty(key));
        sources.put(key, file.toString());
      }
    }
    for (Setting<?> s : settings) {
      String v = env.get(s.envName());
      if (v != null) {
        raw.put(s.key(), v);
        sources.put(s.key(), "environment variable " + s.envName());
      }
    }
    for (var e : overrides.entrySet()) {
      if (!byKey.containsKey(e.getKey())) {
        throw new ConfigException("Unknown setting '" + e.getKey() + "'"
            + suggestion(e.getKey(), byKey.keySet()));
      }
      raw.put(e.getKey(), e.getValue());
      sources.put(e.getKey(), "command line");
    }
    Map<String, Object> values = new HashMap<>();
    for (Setting<?> s : settings) {
      String v = raw.get(s.key());
      if (v == null) {
        v = s.defaultText();
        sources.putIfAbsent(s.key(), "default");
      }
      if (v != null && !(v.isBlank() && s.defaultText() == null)) {
        values.put(s.key(), s.parse(v, sources.get(s.key())));
      }
    }
    return new Config(component, settings, values, sources);
  }

  /** A configuration of defaults plus the given overrides, for tests and embedded use. */
  public static Config of(String component, List<Setting<?>> settings,
      Map<String, String> overrides) {
    return load(component, settings, null, Map.of(), overrides);
  }

  private static Properties readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("Configuration file " + file + " does not exist or is not a file");
    }
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      props.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("Cannot read configuration file " + file + ": " + e.getMessage());
    }
    return props;
  }

  private static String suggestion(String key, Iterable<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(key, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int[] cur = new int[b.length() + 1];
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      prev = cur;
    }
    return prev[b.length()];
  }

  /** The value of a setting; {@code null} only for a setting without default that was not set. */
  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    if (!settings.contains(setting)) {
      throw new IllegalArgumentException(setting.key() + " is not a " + component + " setting");
    }
    return (T) values.get(setting.key());
  }

  /** A setting that must have a value; throws a {@link ConfigException} naming it otherwise. */
  public <T> T require(Setting<T> setting) {
    T v = get(setting);
    if (v == null) {
      throw new ConfigException(setting.key() + " must be set (" + setting.description() + ")");
    }
    return v;
  }

  /** One line per setting with value and source; secrets are masked. For start-up logs. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    for (Setting<?> s : settings) {
      Object v = values.get(s.key());
      String shown = v == null ? "(unset)" : s.isSecret() ? "****" : v.toString();
      lines.add(s.key() + " = " + shown + " [" + sources.get(s.key()) + "]");
    }
    return lines;
  }

  public String component() {
    return component;
  }
}
