package io.github.introsvg.internal.render;

import com.github.weisj.jsvg.parser.DomElement;
import com.github.weisj.jsvg.parser.DomProcessor;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Rewrites the root {@code <svg>} so JSVG maps onto the canvas exactly what cairosvg's {@code svg2png} with
 * {@code output_width=output_height=SIZE} shows (its {@code helpers.preserve_ratio}).
 *
 * <p>cairosvg ignores the root width/height when a viewBox exists and fits the viewBox; without a viewBox it
 * fits the width/height box, a missing or percentage size counting as 0 (so an unsized SVG is drawn at 1:1
 * with its origin at the canvas centre). JSVG fits width/height first, so we compute the user-space
 * rectangle cairosvg puts on the canvas and hand it to JSVG as a viewBox with {@code preserveAspectRatio=none}.
 */
final class CairoViewport implements DomProcessor {

  private static final Pattern SEPARATORS = Pattern.compile("[ \n\r\t,]+");
  // cairosvg's svg2png defaults: 96 dpi, font-size 12pt = 16px.
  private static final double DPI = 96;
  private static final double FONT_SIZE_PX = 16;

  private final double size;

  CairoViewport(int size) {
    this.size = size;
  }

  @Override
  public void process(DomElement root) {
    if (!"svg".equals(root.tagName())) {
      return; // JSVG refuses a non-svg root itself
    }
    double[] box = visibleUserRect(
        root.attribute("viewBox"),
        root.attribute("width"),
        root.attribute("height"),
        root.attribute("preserveAspectRatio"));
    root.setAttribute("viewBox", format(box[0]) + " " + format(box[1]) + " " + format(box[2]) + " " + format(box[3]));
    root.setAttribute("width", format(size));
    root.setAttribute("height", format(size));
    root.setAttribute("preserveAspectRatio", "none");
  }

  /** The user-space rectangle {x, y, w, h} that cairosvg maps onto the {@code size x size} canvas. */
  double[] visibleUserRect(String viewBox, String width, String height, String preserveAspectRatio) {
    double[] vb = parseViewBox(viewBox);
    double vbX;
    double vbY;
    double vbW;
    double vbH;
    if (vb != null) {
      vbX = vb[0];
      vbY = vb[1];
      vbW = vb[2];
      vbH = vb[3];
    } else {
      vbX = 0;
      vbY = 0;
      vbW = length(width);
      vbH = length(height);
    }
    double scaleX = vbW > 0 ? size / vbW : 1;
    double scaleY = vbH > 0 ? size / vbH : 1;
    String xAlign = "min";
    String yAlign = "min";
    String[] par = preserveAspectRatio == null ? new String[0] : preserveAspectRatio.trim().split("\\s+");
    String align = par.length > 0 && !par[0].isEmpty() ? par[0] : "xMidYMid";
    if (!"none".equals(align)) {
      double scale = par.length > 1 && "slice".equals(par[1]) ? Math.max(scaleX, scaleY) : Math.min(scaleX, scaleY);
      scaleX = scale;
      scaleY = scale;
      xAlign = align.length() >= 4 ? align.substring(1, 4).toLowerCase(Locale.ROOT) : "";
      yAlign = align.length() >= 5 ? align.substring(5).toLowerCase(Locale.ROOT) : "";
    }
    double visibleW = size / scaleX;
    double visibleH = size / scaleY;
    double translateX = offset(xAlign, visibleW - vbW);
    double translateY = offset(yAlign, visibleH - vbH);
    return new double[] {vbX - translateX, vbY - translateY, visibleW, visibleH};
  }

  private static double offset(String align, double slack) {
    return switch (align) {
      case "mid" -> slack / 2;
      case "max" -> slack;
      default -> 0;
    };
  }

  /** viewBox as four finite numbers, or null when absent or unusable. */
  private static double[] parseViewBox(String viewBox) {
    if (viewBox == null || viewBox.isBlank()) {
      return null;
    }
    String[] parts = SEPARATORS.split(viewBox.trim());
    if (parts.length != 4) {
      return null;
    }
    double[] values = new double[4];
    for (int i = 0; i < 4; i++) {
      try {
        values[i] = Double.parseDouble(parts[i]);
      } catch (NumberFormatException e) {
        return null;
      }
      if (!Double.isFinite(values[i])) {
        return null;
      }
    }
    return values;
  }

  /** A root width/height in px as cairosvg reads it without a parent viewport: missing, % or junk is 0. */
  static double length(String value) {
    if (value == null) {
      return 0;
    }
    String s = value.trim();
    double factor = 1;
    if (s.endsWith("%")) {
      return 0;
    } else if (s.endsWith("em")) {
      factor = FONT_SIZE_PX;
    } else if (s.endsWith("ex")) {
      factor = FONT_SIZE_PX / 2;
    } else if (s.endsWith("mm")) {
      factor = DPI / 25.4;
    } else if (s.endsWith("cm")) {
      factor = DPI / 2.54;
    } else if (s.endsWith("in")) {
      factor = DPI;
    } else if (s.endsWith("pt")) {
      factor = DPI / 72;
    } else if (s.endsWith("pc")) {
      factor = DPI / 6;
    } else if (s.endsWith("px")) {
      factor = 1;
    } else {
      s = s + "  ";
    }
    try {
      double number = Double.parseDouble(s.substring(0, s.length() - 2).trim()) * factor;
      return Double.isFinite(number) && number > 0 ? number : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String format(double value) {
    return BigDecimal.valueOf(value).toPlainString();
  }
}
