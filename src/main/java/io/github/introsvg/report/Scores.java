package io.github.introsvg.report;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** How scores are rounded and written for people: 2 decimals at most, never 9.334999999999999. */
final class Scores {

  private Scores() {}

  static double round(double score) {
    if (Double.isNaN(score) || Double.isInfinite(score)) return score;
    return BigDecimal.valueOf(score).setScale(2, RoundingMode.HALF_UP).doubleValue();
  }

  /** "9.6", "9.0", "7.25", "-0.5"; "-" for NaN. */
  static String format(double score) {
    if (Double.isNaN(score)) return "-";
    BigDecimal rounded = BigDecimal.valueOf(round(score)).stripTrailingZeros();
    return (rounded.scale() < 1 ? rounded.setScale(1) : rounded).toPlainString();
  }

  /** As {@link #format} with an explicit sign: "+1.3", "0.0", "-0.4". */
  static String signed(double gain) {
    String s = format(gain);
    return gain > 0 ? "+" + s : s;
  }
}
