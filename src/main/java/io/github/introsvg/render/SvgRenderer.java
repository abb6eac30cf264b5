package io.github.introsvg.render;

/**
 * Turns SVG text into exactly the PNG the critic sees: 200x200, opaque white background, as cairosvg's
 * {@code svg2png(output_width=200, output_height=200, background_color="white")}.
 *
 * <p>Implementations must be safe for untrusted SVG (no scripts, no external resources, bounded work) and
 * thread-safe.
 */
public interface SvgRenderer {

  /** Side length in pixels of every PNG the critic was trained on. */
  int SIZE = 200;

  /**
   * Renders {@code svg} to PNG bytes.
   *
   * @throws SvgRenderException when the SVG can't be parsed, is refused as unsafe or too large, or fails to draw
   */
  byte[] renderPng(String svg);
}
