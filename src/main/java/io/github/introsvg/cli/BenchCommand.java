package io.github.introsvg.cli;

import io.github.introsvg.bench.BenchLevel;
import io.github.introsvg.bench.BenchRecorder;
import io.github.introsvg.bench.BenchTable;
import io.github.introsvg.bench.ClientGaps;
import io.github.introsvg.bench.PromptSubset;
import io.github.introsvg.mock.EngineStats;
import io.github.introsvg.mock.LatencyModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run the loop over N prompts at each concurrency and print throughput, turn latency and client CPU;"
        + " against --mock also how close the run came to the simulated GPU's ideal. Use it to choose --concurrency.")
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--prompts", paramLabel = "CSV", defaultValue = "example/prompts.csv",
      description = "Prompts file (id,desc). Default: ${DEFAULT-VALUE}.")
  Path prompts;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100", 
      description = "Prompts per level; past the file's end its rows repeat, with ids ID~2, ID~3, ..."
          + " Default: ${DEFAULT-VALUE}.")
  int limit;

  @Option(names = "--concurrency", paramLabel = "N,N,...", split = ",", defaultValue = "1,8,32,128",
      description = "Concurrency levels to run, one after the other. Default: ${DEFAULT-VALUE}.")
  List<Integer> levels;

  @Option(names = "--slots", paramLabel = "B", defaultValue = "64",
      description = "With --mock: sequences the simulated GPU decodes together (lmdeploy's max batch size). Default: ${DEFAULT-VALUE}.")
  int slots;

  @Option(names = "--time-scale", paramLabel = "S", defaultValue = "0.01",
      description = "With --mock: wall seconds per simulated GPU second (0.01 = 100x faster than a real GPU; 0 = answer at once)."
          + " Default: ${DEFAULT-VALUE}.")
  double timeScale;

  @Option(names = "--keep", paramLabel = "DIR", description = "Keep each level's output under DIR/cN instead of deleting it.")
  Path keep;

  @Mixin ServerOptions server;
  private Optional<Duration> firstRequest; // measured on the first level only
  @ParentCommand Cli cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (limit < 1) throw new Failure.UsageException("--limit must be 1 or more, not " + limit);
    if (levels.stream().anyMatch(c -> c < 1)) throw new Failure.UsageException("--concurrency levels must be 1 or more");
    if (slots < 1 || !(timeScale >= 0)) throw new Failure.UsageException("--slots must be positive and --time-scale 0 or more");
    PrintWriter err = spec.commandLine().getErr();
    Path work = Files.createTempDirectory("introsvg-bench");
    try {
      Path subset = work.resolve("prompts.csv");
      int count = PromptSubset.write(prompts, limit, subset);
      // --time-scale 0: a mock that answers at once, to measure the client's own cost.
      Optional<LatencyModel> latency = server.mock && timeScale > 0
          ? Optional.of(LatencyModel.builder().slots(slots).timeScale(timeScale).build()) : Optional.empty();
      List<BenchLevel> results = new ArrayList<>();
      for (int concurrency : levels) {
        err.printf(Locale.ROOT, "concurrency %d: %d prompts...%n", concurrency, count);
        err.flush();
        results.add(runLevel(concurrency, subset, keep != null ? keep.resolve("c" + concurrency) : work.resolve("c" + concurrency),
            latency, err));
      }
      PrintWriter out = spec.commandLine().getOut();
      out.print(BenchTable.format(results));
      out.printf(Locale.ROOT, "%nThe client's time from a reply to that prompt's next request (JFR events, docs/performance.md):%n%n");
      out.print(BenchTable.formatGaps(results));
      if (firstRequest != null) {
        firstRequest.ifPresent(d -> out.printf(Locale.ROOT, "%nlaunch to first request: %.2f s (JVM start to the mock's first"
            + " chat request, starting the in-process mock included)%n", d.toMillis() / 1000.0));
      }
      if (server.mock && latency.isEmpty()) out.printf(Locale.ROOT, "%nmock answering at once: the client's own cost, no GPU time.%n");
      latency.ifPresent(m -> out.printf(Locale.ROOT, "%nmock: %d slots, time scale %s; ideal = the same tokens on an always-full batch"
          + " (docs/performance.md).%n", m.slots(), m.timeScale()));
      out.flush();
      return results.stream().allMatch(l -> l.failed() == 0) ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    } finally {
      deleteTree(work);
    }
  }

  private BenchLevel runLevel(int concurrency, Path csv, Path out, Optional<LatencyModel> latency, PrintWriter err) {
    try (ServerOptions.Session session = server.open(cli.env, concurrency, err, latency);
        ClientGaps.Recorder gapRecorder = ClientGaps.recorder()) {
      BenchRecorder recorder = new BenchRecorder(() -> new Thread(gapRecorder::start, "bench-jfr").start());
      long start = System.nanoTime();
      session.introSvg().runBatch(csv, out, recorder, true);
      Duration wall = Duration.ofNanos(System.nanoTime() - start);
      ClientGaps gaps = gapRecorder.stop();
      if (firstRequest == null && session.mock() != null) {
        // From the JVM's start to the mock's first chat request: what a user waits for before the GPU gets work.
        firstRequest = session.mock().firstChatRequestAt()
            .map(at -> Duration.between(Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()), at));
      }
      // N simulated GPUs: the same tokens spread evenly, each on an always-full batch.
      List<Duration> ideals = session.mocks().stream().flatMap(m -> m.engineStats().stream())
          .map(EngineStats::idealWallTime).toList();
      Optional<Duration> ideal = ideals.isEmpty() ? Optional.empty()
          : Optional.of(ideals.stream().reduce(Duration.ZERO, Duration::plus).dividedBy(ideals.size()));
      if (session.mocks().size() > 1) {
        err.println("requests per mock server: " + session.mocks().stream()
            .map(m -> Long.toString(m.engineStats().map(EngineStats::requests).orElse(0L))).toList());
      }
      return recorder.level(concurrency, wall, renderWorkerCpu(), ideal, gaps);
    }
  }

  /** CPU of this JVM's child processes: the session's render workers (earlier sessions' were closed). */
  private static Duration renderWorkerCpu() {
    return ProcessHandle.current().children()
        .map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
        .reduce(Duration.ZERO, Duration::plus);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("can't delete " + root + ": " + e.getMessage(), e);
    }
  }
}
