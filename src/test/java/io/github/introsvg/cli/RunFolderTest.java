package io.github.introsvg.cli;

import static io.github.introsvg.testing.Journals.json;
import static io.github.introsvg.testing.Journals.seedsOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.mock.FaultPlan;
import io.github.introsvg.mock.MockLmdeployServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The run folder as a user meets it: one owner, errors that say why, files that follow the umask, full disks. */
@EnabledOnOs(OS.LINUX) // bash, ulimit, umask, tmpfs
class RunFolderTest {

  private static final int PROMPTS = 12;

  @TempDir Path dir;
  private final StringWriter err = new StringWriter();

  @Test
  @Timeout(120)
  void secondRunOnTheSameOutIsRefusedWithinSecondsWhileTheFirstFinishesWithEveryJournalLineParsing() throws Exception {
    Path out = dir.resolve("out");
    // Past its first 8 chat calls, the first run's calls are held until the second process has ended: the first
    // is then surely still running, with no latency to wait out after.
    CountDownLatch secondEnded = new CountDownLatch(1);
    AtomicInteger chats = new AtomicInteger();
    FaultPlan holdAfterEight = (request, sequence) -> {
      if (request.path().equals("/v1/chat/completions") && chats.incrementAndGet() > 8) {
        try {
          secondEnded.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return Optional.empty();
    };
    try (MockLmdeployServer mock = MockLmdeployServer.builder().faults(holdAfterEight).start()) {
      String[] args = runArgs(out, mock.baseUrl());
      Process first = child(List.of(), args, "first.log");
      CrashResumeTest.awaitTurns(out.resolve("journal.jsonl"), 1, first);

      long t0 = System.nanoTime();
      Process second = child(List.of(), args, "second.log");
      boolean secondExited = second.waitFor(60, TimeUnit.SECONDS);
      long refusedMillis = (System.nanoTime() - t0) / 1_000_000;
      boolean firstStillRunning = first.isAlive();
      secondEnded.countDown();
      assertThat(secondExited).isTrue();
      assertThat(first.waitFor(90, TimeUnit.SECONDS)).isTrue();

      String refusal = Files.readString(dir.resolve("second.log"));
      assertThat(second.exitValue()).as(refusal).isEqualTo(ExitCodes.OUT_BUSY);
      assertThat(refusal).contains(out + " is in use by another run (pid " + first.pid() + " on ").contains("started ");
      assertThat(firstStillRunning).isTrue();
      assertThat(first.exitValue()).as(Files.readString(dir.resolve("first.log"))).isZero();
      List<String> journal = Files.readAllLines(out.resolve("journal.jsonl"));
      assertThat(journal).allSatisfy(line -> assertThat(json(line).isObject()).isTrue());
      assertThat(journal.stream().filter(l -> l.contains("\"type\":\"run\""))).hasSize(1);
      assertThat(journal.stream().filter(l -> l.contains("\"type\":\"turn\""))).hasSize(PROMPTS * 8);
      assertThat(Files.readAllLines(out.resolve("results.jsonl"))).hasSize(PROMPTS);
      assertThat(CrashResumeTest.corruptFiles(out)).isEmpty();
      // As many calls as turns: the refused run asked the server nothing.
      assertThat(mock.requests().stream().filter(r -> r.path().equals("/v1/chat/completions"))).hasSize(PROMPTS * 8);
      System.out.printf("second process on the same OUT: exit %d after %d ms (JVM start included); first: exit %d,"
          + " %d journal lines, all parse, %d chat calls for %d turns%n", second.exitValue(), refusedMillis,
          first.exitValue(), journal.size(), PROMPTS * 8, PROMPTS * 8);
    }
  }

  @Test
  @Timeout(120)
  void outputFilesFollowTheUmask() throws Exception {
    Path out = dir.resolve("out");
    Process run = child(List.of("umask 027"), new String[] {"run", csv(2).toString(), "-o", out.toString(), "--mock"}, "child.log");
    assertThat(run.waitFor(90, TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).as(Files.readString(dir.resolve("child.log"))).isZero();

    Map<String, Set<String>> modes;
    try (Stream<Path> files = Files.walk(out)) {
      modes = files.filter(p -> !p.equals(out)).collect(Collectors.groupingBy(p -> Files.isDirectory(p) ? "dir" : "file",
          Collectors.mapping(RunFolderTest::mode, Collectors.toSet())));
    }
    assertThat(modes.get("file")).containsExactly("rw-r-----");
    assertThat(modes.get("dir")).containsExactly("rwxr-x---");
    System.out.printf("umask 027: every file %s, every directory %s%n", modes.get("file"), modes.get("dir"));
  }

  @Test
  @Timeout(60)
  void outThatIsAFileIsRefusedNamingTheCause() throws Exception {
    Path file = Files.writeString(dir.resolve("out.txt"), "not a folder");

    assertThat(cli("run", csv(1).toString(), "-o", file.toString(), "--mock")).isEqualTo(ExitCodes.OUTPUT_FAILED);
    assertThat(cli("run", csv(1).toString(), "-o", file.resolve("sub").toString(), "--mock")).isEqualTo(ExitCodes.OUTPUT_FAILED);

    assertThat(err.toString().lines().filter(l -> l.startsWith("introsvg-client:")).toList()).containsExactly(
        "introsvg-client: can't create output directory " + file + ": it is a file, not a directory",
        "introsvg-client: can't create output directory " + file.resolve("sub") + ": " + file + " is a file, not a directory");
    assertThat(file).hasContent("not a folder");
  }

  @Test
  @Timeout(60)
  void outThatCanNotBeWrittenSaysPermissionDenied() throws Exception {
    Assumptions.assumeFalse(isRoot(), "running as root, which no file permission stops; the cause's wording is"
        + " checked by FileProblemsTest");
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("r-x------"));

    assertThat(cli("run", csv(1).toString(), "-o", out.toString(), "--mock")).isEqualTo(ExitCodes.OUTPUT_FAILED);

    assertThat(err.toString()).contains(out.resolve(".introsvg.lock") + ": permission denied");
  }

  @Test
  @Timeout(180)
  void fileSizeLimitStopsTheRunWithExit5NamingTheCauseAndTheJournalResumes() throws Exception {
    Path out = dir.resolve("out");
    try (MockLmdeployServer mock = MockLmdeployServer.builder().start()) {
      String[] args = runArgs(out, mock.baseUrl());
      // 64 KiB: the journal grows past it part-way through; the JVM ignores SIGXFSZ, so the write fails with EFBIG.
      Process limited = child(List.of("ulimit -f 64"), args, "child.log");
      assertThat(limited.waitFor(90, TimeUnit.SECONDS)).isTrue();
      String log = Files.readString(dir.resolve("child.log"));

      assertThat(limited.exitValue()).as(log).isEqualTo(ExitCodes.OUTPUT_FAILED);
      String message = log.lines().filter(l -> l.startsWith("introsvg-client: can't")).findFirst().orElseThrow(() -> new AssertionError(log));
      assertThat(message).contains("file too large (a file-size limit?");
      byte[] journalAtStop = Files.readAllBytes(out.resolve("journal.jsonl"));

      ResumeFigures figures = resume(args, out, mock);
      System.out.printf("ulimit -f 64: exit %d (%s); journal %d bytes; resume: %s%n", limited.exitValue(),
          message.substring("introsvg-client: ".length()), journalAtStop.length, figures);
    }
  }

  @Test
  @Timeout(180)
  void fullDiskStopsTheRunWithExit5NamingTheCauseAndTheJournalResumes() throws Exception {
    Path disk = Files.createDirectories(dir.resolve("disk"));
    // A 256 KiB tmpfs fills part-way through 12 prompts; mounting needs root (CAP_SYS_ADMIN): skip where not allowed.
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk.toString())
        .redirectErrorStream(true).start();
    boolean mounted = mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
    Assumptions.assumeTrue(mounted, () -> "can't mount a small tmpfs here to fill up (needs root or CAP_SYS_ADMIN): "
        + new String(readQuietly(mount), StandardCharsets.UTF_8).strip());
    try (MockLmdeployServer mock = MockLmdeployServer.builder().start()) {
      Path out = disk.resolve("out");
      String[] args = runArgs(out, mock.baseUrl());

      int code = cli(args);

      String message = err.toString().lines().filter(l -> l.startsWith("introsvg-client:")).findFirst().orElseThrow();
      assertThat(code).as(err.toString()).isEqualTo(ExitCodes.OUTPUT_FAILED);
      assertThat(message).contains("no space left on device");
      long journalAtStop = Files.size(out.resolve("journal.jsonl"));
      assertThat(run("mount", "-o", "remount,size=64m", disk.toString())).isZero(); // room again, as after cleaning up

      ResumeFigures figures = resume(args, out, mock);
      System.out.printf("256 KiB tmpfs: exit %d (%s); journal %d bytes; after making room, resume: %s%n", code,
          message.substring("introsvg-client: ".length()), journalAtStop, figures);
    } finally {
      run("umount", disk.toString());
    }
  }

  /** What a resume after a stop did; asserts it finished every prompt and asked no journaled turn again. */
  private record ResumeFigures(int keptTurns, int askedAgain, int repeated, int results, List<String> notes) {
    @Override
    public String toString() {
      return keptTurns + " journaled turns kept, " + askedAgain + " asked, " + repeated + " repeated, " + results
          + " of " + PROMPTS + " result lines" + (notes.isEmpty() ? "" : ", " + notes);
    }
  }

  private ResumeFigures resume(String[] args, Path out, MockLmdeployServer mock) throws Exception {
    List<String> journal = new ArrayList<>();
    for (String line : new String(Files.readAllBytes(out.resolve("journal.jsonl")), StandardCharsets.UTF_8).split("\n")) {
      journal.add(line);
    }
    mock.clearRequests();
    err.getBuffer().setLength(0);

    int code = cli(args);

    assertThat(code).as(err.toString()).isZero();
    Set<Long> kept = seedsOf(journal, out);
    List<Long> asked = mock.requests().stream().filter(r -> r.path().equals("/v1/chat/completions"))
        .map(r -> json(r.body()).get("seed").asLong()).toList();
    assertThat(asked).doesNotContainAnyElementsOf(kept);
    assertThat(new HashSet<>(asked)).hasSize(PROMPTS * 8 - kept.size());
    List<String> results = Files.readAllLines(out.resolve("results.jsonl"));
    assertThat(results).hasSize(PROMPTS);
    assertThat(CrashResumeTest.corruptFiles(out)).isEmpty();
    List<String> notes = err.toString().lines().filter(l -> l.startsWith("note: dropped")).toList();
    return new ResumeFigures(kept.size(), new HashSet<>(asked).size(), (int) asked.stream().filter(kept::contains).count(),
        results.size(), notes);
  }

  private int cli(String... args) {
    return Cli.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err, true), CliTest.IN_PROCESS);
  }

  /** The CLI as a child process, after {@code setup} shell commands (umask, ulimit); its output in {@code log}. */
  private Process child(List<String> setup, String[] args, String log) throws Exception {
    String java = CrashResumeTest.childCommand(args).stream().map(RunFolderTest::shellQuote).collect(Collectors.joining(" "));
    String script = String.join("; ", setup) + (setup.isEmpty() ? "" : "; ") + "exec " + java;
    ProcessBuilder child = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile());
    child.environment().putAll(CliTest.IN_PROCESS); // about folders and files, not rendering: no worker JVMs
    return child.start();
  }

  private String[] runArgs(Path out, String server) throws Exception {
    return new String[] {"run", csv(PROMPTS).toString(), "-o", out.toString(), "--server", server,
        "--policy", "reference", "--concurrency", "4"};
  }

  private Path csv(int prompts) throws Exception {
    StringBuilder csv = new StringBuilder("id,desc\n");
    for (int i = 0; i < prompts; i++) csv.append("p").append(i).append(",icon number ").append(i).append('\n');
    return Files.writeString(dir.resolve("prompts.csv"), csv);
  }

  private static String mode(Path p) {
    try {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    } catch (Exception e) {
      throw new AssertionError(p.toString(), e);
    }
  }

  private static boolean isRoot() {
    return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  }

  private static int run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }

  private static byte[] readQuietly(Process p) {
    try {
      return p.getInputStream().readAllBytes();
    } catch (Exception e) {
      return new byte[0];
    }
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
