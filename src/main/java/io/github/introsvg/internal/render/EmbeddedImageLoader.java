package io.github.introsvg.internal.render;

import com.github.weisj.jsvg.parser.DomDocument;
import com.github.weisj.jsvg.parser.resources.RenderableResource;
import com.github.weisj.jsvg.parser.resources.ResourceLoader;
import com.github.weisj.jsvg.parser.resources.ResourceSupplier;
import com.github.weisj.jsvg.renderer.RenderContext;
import com.github.weisj.jsvg.renderer.SVGRenderingHints;
import com.github.weisj.jsvg.renderer.output.Output;
import com.github.weisj.jsvg.view.FloatSize;
import java.awt.Rectangle;
import java.awt.TexturePaint;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Loads {@code <image>} content only from base64 {@code data:} URIs of raster types, and only after the
 * image header shows bounded dimensions; anything else is refused with an IOException, which JSVG turns
 * into "draw nothing for this image".
 */
final class EmbeddedImageLoader implements ResourceLoader {

  static final int MAX_IMAGE_SIDE = 4096;
  static final long MAX_IMAGE_PIXELS = 4L * 1024 * 1024;

  private static final Set<String> RASTER_TYPES = Set.of("image/png", "image/jpeg", "image/jpg", "image/gif");

  @Override
  public ResourceSupplier<RenderableResource> loadImage(DomDocument document, URI uri) throws IOException {
    // Checked here too, not only by ResourcePolicy.DENY_EXTERNAL: a changed default must not open a fetch.
    if (uri == null || !"data".equalsIgnoreCase(uri.getScheme())) {
      throw new IOException("refused non-data image URI");
    }
    BufferedImage image = decode(uri.toString());
    RenderableResource resource = new ImageResource(image);
    return platform -> Optional.of(resource);
  }

  private static BufferedImage decode(String dataUri) throws IOException {
    int comma = dataUri.indexOf(',');
    if (comma < 0) {
      throw new IOException("malformed data URI");
    }
    String header = dataUri.substring("data:".length(), comma).toLowerCase(Locale.ROOT);
    String[] params = header.split(";");
    if (!RASTER_TYPES.contains(params[0].trim()) || !header.endsWith(";base64")) {
      throw new IOException("refused data URI that isn't a base64 PNG, JPEG or GIF");
    }
    byte[] bytes;
    try {
      bytes = Base64.getMimeDecoder().decode(dataUri.substring(comma + 1));
    } catch (IllegalArgumentException e) {
      throw new IOException("bad base64 in data URI", e);
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new IOException("no reader for embedded image");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        // Reads only the header: a 40-byte PNG can claim 20000x20000 and cost gigabytes to decode.
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        if (width <= 0 || height <= 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE
            || (long) width * height > MAX_IMAGE_PIXELS) {
          throw new IOException("embedded image too large: " + width + "x" + height);
        }
        return reader.read(0);
      } catch (RuntimeException e) {
        throw new IOException("corrupt embedded image", e); // image readers throw unchecked on bad data
      } finally {
        reader.dispose();
      }
    }
  }

  /**
   * JSVG's own {@code ImageResource}, line for line: its package is not exported by JSVG's module, so a modular
   * build can't name it.
   */
  private record ImageResource(BufferedImage image) implements RenderableResource {

    @Override
    public FloatSize intrinsicSize(RenderContext context) {
      return new FloatSize(image.getWidth(context.platformSupport().imageObserver()),
          image.getHeight(context.platformSupport().imageObserver()));
    }

    @Override
    public void render(Output output, RenderContext context, AffineTransform transform) {
      int width = image.getWidth();
      int height = image.getHeight();
      if (output.renderingHint(SVGRenderingHints.KEY_IMAGE_ANTIALIASING) == SVGRenderingHints.VALUE_IMAGE_ANTIALIASING_OFF) {
        output.drawImage(image, transform, context.platformSupport().imageObserver());
      } else {
        output.applyTransform(transform);
        Rectangle bounds = new Rectangle(0, 0, width, height);
        output.setPaint(new TexturePaint(image, bounds));
        output.fillShape(bounds);
      }
    }
  }
}
