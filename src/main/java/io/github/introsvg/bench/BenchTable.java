package io.github.introsvg.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** The benchmark's table, one row per concurrency level, in Markdown so it can be pasted into docs. */
public final class BenchTable {

  private BenchTable() {}

  public static String format(List<BenchLevel> levels) {
    StringBuilder out = new StringBuilder();
    out.append("| concurrency | prompts | failed | wall s | prompts/min | completion tok/s | turn p50 ms | turn p95 ms"
        + " | client CPU ms/turn | client CPU ms/prompt (median) | ideal s | achieved/ideal |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (BenchLevel l : levels) {
      out.append(String.format(Locale.ROOT, "| %d | %d | %d | %.1f | %.1f | %.0f | %d | %d | %.2f | %.1f | %s | %s |%n",
          l.concurrency(), l.prompts(), l.failed(), l.wall().toMillis() / 1000.0, l.promptsPerMinute(),
          l.completionTokensPerSecond(), l.turnLatencyP50Millis(), l.turnLatencyP95Millis(),
          l.clientCpuMillisPerTurn(), l.clientCpuPerPromptMedian().toNanos() / 1e6,
          l.ideal().map(d -> String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0)).orElse("-"),
          l.achievedOverIdeal().isPresent() ? String.format(Locale.ROOT, "%.3f", l.achievedOverIdeal().getAsDouble()) : "-"));
    }
    return out.toString();
  }

  /** The client's own cost per level: the gap between a reply and that prompt's next request, its mean split in parts (ms). */
  public static String formatGaps(List<BenchLevel> levels) {
    StringBuilder out = new StringBuilder();
    out.append("| concurrency | gaps | gap p50 ms | gap p90 ms | gap mean ms | = render wait | + render | + encode"
        + " | + journal | + other (CPU, permits, HTTP) |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (BenchLevel l : levels) {
      ClientGaps g = l.gaps();
      out.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |%n", l.concurrency(),
          g.count(), ms(g.p50()), ms(g.p90()), ms(g.mean()), ms(g.renderWaitMean()), ms(g.renderMean()),
          ms(g.encodeMean()), ms(g.journalMean()), ms(g.otherMean())));
    }
    return out.toString();
  }

  private static String ms(Duration d) {
    return String.format(Locale.ROOT, "%.1f", d.toNanos() / 1e6);
  }
}
