package io.github.introsvg.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * What the critique-and-refine rounds gained, from results.jsonl: per prompt that succeeded, the kept
 * candidate's score minus the draft's. summary.json, the console and report.html all take it from here.
 *
 * @param compared prompts that succeeded and whose draft was scored
 * @param meanGain mean of kept minus draft score over {@code compared}, rounded to 2 decimals; NaN when none
 * @param meanScoreByRound index 0 the drafts, r the refinements of round r: mean score over the candidates
 *     the critic scored (later rounds see fewer prompts: those that stopped early have none), 2 decimals
 * @param scoredByRound how many scores each of {@code meanScoreByRound} is the mean of
 */
public record IntrospectionGain(
    int compared,
    double meanGain,
    int improved,
    int unchanged,
    int worse,
    List<Double> meanScoreByRound,
    List<Integer> scoredByRound) {

  public IntrospectionGain {
    meanScoreByRound = List.copyOf(meanScoreByRound);
    scoredByRound = List.copyOf(scoredByRound);
  }

  /** How one prompt's kept candidate compares with its draft. */
  public enum Change { IMPROVED, UNCHANGED, WORSE }

  /** Reads {@code outDir/results.jsonl}; a run in progress gives the figures so far. */
  public static IntrospectionGain of(Path outDir) {
    Objects.requireNonNull(outDir, "outDir == null");
    return of(RunFiles.results(outDir));
  }

  static IntrospectionGain of(List<JsonNode> results) {
    int compared = 0;
    int improved = 0;
    int unchanged = 0;
    int worse = 0;
    double gainSum = 0;
    List<Double> sums = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    for (JsonNode line : results) {
      JsonNode scores = line.path("scores");
      for (int i = 0; i < scores.size(); i++) {
        if (!scores.get(i).isNumber()) continue;
        while (sums.size() <= i) {
          sums.add(0.0);
          counts.add(0);
        }
        sums.set(i, sums.get(i) + scores.get(i).asDouble());
        counts.set(i, counts.get(i) + 1);
      }
      OptionalDouble gain = gain(line);
      if (gain.isEmpty()) continue;
      compared++;
      gainSum += gain.getAsDouble();
      switch (change(gain.getAsDouble())) {
        case IMPROVED -> improved++;
        case UNCHANGED -> unchanged++;
        case WORSE -> worse++;
      }
    }
    List<Double> means = new ArrayList<>();
    for (int i = 0; i < sums.size(); i++) means.add(counts.get(i) == 0 ? Double.NaN : Scores.round(sums.get(i) / counts.get(i)));
    return new IntrospectionGain(compared, compared == 0 ? Double.NaN : Scores.round(gainSum / compared),
        improved, unchanged, worse, means, counts);
  }

  /** Kept score minus draft score of one results.jsonl line, 2 decimals; empty unless it succeeded with a scored draft. */
  static OptionalDouble gain(JsonNode line) {
    JsonNode draft = line.path("scores").path(0);
    JsonNode kept = line.path("final_score");
    if (!line.path("status").asText().equals("ok") || !draft.isNumber() || !kept.isNumber()) return OptionalDouble.empty();
    return OptionalDouble.of(Scores.round(kept.asDouble() - draft.asDouble()));
  }

  static Change change(double gain) {
    return gain > 0 ? Change.IMPROVED : gain < 0 ? Change.WORSE : Change.UNCHANGED;
  }

  /** Share of {@code compared} in each change; 0 when nothing was compared. */
  public double share(Change change) {
    int n = switch (change) {
      case IMPROVED -> improved;
      case UNCHANGED -> unchanged;
      case WORSE -> worse;
    };
    return compared == 0 ? 0 : Math.round(1000.0 * n / compared) / 1000.0;
  }

  /** The figures for people, as the CLI prints them at the end of a run: a sentence, then mean score per round. */
  public String table() {
    StringBuilder t = new StringBuilder();
    t.append("Introspection gain (kept minus draft score, ").append(compared).append(compared == 1 ? " prompt" : " prompts")
        .append("): mean ").append(Scores.signed(meanGain)).append("; improved ")
        .append(Math.round(share(Change.IMPROVED) * 100)).append("%, unchanged ")
        .append(Math.round(share(Change.UNCHANGED) * 100)).append("%, worse ")
        .append(Math.round(share(Change.WORSE) * 100)).append("%\n");
    t.append(String.format(Locale.ROOT, "  %-14s %6s %7s%n", "candidate", "mean", "scored"));
    for (int i = 0; i < meanScoreByRound.size(); i++) {
      t.append(String.format(Locale.ROOT, "  %-14s %6s %7d%n", i == 0 ? "draft" : "refinement " + i,
          Scores.format(meanScoreByRound.get(i)), scoredByRound.get(i)));
    }
    return t.toString();
  }

  /** The figures as summary.json holds them under {@code "introspection"}; null stands for "no value". */
  public Map<String, Object> summaryFields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("compared", compared);
    fields.put("mean_gain", Double.isNaN(meanGain) ? null : meanGain);
    fields.put("improved", improved);
    fields.put("unchanged", unchanged);
    fields.put("worse", worse);
    fields.put("improved_share", share(Change.IMPROVED));
    fields.put("unchanged_share", share(Change.UNCHANGED));
    fields.put("worse_share", share(Change.WORSE));
    fields.put("mean_score_by_round", meanScoreByRound.stream().map(m -> Double.isNaN(m) ? null : m).toList());
    fields.put("scored_by_round", scoredByRound);
    return fields;
  }
}
