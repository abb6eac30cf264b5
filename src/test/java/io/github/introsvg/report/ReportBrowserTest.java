package io.github.introsvg.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.loop.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the report of a mock run in headless Chromium, as a user would from {@code file://}. Needs Debian's
 * chromium and chromium-driver (.ci/run installs them); without them it is skipped, except in CI (CI=true),
 * where it fails.
 */
@Timeout(120)
class ReportBrowserTest {

  private static final Path SCREENSHOT = Path.of("target/report-browser/report.png");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final MockWebServer leak = new MockWebServer();
  private Chromium browser;

  @BeforeEach
  void start() throws Exception {
    if (!Chromium.installed()) {
      String missing = "the report's browser test needs " + Chromium.BINARY + " and " + Chromium.DRIVER
          + " (apt-get install -y chromium chromium-driver)";
      if ("true".equals(System.getenv("CI"))) Assertions.fail(missing + "; in CI they must be there: .ci/run installs them");
      Assumptions.abort(missing + "; skipped because this is not CI");
    }
    leak.start();
  }

  @AfterEach
  void stop() {
    if (browser != null) browser.close();
    leak.close();
  }

  @Test
  void reportOfAMockRunShowsEveryPromptAndImageFiltersAndRunsNothingFromTheData() throws Exception {
    String leakUrl = leak.url("/").toString().replaceAll("/$", "");
    Path out = MockRuns.run(dir, MockRuns.hostileCsv(leakUrl), Policy.INTROSPECTIVE, null);
    showDraftAsHostileSvg(out, "plain", leakUrl);
    List<String> ids = Files.readAllLines(out.resolve("results.jsonl")).stream().map(ReportBrowserTest::id).toList();

    browser = new Chromium(dir.resolve("profile"));
    browser.open(out.resolve(HtmlReport.FILE_NAME).toUri());

    assertThat(strings(browser.script("return Array.from(document.querySelectorAll('section.prompt'))"
        + ".filter(s => !s.hidden && s.getBoundingClientRect().height > 0).map(s => s.dataset.id)")))
        .containsExactlyInAnyOrderElementsOf(ids);
    JsonNode images = browser.asyncScript("const done = arguments[arguments.length - 1];"
        + "(async () => { const broken = []; const svgs = [];"
        + "  for (const img of Array.from(document.images)) {"
        + "    img.scrollIntoView(); try { await img.decode(); } catch (e) { }"
        + "    const box = img.getBoundingClientRect();"
        + "    if (!img.complete || img.naturalWidth === 0 || box.width === 0 || box.height === 0) broken.push(img.getAttribute('src'));"
        + "    if (img.getAttribute('src').endsWith('.svg')) svgs.push(img.getAttribute('src'));"
        + "  } return {count: document.images.length, broken: broken, svgs: svgs}; })().then(done);");
    assertThat(strings(images.get("broken"))).as("images that did not load").isEmpty();
    assertThat(images.get("count").asInt()).isGreaterThanOrEqualTo(2 * ids.size());
    assertThat(strings(images.get("svgs"))).as("the draft shown as its SVG").containsExactly("intermediate_files/00_initial_drafts/plain.svg");

    long all = shown();
    browser.click("#show option[value=early]");
    long early = shown();
    browser.click("#show option[value=all]");
    browser.type("#min", "9.5");
    long high = shown();
    assertThat(all).isEqualTo(ids.size());
    assertThat(early).isPositive().isLessThan(all);
    assertThat(high).isLessThan(all);
    assertThat(browser.text("#count")).isEqualTo(high + " of " + all + " prompts shown");
    browser.clear("#min");
    assertThat(shown()).isEqualTo(all);
    browser.script("window.scrollTo(0, 0)");
    Files.createDirectories(SCREENSHOT.getParent());
    Files.write(SCREENSHOT, browser.screenshot());

    assertThat(browser.script("return typeof window.pwned").asText()).as("a script from the data ran").isEqualTo("undefined");
    assertThat(browser.script("return document.scripts.length").asInt()).isEqualTo(1);
    assertThat(browser.script("return document.querySelectorAll('[onerror],[onload],[onmouseover],link,iframe,object,embed')"
        + ".length").asInt()).isZero();
    assertThat(leak.getRequestCount()).as("requests the page made to the network").isZero();
  }

  private long shown() throws Exception {
    return browser.script("return document.querySelectorAll('section.prompt:not([hidden])').length").asLong();
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

  private static List<String> strings(JsonNode array) {
    List<String> list = new ArrayList<>();
    array.forEach(n -> list.add(n.asText()));
    return list;
  }

  private static String id(String resultLine) {
    try {
      return JSON.readTree(resultLine).get("id").asText();
    } catch (Exception e) {
      throw new AssertionError(resultLine, e);
    }
  }
}
