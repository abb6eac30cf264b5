package io.github.introsvg.batch;

/** The batch was stopped (Ctrl-C, SIGTERM, thread interrupt); what finished is written and journaled. */
public final class BatchInterruptedException extends RuntimeException {

  private final BatchSummary summary;

  public BatchInterruptedException(BatchSummary summary) {
    super("interrupted after " + (summary.ok() + summary.failed()) + " of " + (summary.rows() - summary.invalid())
        + " prompts");
    this.summary = summary;
  }

  public BatchSummary summary() {
    return summary;
  }
}
