package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import io.github.introsvg.render.SvgRenderer;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsvgRendererTest {

  private static final String RED_BOX_400X200 = "<rect width='400' height='200' fill='red'/>";

  private final JsvgRenderer renderer = new JsvgRenderer();

  private BufferedImage render(String svg) {
    return Pngs.decode(renderer.renderPng(svg));
  }

  private static String svg(String rootAttributes, String body) {
    return "<svg xmlns='http://www.w3.org/2000/svg' " + rootAttributes + ">" + body + "</svg>";
  }

  @Test
  void rendersOpaque200x200PngWithWhiteBackground() {
    byte[] png = renderer.renderPng(svg("viewBox='0 0 10 10'", "<rect x='0' y='0' width='5' height='5' fill='#00f'/>"));

    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    BufferedImage image = Pngs.decode(png);
    assertThat(image.getWidth()).isEqualTo(SvgRenderer.SIZE);
    assertThat(image.getHeight()).isEqualTo(SvgRenderer.SIZE);
    assertThat(image.getColorModel().hasAlpha()).isFalse();
    assertThat(image.getRGB(150, 150) & 0xffffff).isEqualTo(0xffffff);
    assertThat(image.getRGB(50, 50) & 0xffffff).isEqualTo(0x0000ff);
  }

  @Test
  void drawsCurrentColorAsBlack() {
    BufferedImage image = render(svg("viewBox='0 0 10 10' fill='currentColor'", "<rect width='5' height='5'/>"));

    assertThat(image.getRGB(25, 25) & 0xffffff).isEqualTo(0x000000);
    assertThat(Pngs.isAllWhite(image)).isFalse();
  }

  @Test
  void emptySvgRendersAllWhite() {
    assertThat(Pngs.isAllWhite(render(svg("viewBox='0 0 10 10'", "")))).isTrue();
  }

  // Expected bounds were measured with cairosvg 2.5.2 svg2png(output_width=200, output_height=200).
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "width='10' height='300' viewBox='0 0 400 200'                  | 0 | 50 | 199 | 149",
      "width='400' height='400' viewBox='0 0 400 200'                 | 0 | 50 | 199 | 149",
      "viewBox='0 0 400 200' preserveAspectRatio='xMinYMin meet'      | 0 | 0  | 199 | 99",
      "viewBox='0 0 400 200' preserveAspectRatio='xMaxYMax'           | 0 | 100 | 199 | 199",
      "viewBox='0 0 400 200' preserveAspectRatio='none'               | 0 | 0  | 199 | 199",
      "viewBox='-200 0 400 200' preserveAspectRatio='xMidYMid slice'  | 100 | 0 | 199 | 199",
      "width='400' height='200'                                       | 0 | 50 | 199 | 149",
      "width='4in' height='2in'                                       | 0 | 50 | 199 | 154",
  })
  void fitsViewportLikeCairosvg(String rootAttributes, int minX, int minY, int maxX, int maxY) {
    BufferedImage image = render(svg(rootAttributes, RED_BOX_400X200));

    assertThat(Pngs.nonWhiteBounds(image)).containsExactly(minX, minY, maxX, maxY);
  }

  @Test
  void ignoresRootSizeSetByCssLikeCairosvg() {
    BufferedImage styleRule = render(svg("viewBox='0 0 400 200'", "<style>svg { width: 10px; height: 300px }</style>" + RED_BOX_400X200));
    BufferedImage styleAttribute = render(svg("viewBox='0 0 400 200' style='width:10px;height:300px'", RED_BOX_400X200));

    assertThat(Pngs.nonWhiteBounds(styleRule)).containsExactly(0, 50, 199, 149);
    assertThat(Pngs.nonWhiteBounds(styleAttribute)).containsExactly(0, 50, 199, 149);
  }

  @Test
  void fitsTallViewBoxIntoCentredColumn() {
    BufferedImage image = render(svg("width='300' height='10' viewBox='0 0 50 100'", "<rect width='50' height='100' fill='red'/>"));

    assertThat(Pngs.nonWhiteBounds(image)).containsExactly(50, 0, 149, 199);
  }

  @Test
  void drawsUnsizedSvgAtNaturalScaleFromCanvasCentreLikeCairosvg() {
    // cairosvg resolves a missing/percentage root size to 0, then draws 1:1 with the origin at (100, 100).
    BufferedImage unsized = render(svg("", "<rect width='50' height='50' fill='red'/>"));
    BufferedImage percent = render(svg("width='100%' height='100%'", "<rect width='25' height='25' fill='red'/>"));
    BufferedImage widthOnly = render(svg("width='50'", "<rect width='25' height='25' fill='red'/>"));

    assertThat(Pngs.nonWhiteBounds(unsized)).containsExactly(100, 100, 149, 149);
    assertThat(Pngs.nonWhiteBounds(percent)).containsExactly(100, 100, 124, 124);
    assertThat(Pngs.nonWhiteBounds(widthOnly)).containsExactly(75, 100, 99, 124);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   \n\t", "hello", "{\"svg\": 1}", "<svg xmlns='http://www.w3.org/2000/svg'>",
      "<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>"})
  void refusesNonSvgAsMalformed(String input) {
    assertThatThrownBy(() -> renderer.renderPng(input))
        .isInstanceOfSatisfying(SvgRenderException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
  }

  @Test
  void refusesNull() {
    assertThatThrownBy(() -> renderer.renderPng(null)).isInstanceOf(NullPointerException.class).hasMessage("svg == null");
  }

  @Test
  void acceptsInputJustUnderTheSizeCap() {
    String body = "<rect width='5' height='5'/>";
    String head = svg("viewBox='0 0 10 10'", body);
    String padded = head.replace(body, body + "<!--" + "x".repeat(JsvgRenderer.MAX_INPUT_BYTES - head.length() - 7) + "-->");

    assertThat(padded.length()).isEqualTo(JsvgRenderer.MAX_INPUT_BYTES);
    assertThat(Pngs.isAllWhite(render(padded))).isFalse();
  }

  @Test
  @Timeout(10)
  void rendersConcurrentlyWithIdenticalResults() throws Exception {
    List<String> svgs = List.of(
        svg("viewBox='0 0 24 24'", "<circle cx='12' cy='12' r='9' fill='none' stroke='#123' stroke-width='2'/>"),
        svg("width='48' height='32'", "<rect x='4' y='4' width='40' height='24' rx='4' fill='#4299e1'/>"),
        svg("viewBox='0 0 100 50'", "<path d='M0 50 L50 0 L100 50 Z' fill='currentColor'/>"));
    List<byte[]> expected = svgs.stream().map(renderer::renderPng).toList();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        String svg = svgs.get(i % svgs.size());
        results.add(pool.submit(() -> renderer.renderPng(svg)));
      }
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).get()).isEqualTo(expected.get(i % svgs.size()));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
