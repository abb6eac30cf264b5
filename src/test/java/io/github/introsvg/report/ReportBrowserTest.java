package io.github.introsvg.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.loop.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Opens the report of a mock run in headless Chromium, as a user would from {@code file://}. Needs Debian's
 * chromium and chromium-driver (.ci/run installs them); without them it is skipped, except in CI (CI=true),
 * where it fails.
 */
@Timeout(120)
class ReportBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOT = Path.of("target/report-browser/report.png");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final MockWebServer leak = new MockWebServer();
  private WebDriver browser;

  @BeforeEach
  void start() throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String missing = "the report's browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
          + " (apt-get install -y chromium chromium-driver)";
      if ("true".equals(System.getenv("CI"))) Assertions.fail(missing + "; in CI they must be there: .ci/run installs them");
      Assumptions.abort(missing + "; skipped because this is not CI");
    }
    leak.start();
  }

  @AfterEach
  void stop() {
    if (browser != null) browser.quit();
    leak.close();
  }

  @Test
  @SuppressWarnings("unchecked")
  void reportOfAMockRunShowsEveryPromptAndImageFiltersAndRunsNothingFromTheData() throws Exception {
    String leakUrl = leak.url("/").toString().replaceAll("/$", "");
    Path out = MockRuns.run(dir, MockRuns.hostileCsv(leakUrl), Policy.INTROSPECTIVE, null);
    showDraftAsHostileSvg(out, "plain", leakUrl);
    List<String> ids = Files.readAllLines(out.resolve("results.jsonl")).stream().map(ReportBrowserTest::id).toList();

    JavascriptExecutor page = open(out.resolve(HtmlReport.FILE_NAME));

    assertThat((List<Object>) page.executeScript("return Array.from(document.querySelectorAll('section.prompt'))"
        + ".filter(s => !s.hidden && s.getBoundingClientRect().height > 0).map(s => s.dataset.id)"))
        .containsExactlyInAnyOrderElementsOf(ids);
    Map<String, Object> images = (Map<String, Object>) page.executeAsyncScript("const done = arguments[arguments.length - 1];"
        + "(async () => { const broken = []; const svgs = [];"
        + "  for (const img of Array.from(document.images)) {"
        + "    img.scrollIntoView(); try { await img.decode(); } catch (e) { }"
        + "    const box = img.getBoundingClientRect();"
        + "    if (!img.complete || img.naturalWidth === 0 || box.width === 0 || box.height === 0) broken.push(img.getAttribute('src'));"
        + "    if (img.getAttribute('src').endsWith('.svg')) svgs.push(img.getAttribute('src'));"
        + "  } return {count: document.images.length, broken: broken, svgs: svgs}; })().then(done);");
    assertThat((List<Object>) images.get("broken")).as("images that did not load").isEmpty();
    assertThat(((Number) images.get("count")).intValue()).isGreaterThanOrEqualTo(2 * ids.size());
    assertThat((List<Object>) images.get("svgs")).as("the draft shown as its SVG").containsExactly("intermediate_files/00_initial_drafts/plain.svg");

    long all = shown(page);
    browser.findElement(By.cssSelector("#show option[value=early]")).click();
    long early = shown(page);
    browser.findElement(By.cssSelector("#show option[value=all]")).click();
    browser.findElement(By.id("min")).sendKeys("9.5");
    long high = shown(page);
    assertThat(all).isEqualTo(ids.size());
    assertThat(early).isPositive().isLessThan(all);
    assertThat(high).isLessThan(all);
    assertThat(browser.findElement(By.id("count")).getText()).isEqualTo(high + " of " + all + " prompts shown");
    browser.findElement(By.id("min")).clear();
    page.executeScript("window.scrollTo(0, 0)");
    Files.createDirectories(SCREENSHOT.getParent());
    Files.write(SCREENSHOT, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

    assertThat(page.executeScript("return typeof window.pwned")).as("a script from the data ran").isEqualTo("undefined");
    assertThat(page.executeScript("return document.scripts.length")).isEqualTo(1L);
    assertThat(page.executeScript("return document.querySelectorAll('[onerror],[onload],[onmouseover],link,iframe,object,embed').length"))
        .isEqualTo(0L);
    assertThat(leak.getRequestCount()).as("requests the page made to the network").isZero();
  }

  private JavascriptExecutor open(Path report) {
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + dir.resolve("profile"), "--window-size=1280,1600");
    browser = new ChromeDriver(service, options);
    browser.get(report.toUri().toString());
    return (JavascriptExecutor) browser;
  }

  private static long shown(JavascriptExecutor page) {
    return (Long) page.executeScript("return document.querySelectorAll('section.prompt:not([hidden])').length");
  }

  /** Makes the report show a draft as the model's SVG (its PNG gone), an SVG that tries to run a script and fetch. */
  private static void showDraftAsHostileSvg(Path out, String file, String leakUrl) throws Exception {
    Files.writeString(out.resolve("intermediate_files/00_initial_drafts/" + file + ".svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"200\" viewBox=\"0 0 200 200\""
            + " onload=\"top.pwned=6\"><script>top.pwned=7; fetch('" + leakUrl + "/svg-script')</script>"
            + "<image href=\"" + leakUrl + "/svg-image\" width=\"50\" height=\"50\"/>"
            + "<rect x=\"20\" y=\"20\" width=\"160\" height=\"160\" fill=\"orange\"/></svg>");
    Files.delete(out.resolve("intermediate_files/01_iteration/critique_pngs/" + file + ".png"));
    HtmlReport.write(out);
  }

  private static String id(String resultLine) {
    try {
      return JSON.readTree(resultLine).get("id").asText();
    } catch (Exception e) {
      throw new AssertionError(resultLine, e);
    }
  }
}
