package io.github.introsvg.mock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  /**
   * Parses a command-line fault spec: {@code RATE} injects all kinds but stall ({@code 500, 503, reset,
   * truncated, malformed, proxy, midstream}) into a {@code RATE} fraction of chat completions; {@code
   * RATE:KIND,KIND,...} injects the kinds named, where a kind is an HTTP status 400..599, {@code reset},
   * {@code stall} (30 s) or {@code stall=DURATION} ({@code 200ms}, {@code 2s}, {@code 1m}), {@code truncated},
   * {@code malformed}, {@code proxy}, {@code midstream}, or {@code transport} (all of {@link
   * Fault#transportOnly()}); a kind named twice is drawn twice as often.
   *
   * @throws IllegalArgumentException naming the part of {@code spec} that is wrong
   */
  static FaultPlan parse(String spec, long seed) {
    Objects.requireNonNull(spec, "spec == null");
    String trimmed = spec.trim();
    int colon = trimmed.indexOf(':');
    String ratePart = (colon < 0 ? trimmed : trimmed.substring(0, colon)).trim();
    double rate;
    try {
      rate = Double.parseDouble(ratePart);
    } catch (NumberFormatException e) {
      throw badSpec(spec, "rate \"" + ratePart + "\" is not a number");
    }
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw badSpec(spec, "rate " + ratePart + " is not within [0, 1]");
    }
    if (colon < 0) {
      return random(rate, seed, List.of(Fault.httpError(500), Fault.httpError(503), Fault.connectionReset(),
          Fault.truncated(), Fault.malformedCritique(), Fault.proxyError(), Fault.midStreamError()));
    }
    List<Fault> kinds = new ArrayList<>();
    for (String part : trimmed.substring(colon + 1).split(",", -1)) {
      kinds.addAll(parseKind(spec, part.trim()));
    }
    return random(rate, seed, kinds);
  }

  private static List<Fault> parseKind(String spec, String kind) {
    String word = kind.toLowerCase(Locale.ROOT);
    switch (word) {
      case "reset": return List.of(Fault.connectionReset());
      case "stall": return List.of(Fault.stall(Fault.DEFAULT_STALL));
      case "truncated": return List.of(Fault.truncated());
      case "malformed": return List.of(Fault.malformedCritique());
      case "proxy": return List.of(Fault.proxyError());
      case "midstream": return List.of(Fault.midStreamError());
      case "transport": return Fault.transportOnly();
      default: break;
    }
    if (word.matches("[0-9]{3}")) {
      int status = Integer.parseInt(word);
      if (status >= 400 && status <= 599) {
        return List.of(Fault.httpError(status));
      }
      throw badSpec(spec, "HTTP status " + word + " is not an error status 400..599");
    }
    if (word.startsWith("stall=")) {
      Matcher m = Pattern.compile("([0-9]{1,9})(ms|s|m)").matcher(word.substring("stall=".length()));
      if (!m.matches()) {
        throw badSpec(spec, "stall duration \"" + kind.substring("stall=".length())
            + "\" is not like 200ms, 2s or 1m");
      }
      long n = Long.parseLong(m.group(1));
      Duration silence = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        default -> Duration.ofMinutes(n);
      };
      return List.of(Fault.stall(silence));
    }
    throw badSpec(spec, kind.isEmpty() ? "a fault kind is empty" : "unknown fault kind \"" + kind + "\"");
  }

  private static IllegalArgumentException badSpec(String spec, String problem) {
    return new IllegalArgumentException("Bad fault spec \"" + spec + "\": " + problem + ". Expected RATE or"
        + " RATE:KIND,... with RATE in [0, 1] and KIND one of 400..599, reset, stall, stall=2s, truncated,"
        + " malformed, proxy, midstream, transport.");
  }
}
