package io.github.introsvg.cli;

import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.Progress;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.RowProblem;
import io.github.introsvg.internal.Durations;
import io.github.introsvg.loop.PromptResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Progress on stderr: one line per row problem and per failed prompt, and a status line as prompts finish. */
final class ConsoleProgress implements BatchListener {

  private final Console console;
  private final String against;
  private int every = 1;

  /** @param against where and how the prompts run, e.g. "against http://gpu:23333, model M, policy P, concurrency 32" */
  ConsoleProgress(Console console, String against) {
    this.console = console;
    this.against = against;
  }

  @Override
  public void setAside(Path previousRun) {
    console.message("Starting over: the earlier run in this folder was moved to " + previousRun + ".");
  }

  @Override
  public synchronized void started(int prompts, List<RowProblem> problems, int alreadyDone, int replayableTurns) {
    problems.forEach(p -> console.message((p.skipped() ? "skipped " : "note: ") + p));
    if (alreadyDone > 0 || replayableTurns > 0) {
      console.message("Resuming: " + alreadyDone + " of " + Console.count(prompts, "prompt") + " already done, "
          + Console.count(replayableTurns, "answered turn") + " of the others will not be asked again.");
    }
    console.message("Running " + Console.count(prompts - alreadyDone, "prompt") + " " + against + ".");
    // Without a terminal to redraw, print about 20 lines in all rather than one per prompt.
    every = console.interactive() ? 1 : Math.max(1, prompts / 20);
  }

  @Override
  public synchronized void note(String message) {
    console.message("note: " + message);
  }

  @Override
  public synchronized void finished(PromptRow row, PromptResult result, Progress p) {
    if (result.status() == PromptResult.Status.FAILED) console.message("failed " + row.id() + ": " + result.error());
    if (p.done() % every == 0 || p.done() == p.total()) {
      console.status(String.format(Locale.ROOT, "[%d/%d] failed %d, mean score %s, elapsed %s, ETA %s",
          p.done(), p.total(), p.failed(), Double.isNaN(p.meanScore()) ? "-" : String.format(Locale.ROOT, "%.2f", p.meanScore()),
          Durations.clock(p.elapsed()), p.eta().map(Durations::clock).orElse("-")));
    }
    if (p.done() == p.total()) console.endStatus();
  }
}
