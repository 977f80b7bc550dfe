package io.openmms.common.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One typed configuration setting: its key, default, description and validator, in the manner of
 * Debezium's {@code Field}. Components declare their settings as constants; {@link Config} loads
 * and validates them at start, and the configuration reference in {@code docs/} is generated from
 * the same constants, so documentation and behaviour cannot drift apart.
 *
 * <p>Immutable and thread-safe.
 */
public final class Setting<T> {
  private final String key;
  private final String type;
  private final String defaultText;
  private final String description;
  private final Function<String, T> parser;
  private final Predicate<T> valid;
  private final String rule;
  private final boolean secret;

  private Setting(String key, String type, String defaultText, String description,
      Function<String, T> parser, Predicate<T> valid, String rule, boolean secret) {
    this.key = Objects.requireNonNull(key);
    this.type = type;
    this.defaultText = defaultText;
    this.description = Objects.requireNonNull(description);
    this.parser = parser;
    this.valid = valid;
    this.rule = rule;
    this.secret = secret;
  }

  public static Setting<String> string(String key, String defaultValue, String description) {
    return new Setting<>(key, "string", defaultValue, description, s -> s, v -> true, null, false);
  }

  public static Setting<Boolean> bool(String key, boolean defaultValue, String description) {
    return new Setting<>(key, "boolean", Boolean.toString(defaultValue), description,
        Setting::parseBool, v -> true, null, false);
  }

  public static Setting<Integer> integer(String key, int defaultValue, int min, int max,
      String description) {
    return new Setting<>(key, "integer", Integer.toString(defaultValue), description,
        Integer::valueOf, v -> v >= min && v <= max, "between " + min + " and " + max, false);
  }

  /** A TCP port; 0 means "pick a free port". */
  public static Setting<Integer> port(String key, int defaultValue, String description) {
    return integer(key, defaultValue, 0, 65535, description);
  }

  /** A duration written as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 48h}, {@code 90d} or ISO-8601. */
  public static Setting<Duration> duration(String key, String defaultValue, Duration min,
      String description) {
    return new Setting<>(key, "duration", defaultValue, description, Setting::parseDuration,
        v -> v.compareTo(min) >= 0, "at least " + Durations.format(min), false);
  }

  /** A size in bytes written as {@code 512}, {@code 64KB}, {@code 16MB} or {@code 2GB} (powers of 1024). */
  public static Setting<Long> bytes(String key, String defaultValue, long min, String description) {
    return new Setting<>(key, "size", defaultValue, description, Setting::parseBytes,
        v -> v >= min, "at least " + min + " bytes", false);
  }

  public static Setting<Path> path(String key, String defaultValue, String description) {
    return new Setting<>(key, "path", defaultValue, description, Path::of, v -> true, null, false);
  }

  /** A string restricted to the given values (compared case-insensitively, returned lower-case). */
  public static Setting<String> choice(String key, String defaultValue, String description,
      String... values) {
    var allowed = java.util.List.of(values);
    return new Setting<>(key, "one of " + String.join(", ", values), defaultValue, description,
        s -> s.toLowerCase(Locale.ROOT), allowed::contains, "one of " + allowed, false);
  }

  /** The same setting, marked secret: its value is never printed or logged. */
  public Setting<T> secret() {
    return new Setting<>(key, type, defaultText, description, parser, valid, rule, true);
  }

  public String key() {
    return key;
  }

  public String type() {
    return type;
  }

  /** The default as written in a file, or {@code null} when the setting is unset by default. */
  public String defaultText() {
    return defaultText;
  }

  public String description() {
    return description;
  }

  public boolean isSecret() {
    return secret;
  }

  /** The environment variable that overrides this setting: {@code OPENMMS_} + key in upper case. */
  public String envName() {
    return "OPENMMS_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Parses and validates a raw value; {@code source} names where it came from for the message. */
  public T parse(String raw, String source) {
    T value;
    try {
      value = parser.apply(raw.trim());
    } catch (RuntimeException e) {
      throw new ConfigException("Invalid value '" + shown(raw) + "' for " + key + " (from "
          + source + "): expected " + type + (rule == null ? "" : " " + rule));
    }
    if (!valid.test(value)) {
      throw new ConfigException("Invalid value '" + shown(raw) + "' for " + key + " (from "
          + source + "): must be " + rule);
    }
    return value;
  }

  private String shown(String raw) {
    return secret ? "****" : raw;
  }

  private static Boolean parseBool(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new IllegalArgumentException(s);
    };
  }

  static Duration parseDuration(String s) {
    return Durations.parse(s);
  }

  static long parseBytes(String s) {
    String u = s.toUpperCase(Locale.ROOT).replace(" ", "");
    long mult = 1;
    for (String[] suffix : new String[][] {{"KB", "1024"}, {"MB", "1048576"},
        {"GB", "1073741824"}, {"B", "1"}}) {
      if (u.endsWith(suffix[0])) {
        mult = Long.parseLong(suffix[1]);
        u = u.substring(0, u.length() - suffix[0].length());
        break;
      }
    }
    long n = Long.parseLong(u);
    if (n < 0) {
      throw new IllegalArgumentException(s);
    }
    return Math.multiplyExact(n, mult);
  }

  @Override
  public String toString() {
    return key;
  }
}
