package io.github.introsvg.batch;

import io.github.introsvg.loop.PromptResult;
import java.util.List;

/** Hears about a batch as it runs; called from worker threads, so implementations must be thread-safe. */
public interface BatchListener {

  BatchListener NONE = new BatchListener() {};

  /** Before the first prompt runs: how many will, and what was wrong with the other rows. */
  default void started(int prompts, List<RowProblem> problems) {}

  /** After a prompt's files were written. */
  default void finished(PromptRow row, PromptResult result, Progress progress) {}
}
