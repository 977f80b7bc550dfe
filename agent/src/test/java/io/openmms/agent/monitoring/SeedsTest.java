package io.openmms.agent.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openmms.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SeedsTest {
  private static final String KEY = "agent.mongo.seed";

  @Test
  void acceptsHostPortListsAndUris() {
    assertThat(Seeds.parse("db1.example:27018", KEY)).containsExactly("db1.example:27018");
    assertThat(Seeds.parse("db1, db2:27019", KEY))
        .containsExactly("db1:27017", "db2:27019");
    assertThat(Seeds.parse("mongodb://a:1,b:2/?replicaSet=rs0&tls=false", KEY))
        .containsExactly("a:1", "b:2");
    assertThat(Seeds.parse("[::1]:27017", KEY)).containsExactly("[::1]:27017");
    assertThat(Seeds.parse("[::1]", KEY)).containsExactly("[::1]:27017");
  }

  @Test
  void refusesCredentialsWithoutRepeatingThem() {
    for (String seed : new String[] {"mongodb://u:topsecret@a:1/", "u:topsecret@a:1"}) {
      assertThatThrownBy(() -> Seeds.parse(seed, KEY)).isInstanceOf(ConfigException.class)
          .hasMessageContaining(KEY).hasMessageContaining("agent.mongo.password")
          .hasMessageNotContaining("topsecret");
    }
  }

  @Test
  void refusesWhatIsNotASeed() {
    for (String seed : new String[] {"", "mongodb+srv://cluster.example", "a:99999", "a:x",
        "mongodb://"}) {
      assertThatThrownBy(() -> Seeds.parse(seed, KEY)).as(seed)
          .isInstanceOf(ConfigException.class).hasMessageContaining(KEY);
    }
  }
}
