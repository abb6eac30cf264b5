package io.github.introsvg.mock;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Decides, per request, whether the mock injects a {@link Fault}; must be thread-safe. */
@FunctionalInterface
public interface FaultPlan {

  /**
   * The fault to inject for {@code request} (its status is still 0), or empty to answer normally.
   *
   * @param sequence the request's arrival number on this server, from 0, counting every request
   */
  Optional<Fault> faultFor(RecordedRequest request, long sequence);

  /** Never injects a fault. */
  static FaultPlan none() {
    return (request, sequence) -> Optional.empty();
  }

  /**
   * Injects one of {@code kinds} into a {@code rate} fraction of chat completions ({@code POST
   * /v1/chat/completions}), chosen by a hash of {@code seed} and the arrival sequence: the same seed and
   * arrival order give the same faults.
   */
  static FaultPlan random(double rate, long seed, List<Fault> kinds) {
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw new IllegalArgumentException("rate must be within [0, 1]: " + rate);
    }
    List<Fault> choices = List.copyOf(Objects.requireNonNull(kinds, "kinds == null"));
    if (choices.isEmpty() && rate > 0.0) {
      throw new IllegalArgumentException("kinds is empty but rate > 0");
    }
    return (request, sequence) -> {
      if (!"POST".equals(request.method()) || !"/v1/chat/completions".equals(request.path())) {
        return Optional.empty();
      }
      long h = Hashing.mix(seed, sequence);
      double u = (h >>> 11) * 0x1.0p-53;
      if (u >= rate) {
        return Optional.empty();
      }
      return Optional.of(choices.get((int) Math.floorMod(Hashing.mix(h, 1L), (long) choices.size())));
    };
  }
}
