package io.github.introsvg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/** {@code --render-in-process} and {@code $INTROSVG_RENDER_IN_PROCESS}: whether a run starts render worker processes. */
// @Isolated: watches this JVM's child processes, which other test classes' runs would add to.
@Isolated
@Timeout(60)
class RenderInProcessOptionTest {

  @TempDir Path dir;
  private final StringWriter err = new StringWriter();

  @Test
  void byDefaultARunRendersInWorkerProcesses() throws Exception {
    assertThat(workerSeenDuring(Map.of(), "run", csv(), "-o", dir.resolve("out").toString(), "--mock")).isTrue();
  }

  @Test
  void theEnvironmentVariableKeepsRenderingInThisJvm() throws Exception {
    assertThat(workerSeenDuring(Map.of("INTROSVG_RENDER_IN_PROCESS", "true"), "run", csv(), "-o", dir.resolve("out").toString(),
        "--mock")).isFalse();
    assertThat(dir.resolve("out/final_pngs/a.png")).isNotEmptyFile();
  }

  @Test
  void theFlagWinsOverTheEnvironment() throws Exception {
    assertThat(workerSeenDuring(Map.of("INTROSVG_RENDER_IN_PROCESS", "true"), "run", csv(), "-o", dir.resolve("out").toString(),
        "--mock", "--no-render-in-process")).isTrue();
  }

  @Test
  void aValueOtherThanTrueOrFalseIsAUsageError() throws Exception {
    int code = Cli.execute(new String[] {"run", csv(), "-o", dir.resolve("out").toString(), "--mock"},
        new PrintWriter(new StringWriter()), new PrintWriter(err, true), Map.of("INTROSVG_RENDER_IN_PROCESS", "yes"));

    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("$INTROSVG_RENDER_IN_PROCESS must be true or false, not \"yes\"");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  private String csv() throws Exception {
    return Files.writeString(dir.resolve("prompts.csv"), "id,desc\na,a red apple\nb,a blue cup\n").toString();
  }

  /** Runs the command line while a thread looks for a render worker among this JVM's children; the exit code must be 0. */
  private boolean workerSeenDuring(Map<String, String> env, String... args) throws Exception {
    AtomicBoolean seen = new AtomicBoolean();
    AtomicBoolean done = new AtomicBoolean();
    Thread watcher = new Thread(() -> {
      while (!done.get() && !seen.get()) {
        seen.compareAndSet(false, ProcessHandle.current().children()
            .anyMatch(p -> p.info().commandLine().orElse("").contains("io.github.introsvg.internal.render.RenderWorker")));
        LockSupport.parkNanos(1_000_000); // a worker lives for the whole run; spinning would take a core from it
      }
    });
    watcher.start();
    try {
      int code = Cli.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err, true), env);
      assertThat(code).as(err.toString()).isZero();
    } finally {
      done.set(true);
      watcher.join();
    }
    return seen.get();
  }
}
