package io.openmms.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.common.config.ConfigReference;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {
  @Test
  void everySettingIsDescribed() {
    ConfigReferenceCommand.components().forEach((component, settings) ->
        settings.forEach(s -> assertThat(s.description()).as(s.key()).hasSizeGreaterThan(15)));
  }

  @Test
  void docsConfigurationMdIsGeneratedFromTheCode() throws Exception {
    String expected = ConfigReference.markdown(ConfigReferenceCommand.components());
    Path doc = Path.of("..", "docs", "configuration.md");
    assertThat(Files.readString(doc)).as("docs/configuration.md is stale: regenerate it with"
        + " ./openmms config-reference > docs/configuration.md").isEqualTo(expected);
  }

  @Test
  void aBadValueStopsStartUpWithTheKeyInTheMessage() throws Exception {
    var err = new java.io.ByteArrayOutputStream();
    var old = System.err;
    System.setErr(new java.io.PrintStream(err, true));
    int code;
    try {
      code = Main.run("server", "-D", "server.http.port=http", "--data-dir",
          Files.createTempDirectory("cfg").toString());
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("server.http.port").contains("'http'");
  }
}
