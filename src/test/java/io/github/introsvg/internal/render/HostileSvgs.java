package io.github.introsvg.internal.render;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pathological SVGs for bounding a render's time and memory: the list, each both at its literal size
 * (often over the 256 KiB input cap) and as a variant that fits under the cap.
 */
final class HostileSvgs {

  static final String SVG_NS = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'";

  private HostileSvgs() {}

  /** Every hostile SVG by name, in a stable order. */
  static Map<String, String> all() {
    Map<String, String> svgs = new LinkedHashMap<>();
    svgs.put("nested-g-200k", nestedGroups(200_000));
    svgs.put("nested-g-30k", nestedGroups(30_000));
    svgs.put("path-400k-segments", pathWithSegments(400_000));
    svgs.put("path-120k-segments", pathWithSegments(120_000));
    svgs.put("path-huge-coords-dashed", hugeCoordinateDashedPath());
    svgs.put("blur-100k-canvas", blurOnHugeCanvas());
    svgs.put("blur-huge-filter-region", blurWithHugeFilterRegion());
    svgs.put("blur-5000-filtered-rects", manyBlurredRects(5_000));
    svgs.put("blur-chain-1000", blurChain(1_000));
    svgs.put("filter-1000-kept-results", filterKeepingResults(1_000));
    svgs.put("turbulence-1e9-octaves", turbulence());
    svgs.put("pattern-self", "<svg " + SVG_NS + " viewBox='0 0 10 10'><pattern id='p' width='1' height='1'>"
        + "<rect width='1' height='1' fill='url(#p)'/></pattern><rect width='10' height='10' fill='url(#p)'/></svg>");
    svgs.put("pattern-mutual", "<svg " + SVG_NS + " viewBox='0 0 10 10'>"
        + "<pattern id='p' width='1' height='1'><rect width='1' height='1' fill='url(#q)'/></pattern>"
        + "<pattern id='q' width='1' height='1'><rect width='1' height='1' fill='url(#p)'/></pattern>"
        + "<rect width='10' height='10' fill='url(#p)'/></svg>");
    svgs.put("pattern-nested-fanout", nestedPatterns(12));
    svgs.put("use-self", "<svg " + SVG_NS + "><g id='a'><use href='#a'/></g><use id='b' href='#c'/><use id='c' href='#b'/></svg>");
    svgs.put("use-fanout-1e9", useFanOut(9, 10));
    svgs.put("billion-laughs", billionLaughs());
    return svgs;
  }

  static String nestedGroups(int depth) {
    return "<svg " + SVG_NS + ">" + "<g>".repeat(depth) + "<rect width='10' height='10'/>" + "</g>".repeat(depth) + "</svg>";
  }

  /** {@code segments} one-unit vertical segments, two bytes each (implicit repetition of {@code v}). */
  static String pathWithSegments(int segments) {
    String head = "<svg " + SVG_NS + " viewBox='0 0 10 10'><path fill='none' stroke='black' stroke-width='0.5' d='M5 5v";
    return head + " 1-1".repeat(segments / 2) + "'/></svg>";
  }

  /** A few bytes that ask Java2D to dash a 10^9-unit line with 0.001-unit dashes (10^12 dashes). */
  static String hugeCoordinateDashedPath() {
    return "<svg " + SVG_NS + " viewBox='0 0 100 100'><path d='M-1e9 50L1e9 50M50 -1e9L50 1e9' stroke='black'"
        + " stroke-width='0.0005' stroke-dasharray='0.001'/></svg>";
  }

  static String blurOnHugeCanvas() {
    return "<svg " + SVG_NS + " width='100000' height='100000' viewBox='0 0 100000 100000'>"
        + "<filter id='f' x='-1' y='-1' width='3' height='3'><feGaussianBlur stdDeviation='2000'/></filter>"
        + "<rect width='100000' height='100000' fill='blue' filter='url(#f)'/></svg>";
  }

  /** A tiny viewBox whose filter region spans 100000x100000 user units, 2*10^7 pixels a side on the canvas. */
  static String blurWithHugeFilterRegion() {
    return "<svg " + SVG_NS + " viewBox='0 0 10 10'>"
        + "<filter id='f' filterUnits='userSpaceOnUse' x='-50000' y='-50000' width='100000' height='100000'>"
        + "<feGaussianBlur stdDeviation='5'/></filter>"
        + "<rect width='10' height='10' fill='blue' filter='url(#f)'/></svg>";
  }

  static String manyBlurredRects(int count) {
    StringBuilder svg = new StringBuilder("<svg " + SVG_NS + " viewBox='0 0 200 200'>"
        + "<filter id='f'><feGaussianBlur stdDeviation='30'/></filter>");
    for (int i = 0; i < count; i++) {
      svg.append("<rect width='200' height='200' filter='url(#f)'/>");
    }
    return svg.append("</svg>").toString();
  }

  static String blurChain(int primitives) {
    StringBuilder svg = new StringBuilder("<svg " + SVG_NS + " viewBox='0 0 200 200'><filter id='f'>");
    for (int i = 0; i < primitives; i++) {
      svg.append("<feGaussianBlur stdDeviation='40'/>");
    }
    return svg.append("</filter><rect width='200' height='200' filter='url(#f)'/></svg>").toString();
  }

  /** Each named result stays alive until the filter ends: thousands of canvas-sized images at once. */
  static String filterKeepingResults(int primitives) {
    StringBuilder svg = new StringBuilder("<svg " + SVG_NS + " viewBox='0 0 200 200'><filter id='f' x='-1' y='-1' width='3' height='3'>");
    for (int i = 0; i < primitives; i++) {
      svg.append("<feOffset dx='1' result='r").append(i).append("'/>");
    }
    return svg.append("</filter><rect width='200' height='200' filter='url(#f)'/></svg>").toString();
  }

  static String turbulence() {
    return "<svg " + SVG_NS + " viewBox='0 0 200 200'><filter id='f'>"
        + "<feTurbulence baseFrequency='0.05' numOctaves='1000000000'/></filter>"
        + "<rect width='200' height='200' filter='url(#f)'/></svg>";
  }

  /** Patterns whose content fills with the previous pattern: each level multiplies the tiles drawn. */
  static String nestedPatterns(int levels) {
    StringBuilder svg = new StringBuilder("<svg " + SVG_NS + " viewBox='0 0 200 200'>"
        + "<pattern id='p0' patternUnits='userSpaceOnUse' width='0.5' height='0.5'><rect width='0.25' height='0.25'/></pattern>");
    for (int i = 1; i <= levels; i++) {
      svg.append("<pattern id='p").append(i).append("' patternUnits='userSpaceOnUse' width='0.5' height='0.5'>")
          .append("<rect width='200' height='200' fill='url(#p").append(i - 1).append(")'/></pattern>");
    }
    return svg.append("<rect width='200' height='200' fill='url(#p").append(levels).append(")'/></svg>").toString();
  }

  /** {@code width}^{@code levels} element instances after {@code <use>} expansion. */
  static String useFanOut(int levels, int width) {
    StringBuilder svg = new StringBuilder("<svg " + SVG_NS + "><defs><rect id='a0' width='1' height='1'/>");
    for (int i = 1; i <= levels; i++) {
      svg.append("<g id='a").append(i).append("'>");
      for (int j = 0; j < width; j++) {
        svg.append("<use href='#a").append(i - 1).append("'/>");
      }
      svg.append("</g>");
    }
    return svg.append("</defs><use href='#a").append(levels).append("'/></svg>").toString();
  }

  static String billionLaughs() {
    StringBuilder dtd = new StringBuilder("<!DOCTYPE svg [<!ENTITY lol0 'lol'>");
    for (int i = 1; i <= 9; i++) {
      dtd.append("<!ENTITY lol").append(i).append(" '").append(("&lol" + (i - 1) + ";").repeat(10)).append("'>");
    }
    return dtd + "]><svg " + SVG_NS + " viewBox='0 0 20 20'><text x='0' y='15'>&lol9;</text></svg>";
  }
}
