package io.github.introsvg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A machine whose default locale writes its own digits (Arabic-Indic under ar-EG, a decimal comma under de-DE)
 * still gets the reference's folder names, working report links and ASCII figures on the console.
 */
// @Isolated: changes the JVM's default locale, which every other test class would see.
@Isolated
@Timeout(60)
class LocaleIndependenceTest {

  private static final Pattern NON_ASCII_DIGIT = Pattern.compile("[\\u0660-\\u0669\\u06F0-\\u06F9\\u0E50-\\u0E59]");
  private static final Locale BEFORE = Locale.getDefault();

  @TempDir Path dir;

  @AfterEach
  void restoreLocale() {
    Locale.setDefault(BEFORE);
  }

  @Test
  void runUnderAnArabicLocaleWritesTheReferenceLayoutWithAsciiDigits() throws Exception {
    Locale.setDefault(Locale.forLanguageTag("ar-EG"));
    assertThat(String.format("%02d", 1)).as("this JDK writes ar-EG digits its own way").isNotEqualTo("01");
    Path prompts = Files.writeString(dir.resolve("prompts.csv"), "id,desc\napple,a red apple\n");
    Path out = dir.resolve("out");
    StringWriter console = new StringWriter();

    int code = Cli.execute(new String[] {"run", prompts.toString(), "-o", out.toString(), "--mock", "--policy", "reference"},
        new PrintWriter(console), new PrintWriter(console), CliTest.IN_PROCESS);

    assertThat(code).as(console.toString()).isZero();
    assertThat(out.resolve("intermediate_files/01_iteration/critique_pngs/apple.png")).exists();
    assertThat(out.resolve("intermediate_files/03_iteration/refined_svgs/apple.svg")).exists();
    assertThat(Files.readString(out.resolve("report.html"))).contains("intermediate_files/01_iteration/")
        .doesNotContainPattern(NON_ASCII_DIGIT);
    assertThat(console.toString()).contains("mean final score").doesNotContainPattern(NON_ASCII_DIGIT);
  }

  @Test
  void consoleFiguresUseADecimalPointUnderAGermanLocale() throws Exception {
    Locale.setDefault(Locale.GERMANY);
    Path prompts = Files.writeString(dir.resolve("prompts.csv"), "id,desc\napple,a red apple\n");
    StringWriter console = new StringWriter();

    int code = Cli.execute(new String[] {"run", prompts.toString(), "-o", dir.resolve("out").toString(), "--mock"},
        new PrintWriter(console), new PrintWriter(console), CliTest.IN_PROCESS);

    assertThat(code).as(console.toString()).isZero();
    assertThat(console.toString()).containsPattern("mean final score \\d+\\.\\d\\d;").containsPattern("; \\d+\\.\\d s\\.");
  }

  @Test
  void noMainSourceFormatsWithTheDefaultLocale() throws Exception {
    Pattern localeFormat = Pattern.compile("(String\\.format|\\.printf)\\(\"|\"\\.formatted\\(");
    List<String> offenders;
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      offenders = files.filter(f -> f.toString().endsWith(".java"))
          .flatMap(f -> lines(f).filter(l -> localeFormat.matcher(l).find()).map(l -> f.getFileName() + ": " + l.strip()))
          .toList();
    }
    assertThat(offenders).as("pass Locale.ROOT: under ar-EG or fa-IR %d writes other digits").isEmpty();
  }

  private static Stream<String> lines(Path file) {
    try {
      return Files.readAllLines(file).stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
