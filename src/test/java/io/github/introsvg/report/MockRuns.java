package io.github.introsvg.report;

import io.github.introsvg.IntroSvg;
import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.internal.render.JsvgRenderer;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.mock.FaultPlan;
import io.github.introsvg.mock.MockLmdeployServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Runs a prompts CSV against the mock through the library's front door, as a user's run would, into {@code dir/out}. */
final class MockRuns {

  /** Ids and descriptions meant to break out of text, attributes and the page: none of it may run or fetch. */
  static String hostileCsv(String leakUrl) {
    return "id,desc\n"
        + "\"<script>window.pwned=1</script>\",\"<img src=x onerror=\"\"window.pwned=2\"\"> a red apple\"\n"
        + "\"q\"\" onmouseover=\"\"window.pwned=3\",\"<b>bold</b> & 'single' \"\"double\"\" </section></main><script>window.pwned=4</script> a cup\"\n"
        + "fetcher,\"<img src=\"\"" + leakUrl + "/img\"\"><link rel=stylesheet href=\"\"" + leakUrl + "/css\"\"> a sun\"\n"
        + "styled,\"<style>body{background:url(" + leakUrl + "/style)}</style><svg onload=\"\"window.pwned=5\"\"></svg> a moon\"\n"
        + "plain,a blue umbrella\n";
  }

  /**
   * @param faults a mock fault spec such as "0.3:malformed", or null for none; malformed replies with one draft
   *     attempt make some prompts fail
   */
  static Path run(Path dir, String csv, Policy policy, String faults) throws Exception {
    Path prompts = Files.writeString(dir.resolve("prompts.csv"), csv);
    Path out = dir.resolve("out");
    MockLmdeployServer.Builder mock = MockLmdeployServer.builder().seed(11).keepRequestLog(false);
    if (faults != null) mock.faults(FaultPlan.parse(faults, 11));
    LoopSettings.Builder settings = LoopSettings.builder().policy(policy);
    if (faults != null) settings.draftAttempts(1).critiqueAttempts(1);
    try (MockLmdeployServer server = mock.start();
        IntroSvg introSvg = IntroSvg.builder().server(server.baseUrl()).renderer(new JsvgRenderer()).concurrency(4)
            .retries(1, Duration.ofMillis(1), Duration.ofMillis(1)).settings(settings.build()).build()) {
      introSvg.runBatch(prompts, out, BatchListener.NONE);
    }
    return out;
  }

  private MockRuns() {}
}
