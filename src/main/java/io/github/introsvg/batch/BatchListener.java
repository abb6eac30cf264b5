package io.github.introsvg.batch;

import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.loop.Turn;
import java.nio.file.Path;
import java.util.List;

/** Hears about a batch as it runs; called from worker threads, so implementations must be thread-safe. */
public interface BatchListener {

  BatchListener NONE = new BatchListener() {};

  /**
   * Before the first prompt runs.
   *
   * @param prompts usable rows of the CSV
   * @param problems what was wrong with the other rows (and unsafe ids that were renamed)
   * @param alreadyDone prompts an earlier run of the same OUT finished; they are skipped
   * @param replayableTurns turns an earlier run answered for unfinished prompts; they are not asked again
   */
  default void started(int prompts, List<RowProblem> problems, int alreadyDone, int replayableTurns) {}

  /** Something worth one line that is not an error, e.g. a torn journal line a crash left and that was dropped. */
  default void note(String message) {}

  /** Every turn of a prompt as soon as it is decided (replayed ones from a resumed run's journal included). */
  default void turn(PromptRow row, Turn turn) {}

  /** Before {@link #started}, when starting over moved an earlier run's files into {@code previousRun}. */
  default void setAside(Path previousRun) {}

  /** After a prompt's files were written. */
  default void finished(PromptRow row, PromptResult result, Progress progress) {}
}
