package io.github.introsvg.cli;

import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.Shard;
import java.nio.file.Path;
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
        + " plus results.jsonl and summary.json.")
final class RunCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "PROMPTS.csv", description = "CSV with a header row id,desc.")
  Path prompts;

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT", description = "Output directory.")
  Path out;

  @Option(names = "--concurrency", paramLabel = "N", defaultValue = "32",
      description = "Prompts in flight at once; keep the server's batch full. Default: ${DEFAULT-VALUE}.")
  int concurrency;

  @Option(names = "--force-new",
      description = "Start over in OUT even if it holds a run with other settings (the old journal is set aside).")
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
    var err = spec.commandLine().getErr();
    try (ServerOptions.Session session = server.open(cli.env, concurrency, err)) {
      BatchSummary s = session.introSvg().runBatch(prompts, out, new ConsoleProgress(err, System.console() != null), forceNew, share);
      err.printf("Done: %d ok, %d failed, %d invalid rows of %d; mean final score %s; %d calls; %.1f s. Results in %s%n",
          s.ok(), s.failed(), s.invalid(), s.rows(),
          Double.isNaN(s.meanFinalScore()) ? "-" : String.format("%.2f", s.meanFinalScore()),
          s.calls(), s.elapsed().toMillis() / 1000.0, out.resolve("results.jsonl"));
      if (session.mock() != null) err.println("Mock run: the icons are placeholder art, not IntroSVG's.");
      return s.allSucceeded() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    }
  }
}
