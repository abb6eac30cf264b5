package io.github.introsvg.internal.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SvgExtractorTest {

  private static final String SVG = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 200\"><circle r=\"5\"/></svg>";

  @Test
  void returnsBareSvgUnchanged() {
    assertThat(SvgExtractor.extract(SVG)).isEqualTo(SVG);
  }

  @Test
  void extractsFromXmlFenceWithProseAround() {
    String reply = "Here is the refined icon:\n```xml\n<?xml version=\"1.0\"?>\n" + SVG + "\n```\nIt uses a circle.";
    assertThat(SvgExtractor.extract(reply)).isEqualTo(SVG);
  }

  @Test
  void extractsFromSvgFenceAndUntaggedFence() {
    assertThat(SvgExtractor.extract("```svg\n" + SVG + "\n```")).isEqualTo(SVG);
    assertThat(SvgExtractor.extract("```\n" + SVG + "\n```")).isEqualTo(SVG);
  }

  @Test
  void skipsFencesThatHoldNoSvg() {
    String reply = "```css\n.a{fill:red}\n```\nand\n```xml\n" + SVG + "\n```";
    assertThat(SvgExtractor.extract(reply)).isEqualTo(SVG);
  }

  @Test
  void extractsFromProseWithoutFence() {
    assertThat(SvgExtractor.extract("Sure! " + SVG + " Hope it helps.")).isEqualTo(SVG);
  }

  @Test
  void keepsNestedSvgElementsWhole() {
    String nested = "<svg viewBox=\"0 0 200 200\"><svg x=\"10\"><rect/></svg><circle/></svg>";
    assertThat(SvgExtractor.extract("text " + nested + " text")).isEqualTo(nested);
  }

  @Test
  void refusesReplyCutBeforeClosingTag() {
    assertThatThrownBy(() -> SvgExtractor.extract("```xml\n<svg viewBox=\"0 0 200 200\"><path d=\"M0 0 L10"))
        .isInstanceOf(ReplyParseException.class)
        .hasMessageContaining("</svg>");
  }

  @Test
  void refusesReplyWithoutSvg() {
    assertThatThrownBy(() -> SvgExtractor.extract("I can't draw that."))
        .isInstanceOf(ReplyParseException.class)
        .hasMessageContaining("no <svg>");
  }

  @Test
  void doesNotMistakeSvgPrefixedTagsForTheRoot() {
    assertThatThrownBy(() -> SvgExtractor.extract("<svgfoo></svg>")).isInstanceOf(ReplyParseException.class);
  }
}
