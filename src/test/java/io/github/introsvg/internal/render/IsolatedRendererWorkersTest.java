package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Renders in worker processes are byte-identical and keep the in-process refusals; and the workers' life: out of
 * memory, killed from outside, closed mid-render, orphaned. Every process it counts or kills carries its renderer's
 * own marker, and its time limits are generous (seconds, for renders of milliseconds), so it runs beside other
 * classes; the renders timed against a tight bound, and the worker count, are {@link IsolatedRendererTest}'s.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IsolatedRendererWorkersTest {

  private static final String[] ICONS = {
      "house-paths", "stroke-icon", "circles-opacity", "gradient-badge",
      "current-color", "wide-banner", "tall-use-transform", "size-only-dashes"};

  /** A system property on a renderer's workers' command line, to find them among this JVM's children. */
  private static final String SHARED = owner();

  private static IsolatedRenderer renderer;
  private final JsvgRenderer inProcess = new JsvgRenderer();

  @BeforeAll
  static void startRenderer() {
    renderer = IsolatedRenderer.builder().workers(2).timeout(Duration.ofSeconds(20)).workerJvmOptions(SHARED).build();
  }

  @AfterAll
  static void closeRenderer() {
    renderer.close();
  }

  @Test
  void rendersIconsByteIdenticalToInProcessRenderer() {
    for (String icon : ICONS) {
      String svg = RenderIsolationBenchmark.icon(icon);

      assertThat(renderer.renderPng(svg)).as(icon).isEqualTo(inProcess.renderPng(svg));
    }
  }

  @Test
  void keepsRefusalReasonsOfTheInProcessRenderer() {
    assertReason(HostileSvgs.nestedGroups(200_000), Reason.TOO_LARGE);
    assertReason(HostileSvgs.nestedGroups(30_000), Reason.MALFORMED);
    assertReason("\u001f\u008b", Reason.UNSAFE);
  }

  @Test
  void reportsWorkerOutOfMemoryAsFailedAndRecovers() {
    // Its own renderer with a timeout the heap cap always beats: on a loaded machine, 2 s may pass before
    // the worker has allocated its 96 MB, and the render would end as TIMED_OUT instead.
    try (IsolatedRenderer patient = IsolatedRenderer.builder().workers(1).timeout(Duration.ofSeconds(12)).build()) {
      // 32 KB of SVG that takes over a gigabyte of heap in-process: the worker's 96 MB cap stops it.
      assertThatThrownBy(() -> patient.renderPng(HostileSvgs.filterKeepingResults(1_000)))
          .isInstanceOfSatisfying(SvgRenderException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.FAILED);
            assertThat(e).hasMessageContaining("out of memory");
          });

      String icon = RenderIsolationBenchmark.icon("stroke-icon");
      assertThat(patient.renderPng(icon)).isEqualTo(inProcess.renderPng(icon));
    }
  }

  @Test
  void replacesAWorkerKilledFromOutside() {
    String icon = RenderIsolationBenchmark.icon("house-paths");
    renderer.renderPng(icon);
    List<ProcessHandle> workers = workers(SHARED);
    assertThat(workers).isNotEmpty();
    for (ProcessHandle worker : workers) {
      worker.destroyForcibly();
      worker.onExit().join();
    }

    assertThat(renderer.renderPng(icon)).isEqualTo(inProcess.renderPng(icon));
  }

  @Test
  void closeKillsEveryWorkerEvenMidRender() throws Exception {
    String mine = owner();
    IsolatedRenderer own = IsolatedRenderer.builder().workers(2).timeout(Duration.ofSeconds(30))
        .workerJvmOptions(mine).build();
    ExecutorService callers = Executors.newFixedThreadPool(2);
    List<Future<byte[]>> busy = List.of(
        callers.submit(() -> own.renderPng(HostileSvgs.manyBlurredRects(5_000))),
        callers.submit(() -> own.renderPng(HostileSvgs.blurChain(1_000))));
    List<ProcessHandle> started = waitForWorkers(mine, 2);

    own.close();

    assertThat(started).hasSize(2).noneMatch(ProcessHandle::isAlive);
    assertThat(pids(ProcessHandle.current().descendants().toList())).doesNotContainAnyElementsOf(pids(started));
    for (Future<byte[]> render : busy) {
      assertThatThrownBy(() -> render.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(SvgRenderException.class);
    }
    assertThatThrownBy(() -> own.renderPng("<svg/>")).isInstanceOf(IllegalStateException.class);
    callers.shutdownNow();
  }

  @Test
  void workerHaltsItselfWhenARenderOutlivesItsDeadline() throws Exception {
    // Covers a parent killed with SIGKILL: nobody is left to kill the worker, so it must stop on its own.
    Process worker = startWorkerByHand();
    try (DataOutputStream in = new DataOutputStream(worker.getOutputStream())) {
      byte[] svg = HostileSvgs.manyBlurredRects(5_000).getBytes(StandardCharsets.UTF_8);
      in.writeInt(svg.length);
      in.write(svg);
      in.flush();

      assertThat(worker.waitFor(8, TimeUnit.SECONDS)).isTrue();
      assertThat(worker.exitValue()).isEqualTo(RenderWorker.EXIT_DEADLINE);
    } finally {
      worker.destroyForcibly();
    }
  }

  @Test
  void workerSaysReadyAndExitsWhenItsStdinCloses() throws Exception {
    // Covers the parent dying (even by SIGKILL) while the worker is idle: the OS closes the pipe, the worker ends.
    Process worker = startWorkerByHand();
    try {
      assertThat(worker.getInputStream().read()).isEqualTo(RenderWorker.READY);

      worker.getOutputStream().close();

      assertThat(worker.waitFor(5, TimeUnit.SECONDS)).isTrue();
      assertThat(worker.exitValue()).isZero();
    } finally {
      worker.destroyForcibly();
    }
  }

  @Test
  void rejectsBadSettings() {
    assertThatThrownBy(() -> IsolatedRenderer.builder().workers(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IsolatedRenderer.builder().timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> IsolatedRenderer.builder().workerHeap("96m -XX:+Foo")).isInstanceOf(IllegalArgumentException.class);
  }

  private void assertReason(String svg, Reason reason) {
    assertThatThrownBy(() -> renderer.renderPng(svg))
        .isInstanceOfSatisfying(SvgRenderException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  /** A render worker started as the renderer starts one, with a 500 ms render deadline, but with no renderer. */
  private static Process startWorkerByHand() throws IOException {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m",
        "-cp", System.getProperty("java.class.path"), RenderWorker.class.getName(), "500")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static String owner() {
    return "-Dintrosvg.test.owner=" + UUID.randomUUID();
  }

  /** Live worker processes of the renderer started with {@code owner}, as the OS lists this JVM's children. */
  private static List<ProcessHandle> workers(String owner) {
    return ProcessHandle.current().children()
        .filter(p -> p.info().commandLine().orElse("").contains(owner))
        .toList();
  }

  private static List<ProcessHandle> waitForWorkers(String owner, int count) throws InterruptedException {
    while (true) { // bounded by the class @Timeout
      List<ProcessHandle> started = workers(owner);
      if (started.size() >= count) {
        return started;
      }
      Thread.sleep(10); // polling for a child process to appear; there is nothing to wait on
    }
  }

  private static Set<Long> pids(List<ProcessHandle> processes) {
    return processes.stream().map(ProcessHandle::pid).collect(Collectors.toSet());
  }
}
