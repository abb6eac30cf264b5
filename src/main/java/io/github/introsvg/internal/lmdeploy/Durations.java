package io.github.introsvg.internal.lmdeploy;

import java.time.Duration;
import java.util.Locale;

/** How a duration reads in a message: "30 min", "5 s", "1.5 s", "250 ms". */
final class Durations {

  private Durations() {}

  static String text(Duration d) {
    if (!d.isZero() && d.toMillis() % 60_000 == 0) return d.toMinutes() + " min";
    if (d.toMillis() % 1000 == 0) return d.toSeconds() + " s";
    return d.toMillis() < 1000 ? d.toMillis() + " ms" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
