package io.github.introsvg.batch;

import java.util.Objects;

/**
 * One prompt of a batch given by an embedding application rather than a CSV: its id names its output files (made
 * safe) and, with the description, seeds its turns.
 */
public record Prompt(String id, String description) {

  public Prompt {
    Objects.requireNonNull(id, "id == null");
    Objects.requireNonNull(description, "description == null");
  }
}
