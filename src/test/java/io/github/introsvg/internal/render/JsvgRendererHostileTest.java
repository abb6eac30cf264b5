package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Untrusted SVG: every case must fetch nothing, read nothing, and end quickly in a refusal or a safe render. */
// Separate thread: a regression that fetches would block in an uninterruptible socket read, not time out.
// @Isolated: each hostile render must end within a wall-clock bound, with the cores to itself.
@Isolated
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JsvgRendererHostileTest {

  private static final String SVG_NS = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'";
  private static final String RED_RECT = "<rect width='10' height='10' fill='red'/>";

  private final JsvgRenderer renderer = new JsvgRenderer();
  private ServerSocketChannel listener;
  private String origin;

  @BeforeEach
  void listen() throws IOException {
    listener = ServerSocketChannel.open();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    // Non-blocking: after a render, accept() returning null proves nobody connected (the kernel queues any
    // completed handshake in the backlog whether or not we accept it).
    listener.configureBlocking(false);
    origin = "127.0.0.1:" + listener.socket().getLocalPort();
  }

  @AfterEach
  void close() throws IOException {
    listener.close();
  }

  @Test
  void listenerSeesAConnectionWhenOneIsMade() throws IOException {
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.socket().getLocalPort())) {
      assertThat(listener.accept()).as("the probe used by every other test").isNotNull();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "<svg SVG_NS><image href='http://ORIGIN/x.png' width='10' height='10'/></svg>",
      "<svg SVG_NS><image xlink:href='http://ORIGIN/x.png' width='10' height='10'/></svg>",
      "<svg SVG_NS><image href='https://ORIGIN/x.png' width='10' height='10'/></svg>",
      "<svg SVG_NS><image href='//ORIGIN/x.png' width='10' height='10'/></svg>",
      "<svg SVG_NS><image href='jar:http://ORIGIN/x.jar!/x.png' width='10' height='10'/></svg>",
      "<svg SVG_NS><image href='http://ORIGIN/x.svg' width='10' height='10'/></svg>",
      "<svg SVG_NS><use href='http://ORIGIN/x.svg#a'/></svg>",
      "<svg SVG_NS><use xlink:href='http://ORIGIN/x.svg#a'/></svg>",
      "<svg SVG_NS><use xlink:href='https://ORIGIN/x.svg#a'/></svg>",
      "<svg SVG_NS><rect width='10' height='10' fill='url(http://ORIGIN/p.svg#g)'/></svg>",
      "<svg SVG_NS><rect width='10' height='10' filter='url(http://ORIGIN/f.svg#f)' clip-path='url(http://ORIGIN/c.svg#c)' mask='url(http://ORIGIN/m.svg#m)'/></svg>",
      "<svg SVG_NS><filter id='f'><feImage href='http://ORIGIN/x.png'/></filter><rect width='9' height='9' filter='url(#f)'/></svg>",
      "<svg SVG_NS><style>@import url(http://ORIGIN/s.css);</style>" + RED_RECT + "</svg>",
      "<svg SVG_NS><style>@import 'http://ORIGIN/s.css';</style>" + RED_RECT + "</svg>",
      "<svg SVG_NS><style>@font-face { font-family: X; src: url(http://ORIGIN/f.woff); }"
          + " text { font-family: X; }</style><text x='1' y='9'>Hi</text></svg>",
      "<svg SVG_NS><style>rect { fill: url(http://ORIGIN/p.svg#g); }</style>" + RED_RECT + "</svg>",
      "<?xml-stylesheet href='http://ORIGIN/s.css'?><svg SVG_NS>" + RED_RECT + "</svg>",
      "<!DOCTYPE svg SYSTEM 'http://ORIGIN/svg.dtd'><svg SVG_NS>" + RED_RECT + "</svg>",
      "<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN' 'http://ORIGIN/svg11.dtd'><svg SVG_NS>" + RED_RECT + "</svg>",
      "<!DOCTYPE svg [<!ENTITY x SYSTEM 'http://ORIGIN/e.xml'>]><svg SVG_NS><text>&x;</text></svg>",
      "<!DOCTYPE svg [<!ENTITY % p SYSTEM 'http://ORIGIN/p.dtd'> %p;]><svg SVG_NS>" + RED_RECT + "</svg>",
      "<svg SVG_NS><script href='http://ORIGIN/s.js'/><script>fetch('http://ORIGIN/x')</script>" + RED_RECT + "</svg>",
      "<svg SVG_NS xml:base='http://ORIGIN/'><image href='x.png' width='10' height='10'/><use href='x.svg#a'/></svg>",
  })
  void fetchesNothingOverTheNetwork(String template) throws IOException {
    String svg = template.replace("SVG_NS", SVG_NS).replace("ORIGIN", origin);

    renderOrRefuse(svg);

    assertThat(listener.accept()).as("connection to " + origin).isNull();
  }

  @Test
  void readsNoLocalFiles(@TempDir Path dir) throws IOException {
    Path redPng = dir.resolve("red.png");
    Files.write(redPng, redPng(20, 20));
    Path redSvg = dir.resolve("red.svg");
    Files.writeString(redSvg, "<svg xmlns='http://www.w3.org/2000/svg'><rect id='r' width='200' height='200' fill='red'/></svg>");
    Path redCss = dir.resolve("red.css");
    Files.writeString(redCss, "rect { fill: red; }");
    Path redXml = dir.resolve("red.xml");
    Files.writeString(redXml, "<rect width='200' height='200' fill='red'/>");
    Path jar = dir.resolve("red.jar");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
      zip.putNextEntry(new ZipEntry("red.png"));
      zip.write(redPng(20, 20));
      zip.closeEntry();
    }
    String png = redPng.toUri().toString();
    String[] svgs = {
        "<svg SVG_NS viewBox='0 0 20 20'><image href='" + png + "' width='20' height='20'/></svg>",
        "<svg SVG_NS viewBox='0 0 20 20'><image xlink:href='" + png + "' width='20' height='20'/></svg>",
        "<svg SVG_NS viewBox='0 0 20 20'><image href='" + redPng.toAbsolutePath() + "' width='20' height='20'/></svg>",
        "<svg SVG_NS viewBox='0 0 20 20'><image href='jar:" + jar.toUri() + "!/red.png' width='20' height='20'/></svg>",
        "<svg SVG_NS viewBox='0 0 20 20'><image href='" + redSvg.toUri() + "' width='20' height='20'/></svg>",
        "<svg SVG_NS viewBox='0 0 20 20'><use href='" + redSvg.toUri() + "#r'/></svg>",
        "<svg SVG_NS viewBox='0 0 20 20'><style>@import url(" + redCss.toUri() + ");</style><rect width='20' height='20'/></svg>",
        "<!DOCTYPE svg [<!ENTITY x SYSTEM '" + redXml.toUri() + "'>]><svg SVG_NS viewBox='0 0 20 20'>&x;</svg>",
    };
    for (String template : svgs) {
      String svg = template.replace("SVG_NS", SVG_NS);
      BufferedImage image = renderOrRefuse(svg);
      if (image != null) {
        assertThat(Pngs.redPixels(image)).as(svg).isZero();
      }
    }
  }

  @Test
  void drawsSmallEmbeddedDataImage() throws IOException {
    BufferedImage image = Pngs.decode(renderer.renderPng(svgWithDataImage(redPng(20, 20))));

    assertThat(Pngs.redPixels(image)).as("control for readsNoLocalFiles and skipsHugeEmbeddedImage").isGreaterThan(30_000);
  }

  @Test
  void skipsEmbeddedImageWhoseHeaderClaimsHugeDimensions() {
    byte[] claims20000Square = pngHeaderOnly(20_000, 20_000);

    long start = System.nanoTime();
    BufferedImage image = Pngs.decode(renderer.renderPng(svgWithDataImage(claims20000Square)));

    assertThat(Pngs.isAllWhite(image)).isTrue();
    assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
  }

  @Test
  void skipsRealEmbeddedImageOverTheSideLimit() throws IOException {
    byte[] wide = redPng(EmbeddedImageLoader.MAX_IMAGE_SIDE + 1, 1);

    assertThat(Pngs.isAllWhite(Pngs.decode(renderer.renderPng(svgWithDataImage(wide))))).isTrue();
  }

  @Test
  void neverExpandsBillionLaughs() {
    StringBuilder dtd = new StringBuilder("<!DOCTYPE svg [<!ENTITY lol0 'lol'>");
    for (int i = 1; i <= 9; i++) {
      dtd.append("<!ENTITY lol").append(i).append(" '").append(("&lol" + (i - 1) + ";").repeat(10)).append("'>");
    }
    String svg = dtd + "]><svg " + SVG_NS + " viewBox='0 0 20 20'><text x='0' y='15'>&lol9;</text></svg>";

    // JSVG's StAX parser has DTDs off and leaves entity references unreplaced: nothing to expand or draw.
    BufferedImage image = renderOrRefuse(svg);

    assertThat(image == null || Pngs.isAllWhite(image)).isTrue();
  }

  @Test
  void refusesDeepNestingOverTheInputCap() {
    String svg = "<svg " + SVG_NS + ">" + "<g>".repeat(100_000) + "</g>".repeat(100_000) + "</svg>";

    assertReason(svg, Reason.TOO_LARGE);
  }

  @Test
  void refusesDeepNestingUnderTheInputCap() {
    int depth = 30_000; // 210 KB: within the size cap, far over the nesting limit
    String svg = "<svg " + SVG_NS + ">" + "<g>".repeat(depth) + RED_RECT + "</g>".repeat(depth) + "</svg>";

    assertThatThrownBy(() -> renderer.renderPng(svg)).isInstanceOf(SvgRenderException.class);
  }

  @Test
  void refusesUseExplosion() {
    StringBuilder svg = new StringBuilder("<svg " + SVG_NS + "><defs><rect id='a0' width='1' height='1'/>");
    for (int i = 1; i <= 9; i++) {
      svg.append("<g id='a").append(i).append("'>");
      for (int j = 0; j < 10; j++) {
        svg.append("<use href='#a").append(i - 1).append("'/>");
      }
      svg.append("</g>");
    }
    svg.append("</defs><use href='#a9'/></svg>");

    assertThatThrownBy(() -> renderer.renderPng(svg.toString())).isInstanceOf(SvgRenderException.class);
  }

  @Test
  void refusesSelfReferencingUse() {
    String svg = "<svg " + SVG_NS + "><g id='a'><use href='#a'/></g><use id='b' href='#c'/><use id='c' href='#b'/></svg>";

    assertThatThrownBy(() -> renderer.renderPng(svg)).isInstanceOf(SvgRenderException.class);
  }

  @Test
  void refusesGzipInput() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(gz)) {
      out.write(("<svg " + SVG_NS + ">" + RED_RECT + "</svg>").getBytes(StandardCharsets.UTF_8));
    }

    assertReason(new String(gz.toByteArray(), StandardCharsets.ISO_8859_1), Reason.UNSAFE);
    assertReason(new String(gz.toByteArray(), StandardCharsets.UTF_8), Reason.UNSAFE);
  }

  @Test
  void refusesOversizedInput() {
    String ascii = "<svg " + SVG_NS + "><!--" + "x".repeat(JsvgRenderer.MAX_INPUT_BYTES) + "--></svg>";
    // Under the cap in chars, over it in UTF-8 bytes.
    String multiByte = "<svg " + SVG_NS + "><!--" + "é".repeat(JsvgRenderer.MAX_INPUT_BYTES / 2 + 1) + "--></svg>";

    assertReason(ascii, Reason.TOO_LARGE);
    assertThat(multiByte.length()).isLessThan(JsvgRenderer.MAX_INPUT_BYTES);
    assertReason(multiByte, Reason.TOO_LARGE);
  }

  @Test
  void ignoresScript() {
    String svg = "<svg " + SVG_NS + " viewBox='0 0 10 10' onload=\"document.documentElement.style.fill='red'\">"
        + "<script>document.querySelector('rect').setAttribute('fill', 'red');</script>"
        + "<rect width='10' height='10' fill='blue'/></svg>";

    BufferedImage image = Pngs.decode(renderer.renderPng(svg));

    assertThat(Pngs.redPixels(image)).isZero();
    assertThat(image.getRGB(100, 100) & 0xffffff).isEqualTo(0x0000ff);
  }

  /** Renders, or returns null when the renderer refuses; anything but SvgRenderException fails the test. */
  private BufferedImage renderOrRefuse(String svg) {
    try {
      return Pngs.decode(renderer.renderPng(svg));
    } catch (SvgRenderException refused) {
      return null;
    }
  }

  private void assertReason(String svg, Reason reason) {
    assertThatThrownBy(() -> renderer.renderPng(svg))
        .isInstanceOfSatisfying(SvgRenderException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private static String svgWithDataImage(byte[] png) {
    return "<svg " + SVG_NS + " viewBox='0 0 20 20'><image width='20' height='20' preserveAspectRatio='none' href='data:image/png;base64,"
        + Base64.getEncoder().encodeToString(png) + "'/></svg>";
  }

  private static byte[] redPng(int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, 0xff0000);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  /** A PNG signature and valid IHDR claiming {@code width x height} RGB, with no image data behind it. */
  private static byte[] pngHeaderOnly(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    byte[] ihdr = {'I', 'H', 'D', 'R',
        (byte) (width >>> 24), (byte) (width >>> 16), (byte) (width >>> 8), (byte) width,
        (byte) (height >>> 24), (byte) (height >>> 16), (byte) (height >>> 8), (byte) height,
        8, 2, 0, 0, 0};
    writeInt(out, ihdr.length - 4);
    out.writeBytes(ihdr);
    CRC32 crc = new CRC32();
    crc.update(ihdr);
    writeInt(out, (int) crc.getValue());
    writeInt(out, 0);
    byte[] iend = {'I', 'E', 'N', 'D'};
    out.writeBytes(iend);
    crc.reset();
    crc.update(iend);
    writeInt(out, (int) crc.getValue());
    return out.toByteArray();
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    out.writeBytes(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
  }
}
