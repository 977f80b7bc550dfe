package io.openmms.dist;

import io.openmms.common.config.Config;
import io.openmms.common.config.Setting;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by every long-running command: a config file and {@code -D key=value}. */
final class Overrides {
  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Properties file with this component's settings (see docs/configuration.md).")
  Path configFile;

  @Option(names = "-D", paramLabel = "KEY=VALUE",
      description = "Set one setting, overriding the file and the environment.")
  Map<String, String> settings = new LinkedHashMap<>();

  Config load(String component, List<Setting<?>> all, Map<String, String> fromOptions) {
    Map<String, String> o = new LinkedHashMap<>(fromOptions);
    o.putAll(settings);
    return Config.load(component, all, configFile, System.getenv(), o);
  }
}
