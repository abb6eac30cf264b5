package io.github.introsvg.loop;

import io.github.introsvg.lmdeploy.Sampling;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One request to the model and what came of it: the prompt's trace is the list of these.
 *
 * @param label "draft", "critique-N", "refine-N" or "critique-final"
 * @param attempt 1 for the first request of this label, 2 for its first retry, ...
 * @param reply the model's text as received (empty when the call failed)
 * @param detail why the turn did not count (parse, render or call error), empty when it did
 * @param score the critic's score, for critique turns that parsed
 */
public record Turn(
    String label,
    Role role,
    int attempt,
    long seed,
    Sampling sampling,
    String reply,
    String finishReason,
    int promptTokens,
    int completionTokens,
    long latencyMillis,
    Outcome outcome,
    String detail,
    OptionalDouble score) {

  /** Whether a turn's reply was used, and if not, why. */
  public enum Outcome { OK, TRUNCATED, UNPARSEABLE, UNRENDERABLE, CALL_FAILED }

  public Turn {
    Objects.requireNonNull(label, "label == null");
    Objects.requireNonNull(role, "role == null");
    Objects.requireNonNull(sampling, "sampling == null");
    Objects.requireNonNull(reply, "reply == null");
    Objects.requireNonNull(finishReason, "finishReason == null");
    Objects.requireNonNull(outcome, "outcome == null");
    Objects.requireNonNull(detail, "detail == null");
    Objects.requireNonNull(score, "score == null");
  }
}
