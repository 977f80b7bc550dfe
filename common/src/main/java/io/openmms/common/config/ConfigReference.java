package io.openmms.common.config;

import java.util.List;
import java.util.Map;

/**
 * Renders the Markdown configuration reference from the components' setting constants. The file
 * {@code docs/configuration.md} is this output; a test fails when the two differ.
 */
public final class ConfigReference {
  private ConfigReference() {}

  /** @param components component name to its settings, in the order they should appear */
  public static String markdown(Map<String, List<Setting<?>>> components) {
    StringBuilder b = new StringBuilder();
    b.append("# Configuration reference\n\n")
        .append("Generated from the setting constants in the code (`Config` / `Setting`); do not")
        .append(" edit by hand.\nRegenerate with `./openmms config-reference > docs/configuration.md`.\n\n")
        .append("Each component reads one Java properties file (`--config FILE`). Every key can\n")
        .append("also be set by an environment variable: `OPENMMS_` followed by the key in upper\n")
        .append("case with dots turned into underscores. Precedence, lowest first: default, file,\n")
        .append("environment, command line. Unknown keys and invalid values stop start-up with a\n")
        .append("message naming the key.\n\n")
        .append("Durations are written `500ms`, `10s`, `5m`, `48h`, `90d` (or ISO-8601 `PT10S`);\n")
        .append("sizes `512`, `64KB`, `16MB`, `2GB` (powers of 1024).\n");
    components.forEach((name, settings) -> {
      b.append("\n## ").append(name).append("\n\n")
          .append("| key | type | default | environment | description |\n")
          .append("|---|---|---|---|---|\n");
      for (Setting<?> s : settings) {
        b.append("| `").append(s.key()).append("` | ").append(s.type()).append(" | ")
            .append(s.defaultText() == null ? "(unset)" : "`" + s.defaultText() + "`")
            .append(" | `").append(s.envName()).append("` | ")
            .append(s.description().replace("|", "\\|"))
            .append(s.isSecret() ? " (secret: never logged)" : "").append(" |\n");
      }
    });
    return b.toString();
  }
}
