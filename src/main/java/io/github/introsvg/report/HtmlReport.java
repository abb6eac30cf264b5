package io.github.introsvg.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.introsvg.internal.batch.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code OUT/report.html}: every prompt's draft and refinements side by side with their scores, critiques and
 * why a candidate was kept, and at the top what the rounds gained. Built from the files a run leaves in OUT
 * (results.jsonl, traces, PNGs), so it can be made again for any run, finished, running or interrupted.
 */
public final class HtmlReport {

  /** The report's name inside OUT. */
  public static final String FILE_NAME = "report.html";

  private HtmlReport() {}

  /** How far a run still in progress is, as its runner knows it. */
  record Live(int total, Duration elapsed) {}

  /**
   * Regenerates {@code outDir/report.html} from the run's files and replaces the old one atomically.
   *
   * @return the report's path
   * @throws IllegalArgumentException when {@code outDir} holds no run (no results.jsonl, no journal)
   * @throws UncheckedIOException when the report can't be written
   */
  public static Path write(Path outDir) {
    Objects.requireNonNull(outDir, "outDir == null");
    if (!Files.exists(outDir.resolve("results.jsonl")) && RunFiles.journalHeader(outDir).isEmpty()) {
      throw new IllegalArgumentException(outDir + " holds no run: no results.jsonl or journal.jsonl in it");
    }
    return write(outDir, Optional.empty());
  }

  static Path write(Path outDir, Optional<Live> live) {
    List<JsonNode> lines = RunFiles.results(outDir);
    Optional<JsonNode> summary = RunFiles.summary(outDir);
    Optional<JsonNode> header = RunFiles.journalHeader(outDir);
    JsonNode settings = summary.or(() -> header).orElse(RunFiles.JSON.createObjectNode());
    String policy = settings.path("policy").asText("");
    List<PromptView> prompts = new ArrayList<>();
    List<JsonNode> invalid = new ArrayList<>();
    List<JsonNode> ran = new ArrayList<>();
    for (JsonNode line : lines) {
      if (line.path("status").asText().equals("invalid")) {
        invalid.add(line);
      } else {
        ran.add(line);
        prompts.add(PromptView.of(outDir, line, policy));
      }
    }
    ReportPage.RunFacts facts = new ReportPage.RunFacts(title(outDir), state(outDir, summary, header, live),
        total(summary, live), wallTime(outDir, summary, header, live), settings(settings),
        summary.map(s -> s.path("retries").asLong()).orElse(0L), summary.map(s -> s.has("retries")).orElse(false));
    String page = ReportPage.render(facts, prompts, invalid, IntrospectionGain.of(ran));
    Path target = outDir.resolve(FILE_NAME);
    AtomicFiles.write(target, page.getBytes(StandardCharsets.UTF_8));
    return target;
  }

  private static String title(Path outDir) {
    Path name = outDir.toAbsolutePath().normalize().getFileName();
    return "introsvg run " + (name == null ? outDir : name);
  }

  private static String state(Path out, Optional<JsonNode> summary, Optional<JsonNode> header, Optional<Live> live) {
    if (live.isPresent()) return "running (this page is refreshed as prompts finish; reload it)";
    if (summary.isEmpty()) return header.isPresent() ? "in progress or interrupted (no summary.json yet)" : "no summary.json";
    if (modified(out.resolve("results.jsonl")).compareTo(modified(out.resolve("summary.json"))) > 0) {
      return "in progress or resumed (results.jsonl is newer than summary.json)";
    }
    String status = summary.get().path("status").asText("unknown");
    String error = summary.get().path("error").asText("");
    return "run " + status + (error.isEmpty() ? "" : ": " + error);
  }

  private static Optional<Integer> total(Optional<JsonNode> summary, Optional<Live> live) {
    if (live.isPresent()) return Optional.of(live.get().total());
    return summary.filter(s -> s.has("rows")).map(s -> s.path("rows").asInt() - s.path("invalid").asInt());
  }

  private static Duration wallTime(Path out, Optional<JsonNode> summary, Optional<JsonNode> header, Optional<Live> live) {
    if (live.isPresent()) return live.get().elapsed();
    if (summary.isPresent()) return Duration.ofMillis(summary.get().path("elapsed_ms").asLong());
    try {
      Instant started = Instant.parse(header.map(h -> h.path("started").asText()).orElse(""));
      Instant last = modified(out.resolve("results.jsonl")).toInstant();
      return last.isAfter(started) ? Duration.between(started, last) : Duration.ZERO;
    } catch (DateTimeParseException e) {
      return Duration.ZERO;
    }
  }

  private static String settings(JsonNode s) {
    List<String> parts = new ArrayList<>();
    if (s.hasNonNull("model")) parts.add("model " + s.get("model").asText());
    if (s.hasNonNull("server")) parts.add("server " + s.get("server").asText());
    if (s.hasNonNull("server_kind")) parts.add(s.get("server_kind").asText());
    if (s.hasNonNull("policy")) {
      parts.add("policy " + s.get("policy").asText() + ", " + s.path("rounds").asInt() + " rounds, stop score "
          + Scores.format(s.path("stop_score").asDouble()));
    }
    if (s.hasNonNull("concurrency")) parts.add("concurrency " + s.get("concurrency").asInt());
    return parts.isEmpty() ? "settings unknown" : String.join(" · ", parts);
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
