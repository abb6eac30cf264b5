package io.github.introsvg.internal.render;

import com.github.weisj.jsvg.SVGDocument;
import com.github.weisj.jsvg.parser.DocumentLimits;
import com.github.weisj.jsvg.parser.LoaderContext;
import com.github.weisj.jsvg.parser.SVGLoader;
import com.github.weisj.jsvg.parser.resources.ResourcePolicy;
import com.github.weisj.jsvg.renderer.NullPlatformSupport;
import com.github.weisj.jsvg.view.FloatSize;
import com.github.weisj.jsvg.view.ViewBox;
import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import io.github.introsvg.render.SvgRenderer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SvgRenderer} backed by JSVG, matching cairosvg's geometry and refusing external resources, DTDs,
 * gzip input, oversized input and oversized embedded images. Thread-safe.
 */
public final class JsvgRenderer implements SvgRenderer {

  /** Largest accepted SVG, in bytes of UTF-8. */
  static final int MAX_INPUT_BYTES = 256 * 1024;
  /** Deepest element nesting JSVG will build; real icons stay under ~15. */
  static final int MAX_NESTING_DEPTH = 30;
  /** Deepest chain of {@code <use>} referring to {@code <use>}. */
  static final int MAX_USE_NESTING_DEPTH = 8;
  /** Most element instances drawn after {@code <use>} expansion; bounds "use explosion". */
  static final int MAX_RENDERED_ELEMENTS = 10_000;

  private static final Logger log = LoggerFactory.getLogger(JsvgRenderer.class);

  private final SVGLoader loader = new SVGLoader();
  private final LoaderContext context = LoaderContext.builder()
      // Stated explicitly, not left to JSVG's defaults, so a changed default can't open a hole.
      .externalResourcePolicy(ResourcePolicy.DENY_EXTERNAL)
      .resourceLoader(new EmbeddedImageLoader())
      .documentLimits(new DocumentLimits(MAX_NESTING_DEPTH, MAX_USE_NESTING_DEPTH, MAX_RENDERED_ELEMENTS))
      .preProcessor(new CairoViewport(SIZE))
      .build();
  private final PngEncoder encoder = new PngEncoder();

  public JsvgRenderer() {}

  @Override
  public byte[] renderPng(String svg) {
    Objects.requireNonNull(svg, "svg == null");
    SVGDocument document = load(svg);
    BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, SIZE, SIZE);
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setRenderingHint(RenderingHints.KEY_COLOR_RENDERING, RenderingHints.VALUE_COLOR_RENDER_QUALITY);
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      // JSVG takes currentColor from the Graphics2D colour; cairosvg's initial colour is black.
      g.setColor(Color.BLACK);
      // CSS (a <style> rule or style='width:..') can override the root size CairoViewport set; JSVG would
      // letterbox that size into the canvas, so stretch it back: the viewBox then lands on the whole canvas.
      FloatSize size = document.size();
      float width = size.width > 0 && Float.isFinite(size.width) ? size.width : SIZE;
      float height = size.height > 0 && Float.isFinite(size.height) ? size.height : SIZE;
      g.scale(SIZE / width, SIZE / height);
      document.renderWithPlatform(NullPlatformSupport.INSTANCE, g, new ViewBox(0, 0, width, height));
    } catch (RuntimeException | StackOverflowError | AssertionError e) {
      throw failed("JSVG failed to draw the SVG", e);
    } finally {
      g.dispose();
    }
    try {
      return encoder.encode(image);
    } catch (RuntimeException e) {
      throw failed("PNG encoding failed", e);
    }
  }

  private SVGDocument load(String svg) {
    byte[] bytes = utf8WithinInputCap(svg);
    // JSVG silently gunzips input starting 1f 8b (a decompression bomb can't be bounded by the size cap).
    // A String can't encode to 1f 8b, but gzip bytes decoded as text start with U+001F, so refuse that too.
    if (svg.startsWith("\u001f") || bytes.length >= 2 && bytes[0] == 0x1f && bytes[1] == (byte) 0x8b) {
      throw new SvgRenderException(Reason.UNSAFE, "gzip-compressed input refused");
    }
    if (svg.isBlank()) {
      throw new SvgRenderException(Reason.MALFORMED, "SVG is blank");
    }
    SVGDocument document;
    try {
      // No base URI: relative references have nothing to resolve against.
      document = loader.load(new ByteArrayInputStream(bytes), null, context);
    } catch (RuntimeException | StackOverflowError | AssertionError e) {
      throw failed("JSVG failed to load the SVG", e);
    }
    if (document == null) { // JSVG logs and returns null on parse errors and exceeded DocumentLimits
      throw new SvgRenderException(Reason.MALFORMED, "not a well-formed SVG document within limits");
    }
    return document;
  }

  /** {@code svg} as UTF-8, or TOO_LARGE when over {@link #MAX_INPUT_BYTES}; shared with {@link IsolatedRenderer}. */
  static byte[] utf8WithinInputCap(String svg) {
    if (svg.length() > MAX_INPUT_BYTES) { // chars <= UTF-8 bytes: refuse before encoding a huge string
      throw new SvgRenderException(Reason.TOO_LARGE, "SVG has " + svg.length() + " chars, limit " + MAX_INPUT_BYTES + " bytes");
    }
    byte[] bytes = svg.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_INPUT_BYTES) {
      throw new SvgRenderException(Reason.TOO_LARGE, "SVG has " + bytes.length + " bytes, limit " + MAX_INPUT_BYTES);
    }
    return bytes;
  }

  private static SvgRenderException failed(String message, Throwable cause) {
    log.debug("{}: {}", message, cause.toString());
    return new SvgRenderException(Reason.FAILED, message + ": " + cause, cause);
  }
}
