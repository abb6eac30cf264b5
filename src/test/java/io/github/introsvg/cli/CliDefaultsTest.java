package io.github.introsvg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.IntroSvg;
import io.github.introsvg.internal.Durations;
import io.github.introsvg.loop.LoopSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every default has one home, the library's constants: the CLI's help and docs/library.md show exactly those. */
class CliDefaultsTest {

  @Test
  void runHelpShowsTheLibrarysDefaults() {
    String help = help("run");

    assertThat(defaultOf(help, "--concurrency")).isEqualTo(String.valueOf(IntroSvg.DEFAULT_CONCURRENCY));
    assertThat(defaultOf(help, "--server")).isEqualTo("$INTROSVG_SERVER (a URL or a comma list), else " + IntroSvg.DEFAULT_SERVER);
    assertThat(defaultOf(help, "--connect-timeout")).isEqualTo(String.valueOf(IntroSvg.DEFAULT_CONNECT_TIMEOUT.toSeconds()));
    assertThat(defaultOf(help, "--idle-timeout")).isEqualTo(String.valueOf(IntroSvg.DEFAULT_IDLE_TIMEOUT.toSeconds()));
    assertThat(defaultOf(help, "--call-timeout")).isEqualTo(String.valueOf(IntroSvg.DEFAULT_CALL_TIMEOUT.toSeconds()));
    assertThat(defaultOf(help, "--max-attempts")).isEqualTo(String.valueOf(IntroSvg.DEFAULT_MAX_ATTEMPTS));
    assertThat(defaultOf(help, "--max-outage")).isEqualTo(String.valueOf(IntroSvg.DEFAULT_MAX_OUTAGE.toMinutes()));
    assertThat(defaultOf(help, "--rounds")).isEqualTo(String.valueOf(LoopSettings.DEFAULT_ROUNDS));
    assertThat(defaultOf(help, "--stop-score")).isEqualTo(String.valueOf(LoopSettings.DEFAULT_STOP_SCORE));
    assertThat(defaultOf(help, "--policy")).isEqualToIgnoringCase(LoopSettings.DEFAULT_POLICY.name());
  }

  @Test
  void generateHelpShowsTheSameLoopDefaults() {
    String help = help("generate");

    assertThat(defaultOf(help, "--rounds")).isEqualTo(String.valueOf(LoopSettings.DEFAULT_ROUNDS));
    assertThat(defaultOf(help, "--stop-score")).isEqualTo(String.valueOf(LoopSettings.DEFAULT_STOP_SCORE));
    assertThat(defaultOf(help, "--max-attempts")).isEqualTo(String.valueOf(IntroSvg.DEFAULT_MAX_ATTEMPTS));
  }

  @Test
  void libraryDocsListTheSameDefaults() throws Exception {
    String docs = Files.readString(Path.of("docs/library.md"));

    assertThat(docs)
        .contains("| `IntroSvg.DEFAULT_SERVER` | `" + IntroSvg.DEFAULT_SERVER + "` |")
        .contains("| `IntroSvg.DEFAULT_CONCURRENCY` | " + IntroSvg.DEFAULT_CONCURRENCY + " |")
        .contains("| " + Durations.text(IntroSvg.DEFAULT_CONNECT_TIMEOUT) + ", " + Durations.text(IntroSvg.DEFAULT_IDLE_TIMEOUT)
            + ", " + Durations.text(IntroSvg.DEFAULT_CALL_TIMEOUT) + " |")
        .contains("| " + IntroSvg.DEFAULT_MAX_ATTEMPTS + ", " + Durations.text(IntroSvg.DEFAULT_INITIAL_BACKOFF) + " growing to "
            + Durations.text(IntroSvg.DEFAULT_MAX_BACKOFF) + " |")
        .contains("| `IntroSvg.DEFAULT_MAX_OUTAGE` | " + Durations.text(IntroSvg.DEFAULT_MAX_OUTAGE) + " |")
        .contains("| " + LoopSettings.DEFAULT_POLICY.name().toLowerCase(Locale.ROOT) + ", " + LoopSettings.DEFAULT_ROUNDS
            + ", " + LoopSettings.DEFAULT_STOP_SCORE + " |")
        .contains("| `LoopSettings.DEFAULT_ATTEMPTS` | " + LoopSettings.DEFAULT_ATTEMPTS + " |");
  }

  private static String help(String command) {
    StringWriter out = new StringWriter();
    int exit = Cli.execute(new String[] {command, "--help"}, new PrintWriter(out), new PrintWriter(new StringWriter()), Map.of());
    assertThat(exit).isZero();
    return out.toString().replaceAll("\\s+", " "); // the help wraps at 80 columns
  }

  /** The text after "Default: " in the option's own description, up to its closing full stop. */
  private static String defaultOf(String help, String option) {
    int at = help.indexOf(" " + option + "=");
    assertThat(at).as(option + " in the help").isNotNegative();
    int from = help.indexOf("Default: ", at) + "Default: ".length();
    int end = help.indexOf(". ", from);
    return help.substring(from, end);
  }
}
