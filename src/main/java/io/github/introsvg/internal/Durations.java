package io.github.introsvg.internal;

import java.time.Duration;
import java.util.Locale;

/** How a duration reads, everywhere the library and the CLI print one: the three notations live here only. */
public final class Durations {

  private Durations() {}

  /** In a message, rounded to what reads best: "30 min", "5 s", "1.5 s", "250 ms". */
  public static String text(Duration d) {
    if (!d.isZero() && d.toMillis() % 60_000 == 0) return d.toMinutes() + " min";
    if (d.toMillis() % 1000 == 0) return d.toSeconds() + " s";
    return d.toMillis() < 1000 ? d.toMillis() + " ms" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  /** A configured limit, exactly as set: "120 s", or "1500 ms" when it is not whole seconds. */
  public static String exact(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  /** On a clock face, as the console and the report show elapsed time and waits: "1:30", "1:02:05" past an hour. */
  public static String clock(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
