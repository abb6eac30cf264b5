package io.github.introsvg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * {@code bench} as a user runs it. Apart from {@link CliTest} and @Isolated: its client-gap rows come from a JFR
 * recording, which sees every thread of this JVM, and its throughput is timed.
 */
@Isolated
@Timeout(60)
class CliBenchTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int cli(String... args) {
    return Cli.execute(args, new PrintWriter(out), new PrintWriter(err), Map.of());
  }

  private Path csv(String text) throws Exception {
    return Files.writeString(dir.resolve("prompts.csv"), text);
  }

  @Test
  void benchAgainstTheMockPrintsOneRowPerConcurrencyWithAchievedOverIdeal() throws Exception {
    Path prompts = csv("id,desc\na,a red apple\nb,a blue cup\nc,a sun\n");

    int code = cli("bench", "--mock", "--prompts", prompts.toString(), "--limit", "2", "--concurrency", "1,2",
        "--time-scale", "0.0005", "--rounds", "1");

    assertThat(code).as(err.toString()).isZero();
    List<String> rows = out.toString().lines().filter(l -> l.matches("\\| \\d+ \\|.*")).toList();
    assertThat(rows).hasSize(4); // a throughput row and a client-gap row per level
    assertThat(rows.get(0)).startsWith("| 1 | 2 | 0 |").matches(".*\\| 0\\.\\d{3} \\|$");
    assertThat(rows.get(1)).startsWith("| 2 | 2 | 0 |");
    // Every prompt asks the critic after its draft: at least one reply-to-next-request gap each, all in ms.
    assertThat(rows.get(2)).matches("\\| 1 \\| ([2-9]|[1-9]\\d+) \\|( \\d+\\.\\d \\|){8}");
    assertThat(rows.get(3)).matches("\\| 2 \\| ([2-9]|[1-9]\\d+) \\|( \\d+\\.\\d \\|){8}");
    assertThat(out.toString()).containsPattern("launch to first request: \\d+\\.\\d\\d s");
  }
}
