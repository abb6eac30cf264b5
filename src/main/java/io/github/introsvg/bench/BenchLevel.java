package io.github.introsvg.bench;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What one concurrency level of a benchmark measured.
 *
 * @param turns requests answered (replies received, usable or not)
 * @param clientCpu CPU time of the threads that ran prompts (HTTP, JSON, files) and of the render worker
 *     processes, not the server's
 * @param clientCpuPerPromptMedian median CPU of one prompt on its thread, plus the mean render-worker CPU per prompt
 * @param ideal the mock's ideal wall time for the same tokens on an always-full batch; empty against a real server
 * @param gaps the client's time between a reply and the same prompt's next request
 */
public record BenchLevel(
    int concurrency,
    int prompts,
    int failed,
    Duration wall,
    long turns,
    long completionTokens,
    long turnLatencyP50Millis,
    long turnLatencyP95Millis,
    Duration clientCpu,
    Duration clientCpuPerPromptMedian,
    Optional<Duration> ideal,
    ClientGaps gaps) {

  public BenchLevel {
    Objects.requireNonNull(wall, "wall == null");
    Objects.requireNonNull(clientCpu, "clientCpu == null");
    Objects.requireNonNull(clientCpuPerPromptMedian, "clientCpuPerPromptMedian == null");
    Objects.requireNonNull(ideal, "ideal == null");
    Objects.requireNonNull(gaps, "gaps == null");
  }

  public double promptsPerMinute() {
    return prompts / seconds(wall) * 60;
  }

  public double completionTokensPerSecond() {
    return completionTokens / seconds(wall);
  }

  public double clientCpuMillisPerTurn() {
    return turns == 0 ? 0 : clientCpu.toNanos() / 1e6 / turns;
  }

  /** Ideal over achieved wall time: 1.0 means the client kept the simulated GPU's batch full all along. */
  public OptionalDouble achievedOverIdeal() {
    return ideal.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(seconds(ideal.get()) / seconds(wall));
  }

  private static double seconds(Duration d) {
    return Math.max(1e-9, d.toNanos() / 1e9);
  }
}
