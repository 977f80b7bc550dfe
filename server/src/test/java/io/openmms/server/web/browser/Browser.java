package io.openmms.server.web.browser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through Debian's chromedriver with Selenium, for the page
 * tests. When either binary is missing the calling test is skipped with a message saying what to
 * install (CI installs both).
 */
public final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  public final ChromeDriver driver;

  private Browser(ChromeDriver driver) {
    this.driver = driver;
  }

  /** Starts a headless browser, or skips the test when Chromium is not installed. */
  public static Browser start() {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Browser tests skipped: install Debian's chromium and chromium-driver"
            + " (apt-get install chromium chromium-driver); .ci/run does");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    System.setProperty("SE_OFFLINE", "true");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toString());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=1280,900");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    ChromeDriver d = new ChromeDriver(service, options);
    d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    return new Browser(d);
  }

  /**
   * Clicks an element that submits a form or follows a link, and waits until the browser has
   * replaced the page (a click returns before the request it starts has completed).
   */
  public void clickAndWait(org.openqa.selenium.By by) {
    org.openqa.selenium.WebElement old = driver.findElement(org.openqa.selenium.By.tagName("html"));
    driver.findElement(by).click();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50)).until(() -> {
          try {
            old.getTagName();
            return false;
          } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return "complete".equals(driver.executeScript("return document.readyState"));
          }
        });
  }

  /** Saves a screenshot of the current page as {@code target/screenshots/<name>.png}. */
  public void screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.quit();
  }
}
