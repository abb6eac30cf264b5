package io.github.introsvg.mock;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Placeholder icons and the revision marker the critic reads back from pixels.
 *
 * <p>The marker sits in a strip the art never touches (y 186..194 of the 200x200 view box): one dark
 * square per revision at x = 6 + 12 i, and a magenta key square at x = 186 that tells the critic the image
 * is the mock's own.
 */
final class MockArt {

  /** Most revisions the marker strip can show; later revisions draw this many squares. */
  static final int MAX_MARKED_REVISION = 15;

  private static final Pattern REVISION_COMMENT = Pattern.compile("<!--\\s*mock revision (\\d{1,9})\\s*-->");
  private static final String[] DEFAULT_PALETTE = {
    "#e4572e", "#29335c", "#f3a712", "#669bbc", "#a8c686", "#8e5572", "#17bebb", "#ff9f1c"
  };
  private static final Map<String, String> COLOUR_WORDS = new LinkedHashMap<>();

  static {
    String[][] words = {
      {"red", "#d62828"}, {"orange", "#f77f00"}, {"yellow", "#fcbf49"}, {"gold", "#d4a017"},
      {"green", "#2a9d8f"}, {"lime", "#8ac926"}, {"teal", "#168aad"}, {"cyan", "#00b4d8"},
      {"blue", "#1d4ed8"}, {"navy", "#1b263b"}, {"purple", "#7b2cbf"}, {"violet", "#8f5bd6"},
      {"pink", "#ff6fa8"}, {"magenta", "#c2185b"}, {"brown", "#7f4f24"}, {"beige", "#e9d8a6"},
      {"black", "#222222"}, {"white", "#fafafa"}, {"gray", "#8d99ae"}, {"grey", "#8d99ae"},
      {"silver", "#c0c0c0"}
    };
    for (String[] w : words) {
      COLOUR_WORDS.put(w[0], w[1]);
    }
  }

  private MockArt() {}

  /** An icon for {@code description} at {@code revision}; {@code random} decides the layout. */
  static String icon(String description, int revision, SplittableRandom random) {
    List<String> palette = palette(description, random);
    StringBuilder svg = new StringBuilder(1024);
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 200\" width=\"200\" height=\"200\">\n");
    svg.append("  <!-- mock revision ").append(revision).append(" -->\n");
    svg.append("  <title>").append(escape(abbreviate(description, 80))).append("</title>\n");
    svg.append("  <rect x=\"10\" y=\"10\" width=\"180\" height=\"166\" rx=\"18\" fill=\"#f6f3ec\"/>\n");
    String stroke = revision >= 1 ? " stroke=\"#333333\" stroke-width=\"" + Math.min(revision, 3) + "\"" : "";
    int shapes = Math.min(3 + 2 * revision, 13);
    for (int i = 0; i < shapes; i++) {
      svg.append("  ").append(shape(random, palette.get(i % palette.size()), stroke)).append('\n');
    }
    // Highlights: detail a viewer (and the critic) can see growing with each revision.
    for (int i = 0; i < Math.min(revision, 6) * 2; i++) {
      svg.append("  <circle cx=\"").append(20 + random.nextInt(160)).append("\" cy=\"").append(20 + random.nextInt(150))
          .append("\" r=\"").append(2 + random.nextInt(4)).append("\" fill=\"#ffffff\" opacity=\"0.8\"/>\n");
    }
    for (int i = 0; i < Math.min(revision, MAX_MARKED_REVISION); i++) {
      svg.append("  <rect x=\"").append(6 + 12 * i)
          .append("\" y=\"186\" width=\"8\" height=\"8\" fill=\"#111111\"/>\n");
    }
    svg.append("  <rect x=\"186\" y=\"186\" width=\"8\" height=\"8\" fill=\"#ff00ff\"/>\n");
    svg.append("</svg>");
    return svg.toString();
  }

  /** The revision named by the {@code <!-- mock revision N -->} comment in {@code svg}, or 0 without one. */
  static int revisionOf(String svg) {
    Matcher m = REVISION_COMMENT.matcher(svg);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** Counts the marker squares in a render of one of our icons; 0 for an image without the key square. */
  static int revisionOf(BufferedImage image) {
    if (!isKey(sample(image, 190, 190))) {
      return 0;
    }
    int revision = 0;
    while (revision < MAX_MARKED_REVISION && isDark(sample(image, 10 + 12 * revision, 190))) {
      revision++;
    }
    return revision;
  }

  /** The pixel at view-box point (x, y), scaled to the image's size. */
  private static int sample(BufferedImage image, int x, int y) {
    int px = Math.min(image.getWidth() - 1, x * image.getWidth() / 200);
    int py = Math.min(image.getHeight() - 1, y * image.getHeight() / 200);
    return image.getRGB(px, py);
  }

  private static boolean isKey(int rgb) {
    int r = (rgb >> 16) & 0xff;
    int g = (rgb >> 8) & 0xff;
    int b = rgb & 0xff;
    return r > 200 && g < 80 && b > 200;
  }

  private static boolean isDark(int rgb) {
    int r = (rgb >> 16) & 0xff;
    int g = (rgb >> 8) & 0xff;
    int b = rgb & 0xff;
    return r < 80 && g < 80 && b < 80;
  }

  private static List<String> palette(String description, SplittableRandom random) {
    List<String> found = new ArrayList<>();
    String lower = description.toLowerCase(Locale.ROOT);
    for (String word : lower.split("[^a-z]+")) {
      String colour = COLOUR_WORDS.get(word);
      if (colour != null && !found.contains(colour)) {
        found.add(colour);
      }
    }
    int extra = found.isEmpty() ? 3 : 1;
    for (int i = 0; i < extra; i++) {
      found.add(DEFAULT_PALETTE[random.nextInt(DEFAULT_PALETTE.length)]);
    }
    return found;
  }

  /** One shape inside a box that stays within x 20..180, y 20..170, clear of the marker strip. */
  private static String shape(SplittableRandom random, String fill, String stroke) {
    int x = 20 + random.nextInt(100);
    int y = 20 + random.nextInt(90);
    int w = 24 + random.nextInt(Math.min(60, 180 - x) - 23);
    int h = 24 + random.nextInt(Math.min(60, 170 - y) - 23);
    String paint = " fill=\"" + fill + "\"" + stroke;
    switch (random.nextInt(4)) {
      case 0:
        return "<rect x=\"" + x + "\" y=\"" + y + "\" width=\"" + w + "\" height=\"" + h + "\" rx=\""
            + random.nextInt(12) + "\"" + paint + "/>";
      case 1:
        return "<ellipse cx=\"" + (x + w / 2) + "\" cy=\"" + (y + h / 2) + "\" rx=\"" + w / 2 + "\" ry=\"" + h / 2
            + "\"" + paint + "/>";
      case 2:
        return "<polygon points=\"" + (x + w / 2) + "," + y + " " + (x + w) + "," + (y + h) + " " + x + ","
            + (y + h) + "\"" + paint + "/>";
      default:
        return "<circle cx=\"" + (x + w / 2) + "\" cy=\"" + (y + h / 2) + "\" r=\"" + Math.min(w, h) / 2 + "\""
            + paint + "/>";
    }
  }

  static String abbreviate(String text, int max) {
    String oneLine = text.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        default -> {
          if (c >= 0x20 || c == '\t') {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
