package io.github.introsvg.mock;

import java.time.Duration;

/**
 * How long the mock takes to answer, as a continuous-batching GPU server would: {@code slots} sequences decode
 * together (a FIFO queue beyond), each step decodes one token of every active sequence, and a batch of n decodes
 * {@code n * r / (1 + n / k)} tokens/s in all. Immutable; see docs/mock-server.md for the model.
 */
public final class LatencyModel {

  private final int slots;
  private final double decodeRate;
  private final double saturation;
  private final double prefillRate;
  private final int[] svgTokens;
  private final int[] critiqueTokens;
  private final int[] chatTokens;
  private final double timeScale;
  private final long seed;

  private LatencyModel(Builder b) {
    this.slots = b.slots;
    this.decodeRate = b.decodeRate;
    this.saturation = b.saturation;
    this.prefillRate = b.prefillRate;
    this.svgTokens = b.svgTokens.clone();
    this.critiqueTokens = b.critiqueTokens.clone();
    this.chatTokens = b.chatTokens.clone();
    this.timeScale = b.timeScale;
    this.seed = b.seed;
  }

  /** A builder with the defaults: 128 slots, r = 60 tok/s, k = 64, 20,000 prompt tok/s, time scale 1. */
  public static Builder builder() {
    return new Builder();
  }

  /** Sequences decoded together; more requests wait in a FIFO queue. */
  public int slots() {
    return slots;
  }

  /** Wall time = simulated time x this; 0.01 runs the simulated GPU 100 times faster than real. */
  public double timeScale() {
    return timeScale;
  }

  /** Tokens per simulated second that a batch of {@code active} sequences decodes in all: n r / (1 + n / k). */
  public double aggregateRate(int active) {
    if (active < 1) {
      throw new IllegalArgumentException("active must be >= 1: " + active);
    }
    return active * decodeRate / (1.0 + active / saturation);
  }

  /**
   * The ideal wall time for a workload of {@code promptTokens} to prefill and {@code decodedTokens} to decode:
   * every prompt token at the prefill rate, and every decode step with a full batch of {@link #slots()}
   * sequences; scaled by {@link #timeScale()}.
   */
  public Duration idealWallTime(long promptTokens, long decodedTokens) {
    if (promptTokens < 0 || decodedTokens < 0) {
      throw new IllegalArgumentException("token counts must be >= 0: " + promptTokens + ", " + decodedTokens);
    }
    return wall(promptTokens / prefillRate + decodedTokens / aggregateRate(slots));
  }

  /** Simulated seconds of one decode step with {@code active} sequences, after {@code prefill} new prompt tokens. */
  double stepSeconds(int active, long prefill) {
    return prefill / prefillRate + (1.0 + active / saturation) / decodeRate;
  }

  /** The wall-clock duration of {@code simulatedSeconds}. */
  Duration wall(double simulatedSeconds) {
    return Duration.ofNanos(Math.round(simulatedSeconds * timeScale * 1e9));
  }

  /** The reply length in tokens for a request of {@code role}, drawn uniformly from its range by the hash. */
  int replyTokens(MockModel.Role role, long requestHash) {
    int[] range = switch (role) {
      case GENERATE, REFINE -> svgTokens;
      case CRITIQUE -> critiqueTokens;
      case CHAT -> chatTokens;
    };
    return range[0] + (int) Math.floorMod(Hashing.mix(seed, requestHash), (long) (range[1] - range[0] + 1));
  }

  /** Configures a {@link LatencyModel}. */
  public static final class Builder {
    private int slots = 128;
    private double decodeRate = 60.0;
    private double saturation = 64.0;
    private double prefillRate = 20_000.0;
    private int[] svgTokens = {600, 2000};
    private int[] critiqueTokens = {150, 300};
    private int[] chatTokens = {20, 60};
    private double timeScale = 1.0;
    private long seed = 0L;

    private Builder() {}

    /** Sequences decoded together, as lmdeploy's {@code --max-batch-size}; default 128. */
    public Builder slots(int slots) {
      if (slots < 1) {
        throw new IllegalArgumentException("slots must be >= 1: " + slots);
      }
      this.slots = slots;
      return this;
    }

    /** r: a sequence's decode rate in tokens/s as the batch shrinks to nothing (alone: r / (1 + 1/k)); default 60. */
    public Builder decodeRate(double tokensPerSecond) {
      this.decodeRate = positive(tokensPerSecond, "decodeRate");
      return this;
    }

    /** k: the batch size at which each sequence decodes at half of r; default 64. */
    public Builder saturation(double k) {
      this.saturation = positive(k, "saturation");
      return this;
    }

    /** Prompt tokens/s prefilled (all sequences together); default 20,000. An image counts 51 tokens. */
    public Builder prefillRate(double tokensPerSecond) {
      this.prefillRate = positive(tokensPerSecond, "prefillRate");
      return this;
    }

    /** Range of reply lengths for generate and refine (SVG) requests; default 600..2000. */
    public Builder svgTokens(int min, int max) {
      this.svgTokens = range(min, max, "svgTokens");
      return this;
    }

    /** Range of reply lengths for critique requests; default 150..300. */
    public Builder critiqueTokens(int min, int max) {
      this.critiqueTokens = range(min, max, "critiqueTokens");
      return this;
    }

    /** Range of reply lengths for any other request; default 20..60. */
    public Builder chatTokens(int min, int max) {
      this.chatTokens = range(min, max, "chatTokens");
      return this;
    }

    /** Wall time = simulated time x {@code scale}: 0.01 runs 100 times faster than the simulated GPU; default 1. */
    public Builder timeScale(double scale) {
      this.timeScale = positive(scale, "timeScale");
      return this;
    }

    /** Seeds the reply lengths (with the request body); default 0. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public LatencyModel build() {
      return new LatencyModel(this);
    }

    private static double positive(double value, String name) {
      if (!(value > 0.0) || Double.isInfinite(value)) {
        throw new IllegalArgumentException(name + " must be positive and finite: " + value);
      }
      return value;
    }

    private static int[] range(int min, int max, String name) {
      if (min < 1 || max < min) {
        throw new IllegalArgumentException(name + " must satisfy 1 <= min <= max: " + min + ".." + max);
      }
      return new int[] {min, max};
    }
  }

  @Override
  public String toString() {
    return "LatencyModel[slots=" + slots + ", r=" + decodeRate + ", k=" + saturation + ", prefill=" + prefillRate
        + ", timeScale=" + timeScale + "]";
  }
}
