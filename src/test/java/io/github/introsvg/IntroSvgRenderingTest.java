package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.mock.MockLmdeployServer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

/** Which renderer an {@link IntroSvg} uses, and that building one starts no process. */
// @Isolated: counts this JVM's render worker processes.
@Isolated
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IntroSvgRenderingTest {

  @Test
  void buildStartsNoProcessAndTheFirstRenderStartsAWorkerThatCloseEnds() throws Exception {
    List<Long> before = liveChildren();
    List<ProcessHandle> workers;
    try (MockLmdeployServer mock = MockLmdeployServer.builder().start();
        IntroSvg introSvg = IntroSvg.builder().server(mock.baseUrl()).model(mock.model()).build()) {
      assertThat(liveChildren()).isSubsetOf(before);

      PromptResult result = introSvg.generate("a red apple");

      assertThat(result.status()).isEqualTo(PromptResult.Status.OK);
      assertThat(result.kept().orElseThrow().png()).startsWith(0x89, 'P', 'N', 'G');
      assertThat(renderWorkers()).isNotEmpty();
      workers = renderWorkers();
    }
    for (ProcessHandle worker : workers) worker.onExit().get();
    assertThat(renderWorkers()).isEmpty();
  }

  @Test
  void renderInProcessRendersWithoutAnyWorkerProcess() {
    try (MockLmdeployServer mock = MockLmdeployServer.builder().start();
        IntroSvg introSvg = IntroSvg.builder().server(mock.baseUrl()).model(mock.model()).renderInProcess().build()) {

      PromptResult result = introSvg.generate("a red apple");

      assertThat(result.status()).isEqualTo(PromptResult.Status.OK);
      assertThat(result.kept().orElseThrow().png()).startsWith(0x89, 'P', 'N', 'G');
      assertThat(renderWorkers()).isEmpty();
    }
  }

  private static List<Long> liveChildren() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
  }

  private static List<ProcessHandle> renderWorkers() {
    return ProcessHandle.current().children()
        .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains("io.github.introsvg.internal.render.RenderWorker"))
        .toList();
  }
}
