package io.github.introsvg.batch;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a batch did, as also written to {@code summary.json}.
 *
 * @param invalid rows of the CSV that could not run (see results.jsonl for why)
 * @param meanFinalScore over the prompts that succeeded; NaN when none did
 * @param degraded prompts that succeeded with fewer rounds than asked, after failed refinements or critiques
 *     (results.jsonl says why in their {@code error})
 */
public record BatchSummary(
    Path outDir,
    int rows,
    int ok,
    int failed,
    int invalid,
    double meanFinalScore,
    long calls,
    long promptTokens,
    long completionTokens,
    Duration elapsed,
    int degraded) {

  public boolean allSucceeded() {
    return failed == 0 && invalid == 0;
  }
}
