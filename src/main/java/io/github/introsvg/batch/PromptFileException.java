package io.github.introsvg.batch;

import java.nio.file.Path;

/** The prompts file as a whole can't be used (missing, unreadable, not UTF-8, no id,desc header). */
public final class PromptFileException extends RuntimeException {

  private final Path file;

  public PromptFileException(Path file, String message) {
    this(file, message, null);
  }

  public PromptFileException(Path file, String message, Throwable cause) {
    this(file + ": " + message, cause, file);
  }

  private PromptFileException(String message, Throwable cause, Path file) {
    super(message, cause);
    this.file = file;
  }

  /** For a message that names the file itself where it reads best ("no prompts in FILE"). */
  public static PromptFileException naming(Path file, String message) {
    return new PromptFileException(message, null, file);
  }

  public Path file() {
    return file;
  }
}
