package io.github.introsvg.lmdeploy;

/**
 * Sampling parameters sent with every request. All are always explicit: lmdeploy fills omitted ones from the
 * model's generation_config since v0.15, which for Qwen2.5-VL is near-greedy.
 */
public record Sampling(int maxTokens, double temperature, double topP, int topK, double repetitionPenalty) {

  /** lmdeploy's request defaults up to v0.14, which the reference most likely ran with. */
  public static final double DEFAULT_TOP_P = 1.0;
  public static final int DEFAULT_TOP_K = 40;
  public static final double DEFAULT_REPETITION_PENALTY = 1.0;

  public Sampling {
    if (maxTokens < 1) throw new IllegalArgumentException("maxTokens < 1: " + maxTokens);
    if (temperature < 0 || temperature > 2) throw new IllegalArgumentException("temperature not in [0, 2]: " + temperature);
    if (topP <= 0 || topP > 1) throw new IllegalArgumentException("topP not in (0, 1]: " + topP);
    if (topK < 0) throw new IllegalArgumentException("topK < 0: " + topK);
    if (repetitionPenalty <= 0) throw new IllegalArgumentException("repetitionPenalty <= 0: " + repetitionPenalty);
  }

  /** Sampling with the given length and temperature and the v0.14-era defaults for the rest. */
  public static Sampling of(int maxTokens, double temperature) {
    return new Sampling(maxTokens, temperature, DEFAULT_TOP_P, DEFAULT_TOP_K, DEFAULT_REPETITION_PENALTY);
  }
}
