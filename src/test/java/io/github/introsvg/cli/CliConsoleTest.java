package io.github.introsvg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a new user meets on the console in the first minutes: start and end lines, help, version, first mistakes. */
@Timeout(60)
class CliConsoleTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int cli(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return Cli.execute(args, new PrintWriter(out), new PrintWriter(err), Map.of());
  }

  @Test
  void runNamesServerModelPolicyAndConcurrencyThenEndsWithRetriesGainAndTheReport() throws Exception {
    Path prompts = Files.writeString(dir.resolve("p.csv"), "id,desc\napple,a red apple\n");
    Path outDir = dir.resolve("out");

    assertThat(cli("run", prompts.toString(), "-o", outDir.toString(), "--mock", "--concurrency", "1")).as(err.toString()).isZero();

    assertThat(err.toString())
        .containsPattern("Running 1 prompt against http://127\\.0\\.0\\.1:\\d+ \\(built-in mock\\), model \\S+, policy introspective"
            + " \\(3 rounds, stop score 9\\.0\\), concurrency 1\\.")
        .contains("1 ok, 0 failed, 0 invalid of 1 row;").contains(", 0 retries, 0 degraded results;")
        .contains("Introspection gain (kept minus draft score, 1 prompt): mean +").contains("refinement 1")
        .contains(outDir.resolve("report.html").toString());
    assertThat(outDir.resolve("report.html")).content().contains("data-id=\"apple\"");

    // Starting over says where the earlier run went, under a readable time.
    assertThat(cli("run", prompts.toString(), "-o", outDir.toString(), "--mock", "--rounds", "1", "--force-new")).isZero();
    Path aside;
    try (Stream<Path> files = Files.list(outDir)) {
      aside = files.filter(p -> p.getFileName().toString().startsWith("previous-")).findFirst().orElseThrow();
    }
    assertThat(aside.getFileName().toString()).matches("previous-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d");
    assertThat(err.toString()).contains("the earlier run in this folder was moved to " + aside);
    assertThat(aside.resolve("report.html")).exists();

    // The report command makes it again, also without the summary an interrupted run lacks.
    Files.delete(outDir.resolve("summary.json"));
    Files.delete(outDir.resolve("report.html"));
    assertThat(cli("report", outDir.toString())).as(err.toString()).isZero();
    assertThat(out.toString().strip()).isEqualTo(outDir.resolve("report.html").toString());
    assertThat(outDir.resolve("report.html")).content().contains("in progress or interrupted");
  }

  @Test
  void reportOfAFolderWithoutARunIsAUsageError() {
    assertThat(cli("report", dir.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("holds no run");
    assertThat(cli("report", dir.resolve("nope").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("nope: does not exist");
  }

  @Test
  void helpIsACommandAndMissingCommandListsEveryCommand() {
    assertThat(cli("help")).isZero();
    assertThat(out.toString()).contains("report").contains("Exit codes:");
    assertThat(cli("help", "run")).isZero();
    assertThat(out.toString()).contains("--force-new");

    assertThat(cli()).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Missing command: one of run, report, generate, bench, mock-server, render, help")
        .contains("Try 'introsvg-client --help'.");
  }

  @Test
  void versionIsTheBuiltOne() {
    assertThat(cli("-V")).isZero();
    assertThat(out.toString().strip()).matches("introsvg-client \\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void aCsvWithAHeaderAndNoRowsHasNoPrompts() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.csv"), "id,desc\n");

    assertThat(cli("run", empty.toString(), "-o", dir.resolve("o").toString(), "--mock"))
        .isEqualTo(ExitCodes.USAGE);

    assertThat(err.toString()).contains("no prompts in " + empty);
  }

  @Test
  void inputFileErrorsSayWhy() throws Exception {
    assertThat(cli("run", dir.toString(), "-o", dir.resolve("o").toString(), "--mock"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains(dir + ": is a directory");

    assertThat(cli("render", dir.toString(), "-o", dir.resolve("x.png").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("is a directory");
  }
}
