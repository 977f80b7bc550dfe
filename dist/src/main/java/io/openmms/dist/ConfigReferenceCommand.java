package io.openmms.dist;

import io.openmms.agent.AgentSettings;
import io.openmms.common.config.ConfigReference;
import io.openmms.common.config.Setting;
import io.openmms.server.ServerSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "config-reference", mixinStandardHelpOptions = true,
    description = "Print the configuration reference (docs/configuration.md) generated from the"
        + " settings in the code.")
final class ConfigReferenceCommand implements Callable<Integer> {
  /** Every component's settings, in the order of the reference. */
  static Map<String, List<Setting<?>>> components() {
    Map<String, List<Setting<?>>> m = new LinkedHashMap<>();
    m.put("server (`openmms server`, `server.properties`)", ServerSettings.ALL);
    m.put("agent (`openmms agent`, `agent.properties`)", AgentSettings.ALL);
    m.put("daemon (`openmms daemon`, `daemon.properties`)", io.openmms.daemon.DaemonSettings.ALL);
    return m;
  }

  @Override
  public Integer call() {
    System.out.print(ConfigReference.markdown(components()));
    return 0;
  }
}
