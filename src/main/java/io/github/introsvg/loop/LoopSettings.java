package io.github.introsvg.loop;

import io.github.introsvg.lmdeploy.Sampling;
import java.util.Objects;

/**
 * Everything that shapes one prompt's loop. Defaults are the reference's: 3 rounds; sampling per role as
 * {@code inference_loop.py} sends it, plus the v0.14-era top_p/top_k/repetition_penalty made explicit.
 *
 * @param stopScore the introspective policy stops at a critique scoring at least this
 * @param draftAttempts how many drafts may be requested before the prompt fails
 * @param refineAttempts how many refinements one round may request before the loop stops refining
 * @param critiqueAttempts how many critiques of one candidate may be requested before the prompt fails
 */
public record LoopSettings(
    Policy policy,
    int rounds,
    double stopScore,
    int draftAttempts,
    int refineAttempts,
    int critiqueAttempts,
    Sampling generate,
    Sampling critique,
    Sampling refine,
    Sampling finalCritique) {

  /** The loop's default policy; the CLI's {@code --policy} default too. */
  public static final Policy DEFAULT_POLICY = Policy.INTROSPECTIVE;
  /** Critique-refine rounds at most, as the reference runs them. */
  public static final int DEFAULT_ROUNDS = 3;
  /** The introspective policy stops at a critique scoring at least this. */
  public static final double DEFAULT_STOP_SCORE = 9.0;
  /** Requests per draft, per round's refinement and per critique before giving up on it. */
  public static final int DEFAULT_ATTEMPTS = 3;

  public LoopSettings {
    Objects.requireNonNull(policy, "policy == null");
    if (rounds < 0) throw new IllegalArgumentException("rounds < 0: " + rounds);
    if (!(stopScore >= 0 && stopScore <= 10)) throw new IllegalArgumentException("stopScore not in [0, 10]: " + stopScore);
    if (draftAttempts < 1 || refineAttempts < 1 || critiqueAttempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1");
    }
    Objects.requireNonNull(generate, "generate == null");
    Objects.requireNonNull(critique, "critique == null");
    Objects.requireNonNull(refine, "refine == null");
    Objects.requireNonNull(finalCritique, "finalCritique == null");
  }

  /** The reference's settings: {@link #DEFAULT_ROUNDS} rounds, the reference's sampling, the constants above. */
  public static LoopSettings defaults() {
    return builder().build();
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.policy = policy;
    b.rounds = rounds;
    b.stopScore = stopScore;
    b.draftAttempts = draftAttempts;
    b.refineAttempts = refineAttempts;
    b.critiqueAttempts = critiqueAttempts;
    b.generate = generate;
    b.critique = critique;
    b.refine = refine;
    b.finalCritique = finalCritique;
    return b;
  }

  public static final class Builder {
    private Policy policy = DEFAULT_POLICY;
    private int rounds = DEFAULT_ROUNDS;
    private double stopScore = DEFAULT_STOP_SCORE;
    private int draftAttempts = DEFAULT_ATTEMPTS;
    private int refineAttempts = DEFAULT_ATTEMPTS;
    private int critiqueAttempts = DEFAULT_ATTEMPTS;
    private Sampling generate = Sampling.of(6000, 0.5);
    private Sampling critique = Sampling.of(2048, 0.1);
    private Sampling refine = Sampling.of(6000, 0.2);
    private Sampling finalCritique = Sampling.of(2048, 0.0);

    private Builder() {}

    public Builder policy(Policy policy) {
      this.policy = policy;
      return this;
    }

    public Builder rounds(int rounds) {
      this.rounds = rounds;
      return this;
    }

    public Builder stopScore(double stopScore) {
      this.stopScore = stopScore;
      return this;
    }

    public Builder draftAttempts(int attempts) {
      this.draftAttempts = attempts;
      return this;
    }

    public Builder refineAttempts(int attempts) {
      this.refineAttempts = attempts;
      return this;
    }

    public Builder critiqueAttempts(int attempts) {
      this.critiqueAttempts = attempts;
      return this;
    }

    public Builder generate(Sampling sampling) {
      this.generate = sampling;
      return this;
    }

    public Builder critique(Sampling sampling) {
      this.critique = sampling;
      return this;
    }

    public Builder refine(Sampling sampling) {
      this.refine = sampling;
      return this;
    }

    public Builder finalCritique(Sampling sampling) {
      this.finalCritique = sampling;
      return this;
    }

    public LoopSettings build() {
      return new LoopSettings(policy, rounds, stopScore, draftAttempts, refineAttempts, critiqueAttempts,
          generate, critique, refine, finalCritique);
    }
  }
}
