package io.github.introsvg.loop;

/** How many rounds a prompt gets and which candidate it keeps. */
public enum Policy {
  /** Exactly the reference: every round always runs, the last SVG is kept (8 calls per prompt with 3 rounds). */
  REFERENCE,
  /**
   * The reference's prompts and sampling, but stops once a critique reaches the stop score or says no change
   * is needed, and keeps the best-scoring candidate (the later one on a tie).
   */
  INTROSPECTIVE
}
