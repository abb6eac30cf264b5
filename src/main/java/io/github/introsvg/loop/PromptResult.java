package io.github.introsvg.loop;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of the loop for one prompt.
 *
 * @param keptIndex index into {@code candidates} of the SVG to deliver, or -1 when the prompt failed
 * @param candidates every candidate in the order produced (draft first)
 * @param turns every request made, in order, including failed attempts
 * @param error why the prompt failed, or why it stopped refining early; empty otherwise
 */
public record PromptResult(
    String id,
    String description,
    Status status,
    int keptIndex,
    List<Candidate> candidates,
    List<Turn> turns,
    String error,
    Duration elapsed) {

  public enum Status { OK, FAILED }

  public PromptResult {
    Objects.requireNonNull(id, "id == null");
    Objects.requireNonNull(description, "description == null");
    Objects.requireNonNull(status, "status == null");
    candidates = List.copyOf(candidates);
    turns = List.copyOf(turns);
    Objects.requireNonNull(error, "error == null");
    Objects.requireNonNull(elapsed, "elapsed == null");
    if (status == Status.OK && (keptIndex < 0 || keptIndex >= candidates.size())) {
      throw new IllegalArgumentException("keptIndex out of range: " + keptIndex);
    }
  }

  /** The delivered candidate; empty when the prompt failed. */
  public Optional<Candidate> kept() {
    return status == Status.OK ? Optional.of(candidates.get(keptIndex)) : Optional.empty();
  }

  /** The kept candidate's score, or -1 when the prompt failed. */
  public double finalScore() {
    return kept().map(Candidate::score).orElse(-1.0);
  }

  public int promptTokens() {
    return turns.stream().mapToInt(Turn::promptTokens).sum();
  }

  public int completionTokens() {
    return turns.stream().mapToInt(Turn::completionTokens).sum();
  }
}
