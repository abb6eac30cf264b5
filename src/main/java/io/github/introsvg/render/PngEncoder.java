package io.github.introsvg.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Encodes images as PNG with ImageIO's writer, one reused writer per thread (writers aren't thread-safe). */
final class PngEncoder {

  private final ThreadLocal<ImageWriter> writers = ThreadLocal.withInitial(PngEncoder::newWriter);

  byte[] encode(BufferedImage image) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
    ImageWriter writer = writers.get();
    // In-memory stream: ImageIO.write would consult the global disk-cache setting and look up a writer each call.
    try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(image);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory: not expected
    } finally {
      writer.reset();
    }
    return bytes.toByteArray();
  }

  private static ImageWriter newWriter() {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
    if (!writers.hasNext()) {
      throw new IllegalStateException("no PNG ImageWriter in this JVM");
    }
    return writers.next();
  }
}
