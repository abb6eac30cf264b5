package io.github.introsvg.cli;

import io.github.introsvg.IntroSvg;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.Shard;
import io.github.introsvg.report.HtmlReport;
import io.github.introsvg.report.IntrospectionGain;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Turn every row of a CSV (columns id,desc) into an SVG icon, written under OUT in the reference's layout"
        + " plus results.jsonl, summary.json and report.html.")
final class RunCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "PROMPTS.csv", description = "CSV with a header row id,desc.")
  Path prompts;

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT", description = "Output directory.")
  Path out;

  @Option(names = "--concurrency", paramLabel = "N",
      description = "Prompts in flight at once; keep the server's batch full. Default: ${DEFAULT-VALUE}.")
  int concurrency = IntroSvg.DEFAULT_CONCURRENCY;

  @Option(names = "--force-new",
      description = "Start over in OUT even if it holds a run with other settings (the old run is moved to OUT/previous-TIME).")
  boolean forceNew;

  @Option(names = "--shard", paramLabel = "I/N",
      description = "Run only the rows whose id hashes to share I of N (1 <= I <= N): N machines or pods split one CSV"
          + " without coordination, each into its own OUT.")
  String shard;

  @Mixin ServerOptions server;
  @ParentCommand Cli cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (concurrency < 1) throw new Failure.UsageException("--concurrency must be 1 or more, not " + concurrency);
    Shard share;
    try {
      share = shard == null ? Shard.ALL : Shard.parse(shard);
    } catch (IllegalArgumentException e) {
      throw new Failure.UsageException("--" + e.getMessage());
    }
    Console console = new Console(spec.commandLine().getErr(), System.console() != null);
    ConsoleLogAppender.routeTo(console);
    try (ServerOptions.Session session = server.open(cli.env, concurrency, console, Optional.empty())) {
      ConsoleProgress progress = new ConsoleProgress(console, server.describe(session, concurrency));
      BatchSummary s = session.introSvg().runBatch(prompts, out, progress, forceNew, share);
      console.message(String.format(Locale.ROOT, "Done: %d ok, %d failed, %d invalid of %s; mean final score %s; %s, %s,"
              + " %s; %.1f s.", s.ok(), s.failed(), s.invalid(), Console.count(s.rows(), "row"),
          Double.isNaN(s.meanFinalScore()) ? "-" : String.format(Locale.ROOT, "%.2f", s.meanFinalScore()),
          Console.count(s.calls(), "call"), Console.count(session.introSvg().retries(), "retry", "retries"),
          Console.count(s.degraded(), "degraded result"), s.elapsed().toMillis() / 1000.0));
      console.message(IntrospectionGain.of(out).table().stripTrailing());
      console.message("Results in " + out.resolve("results.jsonl") + "; look at them in " + out.resolve(HtmlReport.FILE_NAME));
      if (session.mock() != null) console.message("Mock run: the icons are placeholder art, not IntroSVG's.");
      return s.allSucceeded() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    } finally {
      ConsoleLogAppender.release(console);
    }
  }
}
