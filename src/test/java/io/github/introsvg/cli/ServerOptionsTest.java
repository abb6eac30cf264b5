package io.github.introsvg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.internal.Durations;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerOptionsTest {

  @Test
  void maxOutageIsMinutesOrADurationWithAUnit() {
    assertThat(ServerOptions.outage("30")).isEqualTo(Duration.ofMinutes(30));
    assertThat(ServerOptions.outage("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ServerOptions.outage("45m")).isEqualTo(Duration.ofMinutes(45));
    assertThat(ServerOptions.outage(" 2H ")).isEqualTo(Duration.ofHours(2));
    for (String bad : new String[] {"0", "0s", "-5", "1.5", "5d", "", "s"}) {
      assertThatThrownBy(() -> ServerOptions.outage(bad)).as(bad).isInstanceOf(Failure.UsageException.class);
    }
  }

  @Test
  void consoleLinesNameTheCauseWithoutRepeatingTheUrl() {
    String url = "http://gpu:23333";
    assertThat(ServerOptions.shortCause(url, "Couldn't reach lmdeploy at " + url + " (connection refused)"))
        .isEqualTo("connection refused");
    assertThat(ServerOptions.shortCause(url, "lmdeploy at " + url + " failed (HTTP 503: loading)"))
        .isEqualTo("failed (HTTP 503: loading)");
    assertThat(ServerOptions.shortCause(url, "something else")).isEqualTo("something else");
    assertThat(Durations.clock(Duration.ofSeconds(90))).isEqualTo("1:30");
    assertThat(Durations.clock(Duration.ofSeconds(3725))).isEqualTo("1:02:05");
  }
}
