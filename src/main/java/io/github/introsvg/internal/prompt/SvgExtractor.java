package io.github.introsvg.internal.prompt;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the SVG document in a generator reply, which may wrap it in Markdown fences or prose. */
public final class SvgExtractor {

  // A fenced block, any or no language tag; the closing fence may be missing when the reply was cut.
  private static final Pattern FENCE = Pattern.compile("```[A-Za-z0-9_+-]*[ \\t]*\\r?\\n(.*?)(?:```|\\z)", Pattern.DOTALL);
  private static final Pattern SVG_OPEN = Pattern.compile("<svg[\\s>/]");

  private SvgExtractor() {}

  /**
   * Returns the SVG from {@code <svg} to its final {@code </svg>}: from the first fenced block holding one,
   * else from the whole reply.
   *
   * @throws ReplyParseException when there is no {@code <svg} or the document never closes (a cut reply)
   */
  public static String extract(String reply) {
    Matcher fence = FENCE.matcher(reply);
    while (fence.find()) {
      String block = fence.group(1);
      if (SVG_OPEN.matcher(block).find() && block.contains("</svg>")) return span(block);
    }
    return span(reply);
  }

  private static String span(String text) {
    Matcher open = SVG_OPEN.matcher(text);
    if (!open.find()) throw new ReplyParseException("reply holds no <svg> element");
    int end = text.lastIndexOf("</svg>");
    if (end < open.start()) throw new ReplyParseException("SVG never closes with </svg> (reply cut short?)");
    return text.substring(open.start(), end + "</svg>".length());
  }
}
