package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngEncoderTest {

  @Test
  void encodesEveryPixelExactlyAsAnOpaqueTruecolourPng() throws Exception {
    BufferedImage image = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(42);
    for (int y = 0; y < 200; y++) {
      for (int x = 0; x < 200; x++) image.setRGB(x, y, random.nextInt(0x1000000));
    }

    byte[] png = new PngEncoder().encode(image);

    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(decoded.getColorModel().hasAlpha()).isFalse();
    assertThat(decoded.getWidth()).isEqualTo(200);
    for (int y = 0; y < 200; y++) {
      for (int x = 0; x < 200; x++) {
        assertThat(decoded.getRGB(x, y) & 0xffffff).as("pixel %d,%d", x, y).isEqualTo(image.getRGB(x, y) & 0xffffff);
      }
    }
  }

  @Test
  void encodesOtherImageTypesThroughTheirRgb() throws Exception {
    BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
    image.setRGB(1, 1, 0x123456);

    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(new PngEncoder().encode(image)));

    assertThat(decoded.getRGB(1, 1) & 0xffffff).isEqualTo(0x123456);
    assertThat(decoded.getRGB(0, 0) & 0xffffff).isZero();
  }

  @Test
  void reusesItsDeflaterAcrossImages() throws Exception {
    PngEncoder encoder = new PngEncoder();
    BufferedImage white = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
    white.getGraphics().fillRect(0, 0, 50, 50);
    byte[] first = encoder.encode(white);
    assertThat(encoder.encode(white)).isEqualTo(first);
  }
}
