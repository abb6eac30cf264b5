package io.github.introsvg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ConsoleTest {

  private final StringWriter text = new StringWriter();

  @Test
  void aMessageClearsTheProgressLineAndRedrawsItBelow() {
    Console console = new Console(new PrintWriter(text), true);

    console.status("[1/3] failed 0");
    console.message("lmdeploy at http://gpu:23333 is not answering (connection refused); pausing");
    console.status("[2/3] failed 0");
    console.endStatus();

    assertThat(text.toString()).isEqualTo("\r\033[K[1/3] failed 0"
        + "\r\033[Klmdeploy at http://gpu:23333 is not answering (connection refused); pausing\n[1/3] failed 0"
        + "\r\033[K[2/3] failed 0\n");
  }

  @Test
  void withoutATerminalEveryStatusIsALineOfItsOwn() {
    Console console = new Console(new PrintWriter(text), false);

    console.status("[1/3] failed 0");
    console.message("note: row 4");
    console.endStatus();

    assertThat(text.toString()).isEqualTo("[1/3] failed 0\nnote: row 4\n");
  }

  @Test
  void countsReadAsEnglish() {
    assertThat(Console.count(1, "prompt")).isEqualTo("1 prompt");
    assertThat(Console.count(0, "prompt")).isEqualTo("0 prompts");
    assertThat(Console.count(2, "retry", "retries")).isEqualTo("2 retries");
  }
}
