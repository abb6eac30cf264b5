package io.github.introsvg.bench;

import java.util.List;

/** The benchmark's table, one row per concurrency level, in Markdown so it can be pasted into docs. */
public final class BenchTable {

  private BenchTable() {}

  public static String format(List<BenchLevel> levels) {
    StringBuilder out = new StringBuilder();
    out.append("| concurrency | prompts | failed | wall s | prompts/min | completion tok/s | turn p50 ms | turn p95 ms"
        + " | client CPU ms/turn | client CPU ms/prompt (median) | ideal s | achieved/ideal |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (BenchLevel l : levels) {
      out.append(String.format("| %d | %d | %d | %.1f | %.1f | %.0f | %d | %d | %.2f | %.1f | %s | %s |%n",
          l.concurrency(), l.prompts(), l.failed(), l.wall().toMillis() / 1000.0, l.promptsPerMinute(),
          l.completionTokensPerSecond(), l.turnLatencyP50Millis(), l.turnLatencyP95Millis(),
          l.clientCpuMillisPerTurn(), l.clientCpuPerPromptMedian().toNanos() / 1e6,
          l.ideal().map(d -> String.format("%.1f", d.toMillis() / 1000.0)).orElse("-"),
          l.achievedOverIdeal().isPresent() ? String.format("%.3f", l.achievedOverIdeal().getAsDouble()) : "-"));
    }
    return out.toString();
  }
}
