package io.github.introsvg.report;

/** Escapes untrusted text for HTML element content and double- or single-quoted attribute values. */
final class Html {

  private Html() {}

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        case '\0' -> b.append('\uFFFD');
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
