package io.github.introsvg.batch;

import java.util.Objects;

/**
 * One usable row of the prompts CSV.
 *
 * @param line the 1-based record number in the file (header = 1), for messages
 * @param fileName the safe name this prompt's output files use; equals {@code id} when the id is safe
 */
public record PromptRow(long line, String id, String description, String fileName) {

  public PromptRow {
    Objects.requireNonNull(id, "id == null");
    Objects.requireNonNull(description, "description == null");
    Objects.requireNonNull(fileName, "fileName == null");
  }
}
