package io.github.introsvg.internal;

import java.util.Locale;

/**
 * Where the reference layout keeps a prompt's intermediate files under OUT, as paths relative to OUT with
 * {@code /}: the batch writes them, the report finds them. Round folders are numbered in ASCII digits whatever
 * the default locale.
 */
public final class RunLayout {

  private RunLayout() {}

  /** Candidate {@code index}'s SVG: the initial draft for 0, else the SVG refined in round {@code index}. */
  public static String candidateSvg(int index, String name) {
    return index == 0 ? "intermediate_files/00_initial_drafts/" + name + ".svg"
        : iteration(index) + "/refined_svgs/" + name + ".svg";
  }

  /** The PNG shown to the critic in round {@code round}, which critiqued candidate {@code round - 1}. */
  public static String critiquePng(int round, String name) {
    return iteration(round) + "/critique_pngs/" + name + ".png";
  }

  private static String iteration(int round) {
    return String.format(Locale.ROOT, "intermediate_files/%02d_iteration", round);
  }
}
