package io.github.introsvg.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class IsolatedRendererPrestartTest {

  @Test
  @Timeout(30)
  void prestartBootsEveryWorkerBeforeTheFirstRenderAndCloseEndsThem() throws Exception {
    List<ProcessHandle> workers;
    try (IsolatedRenderer renderer = IsolatedRenderer.builder().workers(2).timeout(Duration.ofSeconds(10)).build()) {
      renderer.prestart();
      do {
        workers = renderWorkers();
        Thread.sleep(20); // polling other processes; a spin would take a core from the booting workers
      } while (workers.size() < 2);

      byte[] png = renderer.renderPng("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"5\" height=\"5\"/></svg>");

      assertThat(png).startsWith(0x89, 'P', 'N', 'G');
      assertThat(renderWorkers()).hasSize(2);
    }
    for (ProcessHandle worker : workers) worker.onExit().get();
    assertThat(renderWorkers()).isEmpty();
  }

  private static List<ProcessHandle> renderWorkers() {
    return ProcessHandle.current().children()
        .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains(RenderWorker.class.getName()))
        .toList();
  }
}
