package com.livechat.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.NoSuchShadowRootException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Chromium of its own (a fresh profile: no cookies, no storage shared with another
 * {@code Browser}), driven through Debian's chromedriver. The driver path is given to Selenium, so
 * Selenium Manager never runs and nothing is downloaded.
 *
 * <p>Debian's packages {@code chromium} and {@code chromium-driver} must be installed ({@code .ci/run}
 * installs them); without them the browser tests fail, saying so, unless {@code
 * -Dlivechat.browser.skip=true} is given, which skips them.
 */
final class Browser implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(15);
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private static final String CHROMIUM = System.getProperty("livechat.browser.chromium", "/usr/bin/chromium");
  private static final String CHROMEDRIVER = System.getProperty("livechat.browser.chromedriver", "/usr/bin/chromedriver");
  private static final List<String> ARGUMENTS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
      "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--disable-dev-shm-usage", "--disable-search-engine-choice-screen", "--lang=en-US");

  static {
    // without the CDP modules of selenium-java, ChromeDriver warns at each start that it has none for this version
    Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder").setLevel(Level.OFF);
    Logger.getLogger("org.openqa.selenium.chromium.ChromiumDriver").setLevel(Level.SEVERE);
  }

  final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** A desktop window, 1280×900. */
  static Browser desktop() {
    return start(options -> options.addArguments("--window-size=1280,900"));
  }

  /** A phone: a 390×844 viewport, touch, a mobile user agent (Chromium's own emulation). */
  static Browser phone() {
    return start(options -> options.addArguments("--window-size=390,844").setExperimentalOption("mobileEmulation",
        Map.of("deviceMetrics", Map.of("width", 390, "height", 844, "pixelRatio", 2, "touch", true),
            "userAgent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/150.0.0.0 Mobile Safari/537.36")));
  }

  private static Browser start(Function<ChromeOptions, ChromeOptions> customize) {
    requireChromium();
    Path profile;
    try {
      profile = Files.createTempDirectory("livechat-chromium");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .withLogOutput(java.io.OutputStream.nullOutputStream())
        .build();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM);
    options.addArguments(ARGUMENTS);
    options.addArguments("--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriver driver = new ChromeDriver(service, customize.apply(options));
    driver.manage().timeouts().pageLoadTimeout(TIMEOUT).scriptTimeout(TIMEOUT);
    return new Browser(driver, profile);
  }

  /** Fails (or skips, with -Dlivechat.browser.skip=true) when Chromium or its driver is missing. */
  static void requireChromium() {
    if (new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute()) {
      return;
    }
    String missing = "The browser tests need Debian's Chromium and its driver (" + CHROMIUM + ", " + CHROMEDRIVER
        + "): apt-get install chromium chromium-driver (.ci/run does it), or give -Dlivechat.browser.skip=true to skip them";
    Assumptions.assumeFalse(Boolean.getBoolean("livechat.browser.skip"), "skipped: -Dlivechat.browser.skip=true");
    throw new IllegalStateException(missing);
  }

  /** Waits (polling every 50 ms, {@link #TIMEOUT} at most) until {@code condition} is neither null nor false. */
  <T> T await(String what, Function<WebDriver, T> condition) {
    return await(() -> what, condition);
  }

  /** The same, with a failure message made at the time of the failure (what the page shows then). */
  <T> T await(Supplier<String> what, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, TIMEOUT, Duration.ofMillis(50))
        .ignoring(NoSuchElementException.class)
        .ignoring(StaleElementReferenceException.class)
        .ignoring(NoSuchShadowRootException.class)
        .withMessage(what)
        .until(condition);
  }

  Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** True when an alert, confirm or prompt is open. */
  boolean alertOpen() {
    try {
      driver.switchTo().alert();
      return true;
    } catch (NoAlertPresentException e) {
      return false;
    }
  }

  /** Saves what the window shows as target/screenshots/{@code name}.png. */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Prints the page's console since the last call (errors first of all), for the report of a failing test. */
  void printConsole(String label) {
    try {
      List<LogEntry> entries = driver.manage().logs().get(LogType.BROWSER).getAll();
      for (LogEntry entry : entries) {
        System.out.println("[" + label + " console " + entry.getLevel() + "] " + entry.getMessage());
      }
    } catch (RuntimeException e) {
      System.out.println("[" + label + "] no console log: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a temp dir left behind is harmless
      }
    }
  }
}
