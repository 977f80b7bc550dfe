package io.openmms.server.web.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.openmms.agent.AgentSettings;
import io.openmms.agent.MonitoringAgent;
import io.openmms.common.config.Config;
import io.openmms.server.TestServer;
import io.openmms.testkit.ReplicaSetStandIn;
import io.openmms.testkit.Workload;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import static org.awaitility.Awaitility.await;

/**
 * The newcomer's path in a real browser: sign up, create a group, create an agent key, start an
 * agent with it against a (stand-in) replica set, see the hosts appear, and see a chart fill.
 */
class MonitoringFlowBrowserTest {
  @TempDir Path dir;

  @Test
  void signUpCreateGroupAndKeyRunAnAgentAndWatchTheChartsFill() throws Exception {
    try (Browser browser = Browser.start();
        TestServer ts = TestServer.startEmpty(dir.resolve("server"), Clock.systemUTC(), Map.of());
        ReplicaSetStandIn rs = ReplicaSetStandIn.start("rs0", 3);
        Workload w = Workload.start(rs.client(), "shop", 100)) {
      var d = browser.driver;
      d.get(ts.url() + "/signup");
      d.findElement(By.id("username")).sendKeys("operator");
      d.findElement(By.id("password")).sendKeys("a long enough password");
      d.findElement(By.id("password2")).sendKeys("a long enough password");
      browser.clickAndWait(By.cssSelector("button[type=submit].primary"));
      d.findElement(By.id("name")).sendKeys("Shop");
      browser.clickAndWait(By.cssSelector("form.inline button.primary"));
      assertThat(d.getTitle()).contains("Shop");
      assertThat(d.findElement(By.tagName("main")).getText()).contains("No agent has reported yet");
      browser.screenshot("deployment-empty");
      String groupId = d.getCurrentUrl().replaceAll(".*/groups/([0-9a-f]{24}).*", "$1");

      d.get(ts.url() + "/groups/" + groupId + "/keys");
      d.findElement(By.id("agent-description")).sendKeys("rs0 agent");
      browser.clickAndWait(By.cssSelector("form[action$='/keys/agent'] button.primary"));
      String key = d.findElement(By.id("agent-key")).getAttribute("value");
      assertThat(d.findElement(By.id("agent-command")).getText()).contains("--group " + groupId)
          .contains("OPENMMS_AGENT_API_KEY=" + key);
      browser.screenshot("keys-new-agent-key");

      MonitoringAgent agent = new MonitoringAgent(Config.of("agent", AgentSettings.ALL, Map.of(
          AgentSettings.SERVER_URL.key(), ts.url(), AgentSettings.GROUP_ID.key(), groupId,
          AgentSettings.API_KEY.key(), key, AgentSettings.MONGO_SEED.key(), rs.seedList(),
          AgentSettings.POLL_INTERVAL.key(), "1s",
          AgentSettings.DATA_DIR.key(), dir.resolve("agent").toString())), Clock.systemUTC());
      agent.start();
      try {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
          d.get(ts.url() + "/groups/" + groupId);
          return d.findElements(By.cssSelector("table.hosts tbody tr")).size() == 3;
        });
        assertThat(d.findElement(By.tagName("main")).getText()).contains("rs0")
            .contains("PRIMARY").contains("SECONDARY");
        browser.screenshot("deployment");

        browser.clickAndWait(By.linkText(rs.primary()));
        assertThat(d.getTitle()).contains(rs.primary());
        // the page refreshes its charts every 10 s without reloading: wait for data points
        try {
          await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1)).until(() -> {
          Object n = d.executeScript("let n = 0; document.querySelectorAll('canvas').forEach(c =>"
              + " { const ch = Chart.getChart(c); if (ch) ch.data.datasets.forEach(ds =>"
              + " n += ds.data.filter(p => p != null).length); }); return n;");
          return ((Number) n).intValue() > 0;
          });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          browser.screenshot("host-without-data");
          throw new AssertionError("No chart got data points; charts say: " + d.executeScript(
              "return Array.from(document.querySelectorAll('canvas')).map(c =>"
                  + " c.getAttribute('aria-label')).join(' | ')"), e);
        }
        browser.screenshot("host");
      } finally {
        agent.close();
      }
    }
  }
}
