package io.github.introsvg.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.introsvg.internal.RunLayout;
import io.github.introsvg.internal.prompt.CritiqueParser;
import io.github.introsvg.internal.prompt.ReplyParseException;
import io.github.introsvg.prompt.Critique;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * One prompt as the report shows it: its results.jsonl line, completed from its trace (description,
 * critiques, failed attempts) and the files on disk (which image shows each candidate).
 *
 * @param file the prompt's safe file name, empty when the line has none that is safe (then no image is shown)
 * @param status "ok", "failed" or "invalid"
 * @param kept index of the kept candidate, -1 when none
 * @param keptBecause why that candidate was kept, or why the prompt failed
 * @param stoppedEarly the critic was satisfied before the last round, so refining stopped
 */
record PromptView(
    String id,
    String file,
    String status,
    String description,
    int kept,
    List<CandidateView> candidates,
    List<FailedTurn> failedTurns,
    String error,
    long calls,
    long tokens,
    long elapsedMillis,
    boolean stoppedEarly,
    OptionalDouble gain,
    String keptBecause) {

  /** File names the run wrote ({@code FileNames}' safe form); anything else is never put into a path. */
  private static final Pattern SAFE_FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,120}");
  private static final int MAX_DETAIL_CHARS = 600;

  PromptView {
    candidates = List.copyOf(candidates);
    failedTurns = List.copyOf(failedTurns);
  }

  /**
   * One candidate of a prompt.
   *
   * @param score the critic's score, NaN when not critiqued
   * @param image path of its picture relative to OUT ('/'-separated), empty when no file shows it
   * @param imageIsSvg the picture is the SVG itself (no PNG of it was written), shown through {@code <img>}
   */
  record CandidateView(int index, double score, String image, boolean imageIsSvg, String critique, String suggestions) {}

  /** A request whose reply was not used, and why. */
  record FailedTurn(String label, int attempt, String outcome, String detail) {}

  double draftScore() {
    return candidates.isEmpty() ? Double.NaN : candidates.get(0).score();
  }

  double keptScore() {
    return kept >= 0 && kept < candidates.size() ? candidates.get(kept).score() : Double.NaN;
  }

  /** Builds the view of one results.jsonl line; {@code policy} is the run's, or empty when unknown. */
  static PromptView of(Path out, JsonNode line, String policy) {
    String id = line.path("id").asText();
    String status = line.path("status").asText("failed");
    String file = line.path("file").asText("");
    if (!SAFE_FILE.matcher(file).matches() || file.contains("..")) file = "";
    JsonNode trace = file.isEmpty() ? RunFiles.JSON.createObjectNode() : RunFiles.trace(out, file).orElse(RunFiles.JSON.createObjectNode());
    int kept = line.path("kept").isInt() ? line.path("kept").asInt() : -1;
    JsonNode scores = line.path("scores");
    String[][] critiques = new String[scores.size()][];
    List<FailedTurn> failed = new ArrayList<>();
    boolean[] refinedAfter = new boolean[scores.size() + 2];
    boolean[] critiquedIn = new boolean[scores.size() + 2];
    for (JsonNode turn : trace.path("turns")) {
      String label = turn.path("label").asText();
      boolean ok = turn.path("outcome").asText().equals("ok");
      if (!ok) {
        failed.add(new FailedTurn(label, turn.path("attempt").asInt(), turn.path("outcome").asText(),
            clip(turn.path("detail").asText())));
        continue;
      }
      int round = roundOf(label);
      if (label.startsWith("refine-") && round >= 0 && round < refinedAfter.length) refinedAfter[round] = true;
      if (!label.startsWith("critique-")) continue;
      int candidate = label.equals("critique-final") ? scores.size() - 1 : round - 1;
      if (candidate < 0 || candidate >= scores.size()) continue;
      if (round >= 0 && round < critiquedIn.length) critiquedIn[round] = true;
      parse(turn.path("reply").asText()).ifPresent(c -> critiques[candidate] = new String[] {c.critique(), c.suggestions()});
    }
    List<CandidateView> candidates = new ArrayList<>();
    for (int i = 0; i < scores.size(); i++) {
      double score = scores.get(i).isNumber() ? scores.get(i).asDouble() : Double.NaN;
      String[] image = file.isEmpty() ? new String[] {"", ""} : image(out, file, i, i == kept);
      String[] critique = critiques[i] == null ? new String[] {"", ""} : critiques[i];
      candidates.add(new CandidateView(i, score, image[0], image[1].equals("svg"), critique[0], critique[1]));
    }
    String error = line.path("error").asText("");
    int n = scores.size();
    // The loop stops early right after the critique of its last candidate, without asking for a refinement.
    boolean stoppedEarly = status.equals("ok") && error.isEmpty() && n > 0 && critiquedIn[n] && !refinedAfter[n];
    return new PromptView(id, file, status, trace.path("desc").asText(""), kept, candidates, failed, error,
        line.path("calls").asLong(), line.path("prompt_tokens").asLong() + line.path("completion_tokens").asLong(),
        line.path("elapsed_ms").asLong(), stoppedEarly, IntrospectionGain.gain(line),
        keptBecause(status, error, kept, candidates, stoppedEarly, policy));
  }

  private static String keptBecause(String status, String error, int kept, List<CandidateView> candidates,
      boolean stoppedEarly, String policy) {
    if (status.equals("invalid")) return "not run: " + error;
    if (!status.equals("ok") || kept < 0 || kept >= candidates.size()) {
      return "failed: " + (error.isEmpty() ? "no reason recorded" : error);
    }
    int n = candidates.size();
    String which = "kept candidate " + (kept + 1) + " of " + n + " (score " + Scores.format(candidates.get(kept).score()) + "): ";
    if (!error.isEmpty()) return which + error;
    if (stoppedEarly) return which + "the critic was satisfied with candidate " + n + ", so refining stopped early";
    if (policy.equals("reference")) return which + "the last round's, as the reference policy keeps";
    if (kept == n - 1) return which + "the last round's" + (policy.isEmpty() ? "" : ", and the best score");
    return which + "the best score; later rounds scored lower";
  }

  /** The first picture of candidate {@code i} that exists: the PNG the critic saw, the kept PNG, else its SVG. */
  private static String[] image(Path out, String file, int i, boolean kept) {
    List<String[]> options = new ArrayList<>();
    options.add(new String[] {RunLayout.critiquePng(i + 1, file), "png"});
    if (kept) options.add(new String[] {"final_pngs/" + file + ".png", "png"});
    options.add(new String[] {RunLayout.candidateSvg(i, file), "svg"});
    for (String[] option : options) {
      if (Files.isRegularFile(out.resolve(option[0]))) return option;
    }
    return new String[] {"", ""};
  }

  private static Optional<Critique> parse(String reply) {
    try {
      return Optional.of(CritiqueParser.parse(reply));
    } catch (ReplyParseException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** N of "critique-N" or "refine-N"; -1 otherwise. */
  private static int roundOf(String label) {
    int dash = label.lastIndexOf('-');
    try {
      return dash < 0 ? -1 : Integer.parseInt(label.substring(dash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String clip(String s) {
    return s.length() <= MAX_DETAIL_CHARS ? s : s.substring(0, MAX_DETAIL_CHARS) + "…";
  }
}
