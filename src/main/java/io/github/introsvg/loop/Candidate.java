package io.github.introsvg.loop;

import io.github.introsvg.prompt.Critique;
import java.util.Objects;
import java.util.Optional;

/**
 * One SVG the generator produced for a prompt, its render, and the critic's verdict on it.
 *
 * @param index 0 for the draft, r for the refinement made in round r
 * @param png exactly the 200x200 PNG the critic saw; the record keeps its own copy and hands out copies
 * @param critique empty only when the prompt failed before this candidate was critiqued
 */
public record Candidate(int index, String svg, byte[] png, Optional<Critique> critique) {

  public Candidate {
    Objects.requireNonNull(svg, "svg == null");
    png = Objects.requireNonNull(png, "png == null").clone();
    Objects.requireNonNull(critique, "critique == null");
  }

  /** A copy of the PNG: changing it changes nothing in this candidate. */
  @Override
  public byte[] png() {
    return png.clone();
  }

  /** The critic's score, or -1 when not critiqued. */
  public double score() {
    return critique.map(Critique::score).orElse(-1.0);
  }

  @Override
  public String toString() {
    return "Candidate[index=" + index + ", score=" + score() + ", svg=" + svg.length() + " chars]";
  }
}
