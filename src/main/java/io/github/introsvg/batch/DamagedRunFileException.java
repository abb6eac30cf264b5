package io.github.introsvg.batch;

import java.nio.file.Path;

/**
 * A line of a run's journal or results.jsonl is unreadable and is not the last one, so a crash did not cut
 * it: resuming past it could repeat or lose work. The file is left exactly as it was.
 */
public final class DamagedRunFileException extends RuntimeException {

  private final Path file;
  private final long line;
  private final long byteOffset;

  public DamagedRunFileException(Path file, long line, long byteOffset, String problem) {
    super(file + " is damaged at line " + line + " (byte " + byteOffset + "): " + problem
        + ". It was left as it is. Look at it, or pass --force-new to start over: the whole earlier run (this file"
        + " included) is moved to " + file.resolveSibling("previous-<time>") + "/, nothing is deleted.");
    this.file = file;
    this.line = line;
    this.byteOffset = byteOffset;
  }

  public Path file() {
    return file;
  }

  /** 1-based. */
  public long line() {
    return line;
  }

  /** Where the damaged line starts, counted in bytes from the start of the file. */
  public long byteOffset() {
    return byteOffset;
  }
}
