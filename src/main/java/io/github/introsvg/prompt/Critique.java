package io.github.introsvg.prompt;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The critic's verdict on one rendered candidate.
 *
 * @param score 0..10, higher is better
 * @param suggestions a numbered list of changes, or an affirmative statement when none are needed
 */
public record Critique(double score, String critique, String suggestions) {

  // The critique template tells the model to write e.g. "The overall quality is excellent, no changes are needed."
  private static final Pattern NO_CHANGE = Pattern.compile(
      "\\bno (?:further |more )?(?:changes?|modifications?|improvements?|adjustments?) (?:is |are )?"
          + "(?:needed|necessary|required)\\b");
  private static final Pattern NUMBERED_ITEM = Pattern.compile("(?m)^\\s*1[.)]\\s");

  public Critique {
    if (!(score >= 0 && score <= 10)) throw new IllegalArgumentException("score not in [0, 10]: " + score);
    Objects.requireNonNull(critique, "critique == null");
    Objects.requireNonNull(suggestions, "suggestions == null");
  }

  /** True when the suggestions affirm the draft instead of listing changes. */
  public boolean saysNoChangeNeeded() {
    String s = suggestions.toLowerCase(java.util.Locale.ROOT);
    return NO_CHANGE.matcher(s).find() && !NUMBERED_ITEM.matcher(s).find();
  }
}
