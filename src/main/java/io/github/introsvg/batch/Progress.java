package io.github.introsvg.batch;

import java.time.Duration;
import java.util.Optional;

/**
 * Where a batch stands after a prompt finished.
 *
 * @param done prompts finished, including those an earlier run of the same OUT finished
 * @param resumed prompts an earlier run finished
 * @param meanScore mean final score of the prompts that succeeded so far (NaN before the first)
 * @param elapsed time since this run started
 */
public record Progress(int done, int resumed, int total, int failed, double meanScore, Duration elapsed) {

  /** Remaining time at this run's pace; empty before this run finished a prompt. */
  public Optional<Duration> eta() {
    int doneNow = done - resumed;
    if (doneNow <= 0) return Optional.empty();
    return Optional.of(elapsed.multipliedBy(total - done).dividedBy(doneNow));
  }
}
