package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/** A worker's JVM start-up has its own allowance, apart from the render timeout, and a failed one says why. */
// @Isolated: a worker's start-up and render are timed against short allowances.
@Isolated
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IsolatedRendererStartTest {

  private static final String ICON = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"5\" height=\"5\"/></svg>";

  @TempDir
  Path dir;

  @Test
  void slowWorkerStartDoesNotCountAgainstTheRenderTimeout() throws IOException {
    try (IsolatedRenderer renderer = IsolatedRenderer.builder().workers(1).timeout(Duration.ofSeconds(1))
        .workerJvmOptions(slowStart(1_500)).build()) {

      assertThat(renderer.renderPng(ICON)).isEqualTo(new JsvgRenderer().renderPng(ICON));
    }
  }

  @Test
  void failsAWorkerThatDoesNotStartWithinTheStartTimeout() throws IOException {
    try (IsolatedRenderer renderer = IsolatedRenderer.builder().workers(1).timeout(Duration.ofSeconds(5))
        .startTimeout(Duration.ofMillis(500)).workerJvmOptions(slowStart(30_000)).build()) {
      long start = System.nanoTime();

      assertThatThrownBy(() -> renderer.renderPng(ICON))
          .isInstanceOfSatisfying(SvgRenderException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.FAILED);
            assertThat(e).hasMessage("render worker did not start within 500 ms");
          });
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000);
    }
  }

  @Test
  void aWorkerThatCannotStartFailsWithWhatItPrintedAndWhatToDo() {
    try (IsolatedRenderer renderer = IsolatedRenderer.builder().workers(1)
        .workerJvmOptions("-XX:+NoSuchOptionForIntroSvgTests").build()) {

      assertThatThrownBy(() -> renderer.renderPng(ICON))
          .isInstanceOfSatisfying(SvgRenderException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.FAILED);
            assertThat(e.getMessage())
                .startsWith("render worker did not start (exit code 1); the last lines of its stderr:\n")
                .contains("  Unrecognized VM option 'NoSuchOptionForIntroSvgTests'")
                .contains("its command: ", " -cp ", RenderWorker.class.getName())
                .endsWith("build IntroSvg with renderInProcess(); see docs/library.md");
          });
    }
  }

  @Test
  void aFailedStartReportsTheLastTwentyLinesOfStderr() throws IOException {
    try (IsolatedRenderer renderer = IsolatedRenderer.builder().workers(1)
        .workerJvmOptions(agent(FailingStartAgent.class, "30")).build()) {

      assertThatThrownBy(() -> renderer.renderPng(ICON))
          .hasMessageContaining("  failing start line 11\n  failing start line 12\n")
          .hasMessageContaining("  failing start line 30\nits command: ")
          .hasMessageNotContaining("failing start line 10\n");
    }
  }

  /** A JVM option that delays the worker's start-up by {@code millis}. */
  private String slowStart(long millis) throws IOException {
    return agent(SlowStartAgent.class, Long.toString(millis));
  }

  /** A {@code -javaagent} option running {@code agent}'s premain with {@code args} before the worker's main. */
  private String agent(Class<?> agent, String args) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), agent.getName());
    Path jar = dir.resolve(agent.getSimpleName() + ".jar"); // carries the class: the worker's -cp is the library's only
    String entry = agent.getName().replace('.', '/') + ".class";
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out, manifest);
        InputStream in = agent.getClassLoader().getResourceAsStream(entry)) {
      zip.putNextEntry(new JarEntry(entry));
      in.transferTo(zip);
      zip.closeEntry();
    }
    return "-javaagent:" + jar + "=" + args;
  }
}
