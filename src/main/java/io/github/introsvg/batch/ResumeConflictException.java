package io.github.introsvg.batch;

/** The output directory holds a run with other settings; continuing it would mix two runs. */
public final class ResumeConflictException extends RuntimeException {

  public ResumeConflictException(String message) {
    super(message);
  }
}
