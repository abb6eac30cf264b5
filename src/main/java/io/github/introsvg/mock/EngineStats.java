package io.github.introsvg.mock;

import java.time.Duration;

/**
 * What the mock's simulated batching engine has done so far (see {@link LatencyModel}); wall times are
 * simulated times scaled by {@link LatencyModel#timeScale()}.
 *
 * @param requests chat completions fully decoded
 * @param queued of those and the ones still in flight, how many found every slot taken and waited in the queue
 * @param promptTokens prompt tokens prefilled
 * @param decodedTokens completion tokens decoded
 * @param busyWallTime how long the batch was non-empty (prefill and decode steps), as wall time
 * @param idealWallTime {@link LatencyModel#idealWallTime} of {@code promptTokens} and {@code decodedTokens}: the
 *     time the same work would take with every decode step on a full batch
 */
public record EngineStats(
    long requests, long queued, long promptTokens, long decodedTokens, Duration busyWallTime,
    Duration idealWallTime) {}
