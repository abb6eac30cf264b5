package io.github.introsvg.batch;

import java.nio.file.Path;

/** The prompts file as a whole can't be used (missing, unreadable, not UTF-8, no id,desc header). */
public final class PromptFileException extends RuntimeException {

  private final Path file;

  public PromptFileException(Path file, String message) {
    this(file, message, null);
  }

  public PromptFileException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
