package io.github.introsvg.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.loop.Policy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class HtmlReportTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void summaryGainAgreesWithResultsJsonl() throws Exception {
    Path out = MockRuns.run(dir, "id,desc\na,a red apple\nb,a blue cup\nc,a green tree\nd,a sun\ne,a moon\n", Policy.REFERENCE,
        "0.25:malformed");

    List<JsonNode> lines = Files.readAllLines(out.resolve("results.jsonl")).stream().map(HtmlReportTest::json).toList();
    double gainSum = 0;
    int compared = 0;
    int improved = 0;
    int worse = 0;
    for (JsonNode line : lines) {
      if (!line.get("status").asText().equals("ok") || !line.get("scores").get(0).isNumber()) continue;
      double gain = line.get("final_score").asDouble() - line.get("scores").get(0).asDouble();
      gainSum += gain;
      compared++;
      if (gain > 0.001) improved++;
      if (gain < -0.001) worse++;
    }
    JsonNode gain = JSON.readTree(out.resolve("summary.json").toFile()).get("introspection");

    assertThat(compared).as("prompts with a kept and a draft score").isPositive();
    assertThat(gain.get("compared").asInt()).isEqualTo(compared);
    assertThat(gain.get("mean_gain").asDouble()).isCloseTo(gainSum / compared, org.assertj.core.data.Offset.offset(0.006));
    assertThat(gain.get("improved").asInt()).isEqualTo(improved);
    assertThat(gain.get("worse").asInt()).isEqualTo(worse);
    assertThat(gain.get("unchanged").asInt()).isEqualTo(compared - improved - worse);
    assertThat(gain.get("mean_score_by_round").get(0).asDouble()).isBetween(0.0, 10.0);
    assertThat(out.resolve("summary.json")).content().doesNotContainPattern(": -?\\d+\\.\\d{4,}"); // scores 2 decimals, shares 3
  }

  /** One mock run of the hostile CSV, shared by the tests that only read its report. */
  @TempDir static Path hostileDir;
  private static Path hostileOut;

  @BeforeAll
  static void runHostileCsv() throws Exception {
    hostileOut = MockRuns.run(hostileDir, MockRuns.hostileCsv("http://127.0.0.1:9"), Policy.INTROSPECTIVE, null);
  }

  @Test
  void hostileTextFromTheCsvIsEscapedAndTheOnlyScriptAndStyleAreTheReportsOwn() throws Exception {
    Path out = hostileOut;

    String html = Files.readString(out.resolve(HtmlReport.FILE_NAME));

    assertThat(count(html, "<script")).isEqualTo(1);
    assertThat(count(html, "<style")).isEqualTo(1);
    assertThat(html).doesNotContain("window.pwned=1</script>").doesNotContain("onerror=\"").doesNotContain(" onmouseover=\"")
        .doesNotContain("<b>bold</b>").doesNotContain("<link").doesNotContain("onload=\"")
        .contains("&lt;script&gt;window.pwned=1&lt;/script&gt;")
        .contains("data-id=\"q&quot; onmouseover=&quot;window.pwned=3\"")
        .contains("&lt;b&gt;bold&lt;/b&gt; &amp; &#39;single&#39; &quot;double&quot;");
    Matcher src = Pattern.compile("\\ssrc=\"([^\"]*)\"").matcher(html);
    int images = 0;
    while (src.find()) {
      images++;
      assertThat(src.group(1)).matches("(final_pngs|intermediate_files/\\d\\d_iteration/critique_pngs)/[A-Za-z0-9._-]+\\.png"
          + "|intermediate_files/(00_initial_drafts|\\d\\d_iteration/refined_svgs)/[A-Za-z0-9._-]+\\.svg");
      assertThat(out.resolve(src.group(1))).isRegularFile();
    }
    assertThat(images).isGreaterThanOrEqualTo(5);
    assertThat(html).doesNotContain("127.0.0.1:9/img\"").doesNotContain("<svg onload");
  }

  @Test
  void contentSecurityPolicyForbidsFetchesAndAllowsOnlyTheInlineCodeByHash() throws Exception {
    String html = Files.readString(hostileOut.resolve(HtmlReport.FILE_NAME));

    Matcher csp = Pattern.compile("http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\"").matcher(html);
    assertThat(csp.find()).isTrue();
    String policy = csp.group(1);
    assertThat(policy).startsWith("default-src 'none';").contains("img-src 'self'").contains("base-uri 'none'")
        .contains("form-action 'none'").doesNotContain("unsafe").doesNotContain("http");
    assertThat(policy).contains("script-src '" + sha256(between(html, "<script>", "</script>")) + "'");
    assertThat(policy).contains("style-src '" + sha256(between(html, "<style>", "</style>")) + "'");
    assertThat(html.indexOf("Content-Security-Policy")).isLessThan(html.indexOf("<style>"));
  }

  @Test
  void reportOfAnInterruptedRunShowsItsFinishedPromptsAndSkipsATornLine() throws Exception {
    Path out = SyntheticRun.write(dir.resolve("out"), 2); // a run's files without summary.json, as a killed run leaves them
    Files.writeString(out.resolve("journal.jsonl"), "{\"type\":\"run\",\"policy\":\"introspective\",\"rounds\":3,"
        + "\"stop_score\":9.0,\"started\":\"2026-01-01T00:00:00Z\"}\n");
    Files.writeString(out.resolve("results.jsonl"), "{\"id\":\"c\",\"file\":\"c\",\"sta", StandardOpenOption.APPEND);

    HtmlReport.write(out);

    String html = Files.readString(out.resolve(HtmlReport.FILE_NAME));
    assertThat(html).contains("in progress or interrupted").contains("policy introspective, 3 rounds")
        .contains("data-id=\"prompt 0\"").contains("data-id=\"prompt 1\"").doesNotContain("data-id=\"c\"");
  }

  @Test
  void aFolderWithoutARunIsRefused() {
    assertThatThrownBy(() -> HtmlReport.write(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds no run");
  }

  @Test
  void liveReportRefreshesAtMostOncePerIntervalAndWritesTheFinalOneOnClose() throws Exception {
    Path out = SyntheticRun.write(dir.resolve("out"), 3);
    Path report = out.resolve(HtmlReport.FILE_NAME);
    AtomicLong now = new AtomicLong();
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    BatchListener delegate = new BatchListener() {
      @Override
      public void started(int prompts, List<io.github.introsvg.batch.RowProblem> problems, int alreadyDone, int turns) {
        heard.add("started " + prompts);
      }
    };

    try (LiveReport live = new LiveReport(out, delegate, Duration.ofSeconds(10), Runnable::run, now::get)) {
      live.started(3, List.of(), 0, 0);
      assertThat(report).content().contains("running").contains("3 of 3");
      Files.delete(report);

      now.addAndGet(Duration.ofSeconds(5).toNanos());
      live.finished(null, null, null);
      assertThat(report).doesNotExist();

      now.addAndGet(Duration.ofSeconds(6).toNanos());
      live.finished(null, null, null);
      assertThat(report).exists();
    }

    assertThat(report).content().doesNotContain("running (").contains("no summary.json");
    assertThat(heard).containsExactly("started 3");
  }

  @Test
  void writesTheReportOfManyPromptsWithLazyImagesAndGroupedFailures() throws Exception {
    Path out = SyntheticRun.write(dir.resolve("out"), 200); // 1,400 take about a second: scripts/measure-report.sh

    long start = System.nanoTime();
    HtmlReport.write(out);
    long millis = (System.nanoTime() - start) / 1_000_000;

    String html = Files.readString(out.resolve(HtmlReport.FILE_NAME));
    assertThat(count(html, "<section class=\"prompt\"")).isEqualTo(200);
    assertThat(count(html, "<img ")).isPositive().isEqualTo(count(html, "loading=\"lazy\""));
    assertThat(html).contains("<tr><td class=\"n\">4</td><td>no usable critique of candidate 1 in 3 attempts</td></tr>");
    assertThat(millis).as("generation time, ms").isLessThan(10_000);
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
    return n;
  }

  private static String between(String s, String open, String close) {
    int start = s.indexOf(open) + open.length();
    return s.substring(start, s.indexOf(close, start));
  }

  private static String sha256(String text) throws Exception {
    return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError(line, e);
    }
  }
}
