package io.github.introsvg.mock;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Stable 64-bit hashes, so the mock's answers are the same on every JVM and every run. */
final class Hashing {

  private Hashing() {}

  /** FNV-1a over the UTF-8 bytes: unlike String.hashCode it is 64 bits wide. */
  static long of(String text) {
    long h = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** Combines values with the SplitMix64 finaliser. */
  static long mix(long... values) {
    long h = 0x9e3779b97f4a7c15L;
    for (long v : values) {
      h = finalise(h ^ finalise(v + 0x9e3779b97f4a7c15L));
    }
    return h;
  }

  static SplittableRandom random(long... values) {
    return new SplittableRandom(mix(values));
  }

  private static long finalise(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
