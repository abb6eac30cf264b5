package io.github.introsvg.cli;

import static io.github.introsvg.testing.Journals.json;
import static io.github.introsvg.testing.Journals.seedsOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.mock.MockLmdeployServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real process killed with SIGKILL mid-run, then resumed: nothing answered is asked again, nothing is corrupt. */
class CrashResumeTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PROMPTS = 12;

  @TempDir Path dir;

  @Test
  @Timeout(120)
  void runKilledMidWayResumesWithZeroRepeatedTurnsAndNoCorruptFile() throws Exception {
    Path out = dir.resolve("out");
    Path journal = out.resolve("journal.jsonl");

    try (MockLmdeployServer mock = MockLmdeployServer.builder().latency(Duration.ofMillis(40)).start()) {
      String[] args = runArgs(out, mock);
      Process child = startChild(args);
      awaitTurns(journal, 40, child);
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      List<String> journalAtKill = Files.readAllLines(journal);
      // The killed run's lock file still names it; only the OS lock counts, and that died with the process.
      assertThat(out.resolve(".introsvg.lock")).content().contains("\"pid\":" + child.pid() + ",");
      mock.clearRequests();

      StringWriter err = new StringWriter();
      int code = Cli.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err), CliTest.IN_PROCESS);

      assertThat(code).as(err.toString()).isZero();
      assertThat(err.toString()).contains("Resuming:");
      Set<Long> answeredBeforeKill = seedsOf(journalAtKill, out);
      List<Long> askedAfterResume = mock.requests().stream().filter(r -> r.path().equals("/v1/chat/completions"))
          .map(r -> json(r.body()).get("seed").asLong()).toList();
      assertThat(answeredBeforeKill).hasSizeGreaterThanOrEqualTo(40);
      assertThat(askedAfterResume).doesNotContainAnyElementsOf(answeredBeforeKill);
      assertThat(new HashSet<>(askedAfterResume)).hasSize(PROMPTS * 8 - answeredBeforeKill.size());
      List<String> results = Files.readAllLines(out.resolve("results.jsonl"));
      assertThat(results).hasSize(PROMPTS);
      assertThat(results.stream().map(l -> json(l).get("id").asText())).doesNotHaveDuplicates();
      assertThat(corruptFiles(out)).isEmpty();
      long repeated = askedAfterResume.stream().filter(answeredBeforeKill::contains).count();
      // Distinct seeds: requests the killed process had in flight may reach the mock's log after it was cleared.
      System.out.printf("kill -9 run: %d turns answered before the kill, %d distinct turns asked after resume, %d repeated,"
          + " %d corrupt files, %d of %d prompts in results.jsonl%n", answeredBeforeKill.size(),
          new HashSet<>(askedAfterResume).size(), repeated,
          corruptFiles(out).size(), results.size(), PROMPTS);
    }
  }

  @Test
  @Timeout(120)
  void sigtermStopsTheRunWithinSecondsWithExitCode130AndResumeRepeatsOnlyTheTurnsInFlight() throws Exception {
    Path out = dir.resolve("out");
    Path log = dir.resolve("child.log");

    try (MockLmdeployServer mock = MockLmdeployServer.builder().latency(Duration.ofMillis(40)).start()) {
      String[] args = runArgs(out, mock);
      Process child = startChild(args);
      awaitTurns(out.resolve("journal.jsonl"), 20, child);
      long t0 = System.nanoTime();
      child.destroy(); // SIGTERM: the shutdown hook stops the run
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long stopMillis = (System.nanoTime() - t0) / 1_000_000;

      assertThat(child.exitValue()).isEqualTo(ExitCodes.INTERRUPTED);
      assertThat(stopMillis).isLessThan(15_000);
      assertThat(Files.readString(log)).contains("Interrupted: ").contains("Run the same command again to resume");
      assertThat(json(Files.readString(out.resolve("summary.json"))).get("status").asText()).isEqualTo("interrupted");
      assertThat(corruptFiles(out)).isEmpty();
      List<String> journalAtStop = Files.readAllLines(out.resolve("journal.jsonl"));
      int requestsBeforeStop = (int) mock.requests().stream().filter(r -> r.path().equals("/v1/chat/completions")).count();
      mock.clearRequests();

      StringWriter err = new StringWriter();
      assertThat(Cli.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err), CliTest.IN_PROCESS)).isZero();

      assertThat(Files.readAllLines(out.resolve("results.jsonl"))).hasSize(PROMPTS);
      Set<Long> answeredBeforeStop = seedsOf(journalAtStop, out);
      Set<Long> askedAfterResume = mock.requests().stream().filter(r -> r.path().equals("/v1/chat/completions"))
          .map(r -> json(r.body()).get("seed").asLong()).collect(java.util.stream.Collectors.toSet());
      assertThat(askedAfterResume).doesNotContainAnyElementsOf(answeredBeforeStop).hasSize(PROMPTS * 8 - answeredBeforeStop.size());
      // Calls sent before the stop but never journaled: the turns in flight, the only ones asked twice.
      int inFlight = requestsBeforeStop - answeredBeforeStop.size();
      assertThat(inFlight).isBetween(0, 4);
      System.out.printf("SIGTERM run: stopped in %d ms with exit %d; %d turns journaled, %d calls in flight at the stop;"
          + " resume asked %d turns, none of the journaled ones%n", stopMillis, child.exitValue(), answeredBeforeStop.size(),
          inFlight, askedAfterResume.size());
    }
  }

  /** `run` of PROMPTS prompts into {@code out} against {@code mock}, reference policy, 4 in flight. */
  private String[] runArgs(Path out, MockLmdeployServer mock) throws Exception {
    StringBuilder csv = new StringBuilder("id,desc\n");
    for (int i = 0; i < PROMPTS; i++) csv.append("p").append(i).append(",icon number ").append(i).append('\n');
    Path prompts = Files.writeString(dir.resolve("prompts.csv"), csv);
    return new String[] {"run", prompts.toString(), "-o", out.toString(), "--server", mock.baseUrl(),
        "--policy", "reference", "--concurrency", "4"};
  }

  /** The CLI in a process of its own, its output in child.log. */
  private Process startChild(String[] args) throws Exception {
    ProcessBuilder child = new ProcessBuilder(childCommand(args)).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile());
    child.environment().putAll(CliTest.IN_PROCESS);
    return child.start();
  }

  /** {@code java -cp <the test class path> Main args}: the CLI as a user starts it. */
  static List<String> childCommand(String[] args) {
    // C1 only: a short run's JVM spends most of its CPU compiling, on a 2-core machine shared with the other tests.
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    return command;
  }

  /** Waits until the journal holds {@code turns} answered turns (or fails if the child died first). */
  static void awaitTurns(Path journal, int turns, Process child) throws Exception {
    while (true) {
      if (!child.isAlive()) throw new AssertionError("the run ended before it could be killed, exit " + child.exitValue());
      if (Files.exists(journal)) {
        try (Stream<String> lines = Files.lines(journal)) {
          if (lines.filter(l -> l.contains("\"type\":\"turn\"")).count() >= turns) return;
        } catch (java.io.UncheckedIOException torn) {
          // a line being written; look again
        }
      }
      Thread.sleep(20); // polling a file another process writes; a spin would take a core from that process
    }
  }

  /** Files that are half-written or unreadable: leftover temporaries, PNGs that don't decode, bad JSON or SVG. */
  static List<Path> corruptFiles(Path out) throws Exception {
    List<Path> corrupt = new ArrayList<>();
    try (Stream<Path> files = Files.walk(out)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        boolean ok = true;
        if (name.endsWith(".tmp")) ok = false;
        else if (name.endsWith(".png")) ok = ImageIO.read(f.toFile()) != null;
        else if (name.endsWith(".svg")) ok = Files.readString(f).strip().endsWith("</svg>");
        else if (name.endsWith(".json")) ok = parses(Files.readString(f));
        else if (name.endsWith(".jsonl")) ok = Files.readAllLines(f).stream().allMatch(CrashResumeTest::parses);
        if (!ok) corrupt.add(f);
      }
    }
    return corrupt;
  }

  private static boolean parses(String text) {
    try {
      JSON.readTree(text);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

}
