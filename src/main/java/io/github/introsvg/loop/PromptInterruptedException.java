package io.github.introsvg.loop;

/** The thread running a prompt was interrupted: the prompt is abandoned, its finished turns stay journaled. */
public final class PromptInterruptedException extends RuntimeException {

  public PromptInterruptedException(String promptId) {
    super("prompt " + promptId + " interrupted");
  }
}
