package io.openmms.agent.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openmms.common.config.ConfigException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServerEndpointTest {

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080",
      "https://ops.example.com", "https://10.0.0.5:8443"})
  void acceptsHttpsAnywhereAndPlainHttpOnLoopback(String url) {
    assertThat(ServerEndpoint.check(url, false, "agent.server.url", "agent.server.allow.insecure"))
        .hasToString(url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://10.0.0.5:8080", "http://ops.example.com",
      "http://127.0.0.1.evil.example"})
  void plainHttpElsewhereNeedsTheInsecureSetting(String url) {
    assertThatThrownBy(() -> ServerEndpoint.check(url, false, "agent.server.url",
        "agent.server.allow.insecure")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("agent.server.allow.insecure");
    assertThat(ServerEndpoint.check(url, true, "agent.server.url",
        "agent.server.allow.insecure")).hasToString(url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://h", "127.0.0.1:8080", "https://user:pw@h"})
  void rejectsWhatIsNotAServiceUrlWithoutEchoingCredentials(String url) {
    assertThatThrownBy(() -> ServerEndpoint.check(url, true, "agent.server.url",
        "agent.server.allow.insecure")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("agent.server.url").hasMessageNotContaining("pw@");
  }
}
