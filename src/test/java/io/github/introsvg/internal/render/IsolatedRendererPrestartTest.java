package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Counts only its own renderers' workers (a marker on their command line), so it runs beside other classes. */
class IsolatedRendererPrestartTest {

  private final String owner = "-Dintrosvg.test.owner=" + UUID.randomUUID();

  @Test
  @Timeout(30)
  void prestartBootsEveryWorkerBeforeTheFirstRenderAndCloseEndsThem() throws Exception {
    List<ProcessHandle> workers;
    try (IsolatedRenderer renderer = renderer()) {
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

  @Test
  @Timeout(30)
  void prestartAndConcurrentRendersNeverRunMoreThanTheConfiguredWorkers() throws Exception {
    String svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><circle r=\"4\" cx=\"5\" cy=\"5\"/></svg>";
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try (IsolatedRenderer renderer = renderer()) {
      renderer.prestart(); // races the renders below for the first workers
      List<Future<Integer>> counts = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        counts.add(callers.submit(() -> {
          renderer.renderPng(svg);
          return renderWorkers().size();
        }));
      }
      for (Future<Integer> count : counts) {
        assertThat(count.get(20, TimeUnit.SECONDS)).isLessThanOrEqualTo(2);
      }
      assertThat(renderWorkers()).hasSizeLessThanOrEqualTo(2);
    } finally {
      callers.shutdownNow();
    }
  }

  private IsolatedRenderer renderer() {
    return IsolatedRenderer.builder().workers(2).timeout(Duration.ofSeconds(10)).workerJvmOptions(owner).build();
  }

  private List<ProcessHandle> renderWorkers() {
    return ProcessHandle.current().children()
        .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains(owner))
        .toList();
  }
}
