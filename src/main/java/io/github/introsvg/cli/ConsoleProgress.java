package io.github.introsvg.cli;

import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.Progress;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.RowProblem;
import io.github.introsvg.loop.PromptResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

/** Progress on stderr: one line per row problem and per failed prompt, and a status line as prompts finish. */
final class ConsoleProgress implements BatchListener {

  private final PrintWriter err;
  private final boolean interactive;
  private int every = 1;

  ConsoleProgress(PrintWriter err, boolean interactive) {
    this.err = err;
    this.interactive = interactive;
  }

  @Override
  public synchronized void started(int prompts, List<RowProblem> problems, int alreadyDone, int replayableTurns) {
    problems.forEach(p -> err.println((p.skipped() ? "skipped " : "note: ") + p));
    if (alreadyDone > 0 || replayableTurns > 0) {
      err.println("Resuming: " + alreadyDone + " of " + prompts + " prompts already done, " + replayableTurns
          + " answered turns of the others will not be asked again.");
    }
    err.println("Running " + (prompts - alreadyDone) + " prompts.");
    // Without a terminal to redraw, print about 20 lines in all rather than one per prompt.
    every = interactive ? 1 : Math.max(1, prompts / 20);
    err.flush();
  }

  @Override
  public synchronized void note(String message) {
    err.println("note: " + message);
    err.flush();
  }

  @Override
  public synchronized void finished(PromptRow row, PromptResult result, Progress p) {
    if (result.status() == PromptResult.Status.FAILED) {
      if (interactive) err.print("\r\033[K");
      err.println("failed " + row.id() + ": " + result.error());
    }
    if (p.done() % every == 0 || p.done() == p.total()) {
      String line = String.format("[%d/%d] failed %d, mean score %s, elapsed %s, ETA %s",
          p.done(), p.total(), p.failed(), Double.isNaN(p.meanScore()) ? "-" : String.format("%.2f", p.meanScore()),
          clock(p.elapsed()), p.eta().map(ConsoleProgress::clock).orElse("-"));
      if (interactive) {
        err.print("\r\033[K" + line);
        if (p.done() == p.total()) err.println();
      } else {
        err.println(line);
      }
    }
    err.flush();
  }

  private static String clock(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
  }
}
