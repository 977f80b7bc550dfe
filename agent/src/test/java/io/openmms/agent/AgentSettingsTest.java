package io.openmms.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.common.config.Config;
import io.openmms.common.config.Setting;
import java.util.HashSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

  @Test
  void everySettingIsDocumentedAndUnique() {
    assertThat(AgentSettings.ALL).allSatisfy(s -> {
      assertThat(s.description()).as(s.key()).hasSizeGreaterThan(20);
      assertThat(s.key()).startsWith("agent.");
    });
    assertThat(new HashSet<>(AgentSettings.ALL.stream().map(Setting::key).toList()))
        .hasSameSizeAs(AgentSettings.ALL);
  }

  @Test
  void theMongoPasswordAndApiKeyAreNeverPrinted() {
    assertThat(AgentSettings.ALL.stream().filter(Setting::isSecret).map(Setting::key))
        .containsExactlyInAnyOrder("agent.api.key", "agent.mongo.password");
    Config c = Config.of("agent", AgentSettings.ALL, Map.of("agent.api.key", "key-123",
        "agent.mongo.password", "pw-456", "agent.mongo.seed", "h:1"));
    assertThat(String.join("\n", c.describe())).doesNotContain("key-123").doesNotContain("pw-456")
        .contains("agent.api.key = ****");
  }

  @Test
  void defaultsMatchTheSpec() {
    Config c = Config.of("agent", AgentSettings.ALL, Map.of());
    assertThat(c.get(AgentSettings.POLL_INTERVAL)).hasSeconds(10);
    assertThat(c.get(AgentSettings.POLL_SLOW_INTERVAL)).hasMinutes(5);
    assertThat(c.get(AgentSettings.SPOOL_MAX_BYTES)).isEqualTo(256L * 1024 * 1024);
    assertThat(c.get(AgentSettings.SERVER_URL)).isEqualTo("http://127.0.0.1:8080");
    assertThat(c.get(AgentSettings.MONGO_AUTH_SOURCE)).isEqualTo("admin");
  }
}
