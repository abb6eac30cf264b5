package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders in worker processes end within the timeout, however hostile the SVG, and never on more than the configured
 * workers. The workers' life (memory cap, kills, close, orphans) is {@link IsolatedRendererWorkersTest}'s.
 */
// @Isolated: counts this JVM's render workers (every test's), and times renders against the timeout.
@Isolated
@Timeout(value = 15, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IsolatedRendererTest {

  // Short, as each hostile render that runs out of time costs all of it; renders here take milliseconds.
  private static final Duration TIMEOUT = Duration.ofSeconds(1);
  // Covers killing the worker and reading its EOF on a loaded CI box; timed renders run on a started worker.
  private static final long MARGIN_MILLIS = 1_500;
  private static final String[] ICONS = {
      "house-paths", "stroke-icon", "circles-opacity", "gradient-badge",
      "current-color", "wide-banner", "tall-use-transform", "size-only-dashes"};

  private static IsolatedRenderer renderer;
  private final JsvgRenderer inProcess = new JsvgRenderer();

  @BeforeAll
  static void startRenderer() {
    renderer = IsolatedRenderer.builder().workers(2).timeout(TIMEOUT).build();
  }

  @AfterAll
  static void closeRenderer() {
    renderer.close();
  }

  static Stream<String> hostileNames() {
    return HostileSvgs.all().keySet().stream();
  }

  @ParameterizedTest
  @MethodSource("hostileNames")
  void endsEveryHostileSvgWithinTheTimeout(String name) {
    String svg = HostileSvgs.all().get(name);
    warmAWorker();

    long start = System.nanoTime();
    try {
      Pngs.decode(renderer.renderPng(svg)); // some are harmless to JSVG: a real PNG is a fine ending too
    } catch (SvgRenderException expected) {
      // refused, timed out or out of memory: this candidate fails, the loop goes on
    }

    assertThat(elapsedMillis(start)).isLessThan(TIMEOUT.toMillis() + MARGIN_MILLIS);
  }

  @Test
  void timesOutASlowRenderAndRecovers() {
    warmAWorker();
    long start = System.nanoTime();
    assertThatThrownBy(() -> renderer.renderPng(HostileSvgs.manyBlurredRects(5_000)))
        .isInstanceOfSatisfying(SvgRenderException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.TIMED_OUT);
          assertThat(e).hasMessage("render took longer than 1 s");
        });
    assertThat(elapsedMillis(start)).isBetween(TIMEOUT.toMillis() - 50, TIMEOUT.toMillis() + MARGIN_MILLIS);

    String icon = RenderIsolationBenchmark.icon("gradient-badge");
    assertThat(renderer.renderPng(icon)).isEqualTo(inProcess.renderPng(icon));
  }

  @Test
  void rendersConcurrentlyOnAtMostTheConfiguredWorkers() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(6);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 48; i++) {
        String svg = RenderIsolationBenchmark.icon(ICONS[i % ICONS.length]);
        byte[] expected = inProcess.renderPng(svg);
        results.add(callers.submit(() -> {
          boolean same = java.util.Arrays.equals(renderer.renderPng(svg), expected);
          return same && workers().size() <= 2;
        }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get(10, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      callers.shutdownNow();
    }
  }

  /** Leaves a started worker idle, so a timed render measures the render and not a JVM start-up. */
  private static void warmAWorker() {
    renderer.renderPng(RenderIsolationBenchmark.icon("house-paths"));
  }

  /** Live render worker processes started by this JVM. */
  private static List<ProcessHandle> workers() {
    return ProcessHandle.current().children()
        .filter(p -> p.info().commandLine().orElse("").contains(RenderWorker.class.getName()))
        .toList();
  }

  private static long elapsedMillis(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
