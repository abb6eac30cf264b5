package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.lmdeploy.Sampling;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void samplingKeepsV014Defaults() {
    assertThat(Sampling.of(6000, 0.5).topK()).isEqualTo(40);
  }
}
