package io.github.introsvg.batch;

import java.time.Duration;
import java.util.Optional;

/**
 * Where a batch stands after a prompt finished.
 *
 * @param meanScore mean final score of the prompts that succeeded so far (NaN before the first)
 */
public record Progress(int done, int total, int failed, double meanScore, Duration elapsed) {

  /** Remaining time at the pace so far; empty before the first prompt finished. */
  public Optional<Duration> eta() {
    if (done == 0) return Optional.empty();
    return Optional.of(elapsed.multipliedBy(total - done).dividedBy(done));
  }
}
