package io.openmms.common.config;

/**
 * A configuration value that is missing, malformed or out of range. The message always names the
 * setting's key and, where known, where the value came from, so an operator can fix it without
 * reading code.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
