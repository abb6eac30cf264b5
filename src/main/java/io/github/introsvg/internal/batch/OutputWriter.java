package io.github.introsvg.internal.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.introsvg.batch.DamagedRunFileException;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.RowProblem;
import io.github.introsvg.internal.Json;
import io.github.introsvg.internal.RunLayout;
import io.github.introsvg.loop.Candidate;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.loop.Turn;
import io.github.introsvg.prompt.Critique;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Writes a run's files in the reference's layout, plus our own: {@code traces/}, {@code results.jsonl} and
 * {@code summary.json}. Every path is built from a {@link PromptRow#fileName()}, never from a raw id.
 */
final class OutputWriter implements AutoCloseable {

  private static final ObjectMapper JSON = Json.MAPPER;
  private static final ObjectWriter PRETTY = JSON.writerWithDefaultPrettyPrinter();

  /** Everything a run writes in OUT besides the journal: what a fresh start sets aside. */
  static final List<String> RUN_FILES = List.of("final_svgs", "final_pngs", "intermediate_files", "traces",
      "results.jsonl", "summary.json", "file_names.csv", "report.html");
  /** The folders holding per-prompt files, where a killed run may have left temporary files. */
  static final List<String> PROMPT_DIRS = List.of("final_svgs", "final_pngs", "intermediate_files", "traces");

  private final Path out;
  private final Path resultsPath;
  // Whole lines written straight to the stream: a buffer would keep the rest of a line that failed to be
  // written and could add it after the torn part when closing.
  private final FileOutputStream results;
  /** The first append to results.jsonl that failed; every later one fails the same way (see RunJournal). */
  private UncheckedIOException resultsFailed;

  OutputWriter(Path out) {
    this.out = out;
    this.resultsPath = out.resolve("results.jsonl");
    try {
      Files.createDirectories(out);
      results = new FileOutputStream(resultsPath.toFile(), true);
      AtomicFiles.syncDirectory(out); // a results.jsonl just created must not vanish in a power cut
    } catch (IOException e) {
      throw FileProblems.problem("open", resultsPath, e);
    }
  }

  /** Writes every file of one finished prompt, then its line in results.jsonl. */
  void write(PromptRow row, PromptResult result) {
    String name = row.fileName();
    for (Candidate c : result.candidates()) {
      AtomicFiles.write(out.resolve(RunLayout.candidateSvg(c.index(), name)), utf8(c.svg()));
    }
    // Round r critiqued candidate r-1; the reference saved the PNG it showed the critic under round r.
    result.turns().stream()
        .filter(t -> t.outcome() == Turn.Outcome.OK && t.label().matches("critique-\\d+"))
        .mapToInt(t -> Integer.parseInt(t.label().substring("critique-".length())))
        .forEach(round -> AtomicFiles.write(out.resolve(RunLayout.critiquePng(round, name)),
            result.candidates().get(round - 1).png()));
    result.kept().ifPresent(kept -> {
      AtomicFiles.write(out.resolve("final_svgs").resolve(name + ".svg"), utf8(kept.svg()));
      AtomicFiles.write(out.resolve("final_svgs").resolve(name + ".json"), json(critiqueJson(kept.critique().orElseThrow())));
      AtomicFiles.write(out.resolve("final_pngs").resolve(name + ".png"), kept.png());
    });
    AtomicFiles.write(out.resolve("traces").resolve(name + ".json"), json(trace(row, result)));
    appendResult(resultLine(row, result));
  }

  /** Records a row that did not run, so results.jsonl has one line per row of the CSV. */
  void writeSkipped(RowProblem problem) {
    ObjectNode line = JSON.createObjectNode();
    line.put("id", problem.id());
    line.put("line", problem.line());
    line.put("status", "invalid");
    line.put("error", problem.message());
    appendResult(line);
  }

  void writeSummary(ObjectNode summary) {
    AtomicFiles.write(out.resolve("summary.json"), json(summary));
  }

  void writeFileNames(Iterable<PromptRow> rows) {
    StringBuilder csv = new StringBuilder("id,file\n");
    for (PromptRow row : rows) {
      if (!row.fileName().equals(row.id())) csv.append(quote(row.id())).append(',').append(row.fileName()).append('\n');
    }
    AtomicFiles.write(out.resolve("file_names.csv"), utf8(csv.toString()));
  }

  /**
   * Prepares results.jsonl for a resumed run: keeps one line per prompt in {@code done}, dropping lines of
   * prompts that will run again and of invalid rows, which are reported again. Returns the kept lines.
   *
   * @throws DamagedRunFileException when a line before the last is unreadable (the file is left untouched)
   */
  static List<JsonNode> keepResultsOf(Path out, Set<String> done, Consumer<String> notes) {
    Path file = out.resolve("results.jsonl");
    if (!Files.exists(file)) return List.of();
    Map<String, JsonNode> kept = new LinkedHashMap<>();
    try {
      JsonLines.Tail tail = JsonLines.read(file, node -> {
        String id = node.path("id").asText();
        if (done.contains(id) && !node.path("status").asText().equals("invalid")) kept.put(id, node);
      });
      if (tail.tornBytes() > 0) {
        // Its line is fsynced before the journal marks the prompt done, so that prompt is not done: it runs again.
        notes.accept("dropped the torn last line of " + file + " (" + tail.tornBytes() + " bytes, cut off mid-write);"
            + " its prompt was not marked done and will be finished again");
      }
    } catch (IOException e) {
      throw FileProblems.problem("read", file, e);
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode node : kept.values()) text.append(jsonLine(node));
    AtomicFiles.write(file, utf8(text.toString()));
    return List.copyOf(kept.values());
  }

  /**
   * Moves an earlier run's files in {@code out} (outputs and journal) into {@code out/previous-<time>/}, so a
   * fresh start never mixes its files with another run's; returns that folder, or null when there was nothing.
   */
  static Path setAsidePreviousRun(Path out, String journal) {
    Path aside = null;
    Path from = out;
    try {
      for (String name : Stream.concat(RUN_FILES.stream(), Stream.of(journal)).toList()) {
        from = out.resolve(name);
        if (!Files.exists(from)) continue;
        if (aside == null) aside = Files.createDirectory(asideFolder(out));
        Files.move(from, aside.resolve(name));
      }
      if (aside != null) {
        AtomicFiles.syncDirectory(out);
        AtomicFiles.syncDirectory(aside);
      }
      return aside;
    } catch (IOException e) {
      throw FileProblems.problem("set the earlier run aside: moving", from, e);
    }
  }

  /** {@code previous-2026-11-01T14-03-27}, with {@code -2}, {@code -3}... when two starts fall in one second. */
  private static Path asideFolder(Path out) {
    String name = "previous-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss"));
    Path folder = out.resolve(name);
    for (int n = 2; Files.exists(folder); n++) folder = out.resolve(name + "-" + n);
    return folder;
  }

  static ObjectNode critiqueJson(Critique c) {
    ObjectNode node = JSON.createObjectNode();
    node.put("score", c.score());
    node.put("critique", c.critique());
    node.put("suggestions", c.suggestions());
    return node;
  }

  private static ObjectNode resultLine(PromptRow row, PromptResult result) {
    ObjectNode line = JSON.createObjectNode();
    line.put("id", row.id());
    line.put("file", row.fileName());
    line.put("status", result.status() == PromptResult.Status.OK ? "ok" : "failed");
    if (result.status() == PromptResult.Status.OK) {
      line.put("final_score", result.finalScore());
      line.put("kept", result.keptIndex());
    } else {
      line.putNull("final_score");
      line.putNull("kept");
    }
    ArrayNode scores = line.putArray("scores");
    result.candidates().forEach(c -> {
      if (c.critique().isPresent()) scores.add(c.score()); else scores.addNull();
    });
    line.put("calls", result.turns().size());
    line.put("prompt_tokens", result.promptTokens());
    line.put("completion_tokens", result.completionTokens());
    line.put("elapsed_ms", result.elapsed().toMillis());
    line.put("error", result.error());
    return line;
  }

  private static ObjectNode trace(PromptRow row, PromptResult result) {
    ObjectNode trace = resultLine(row, result);
    trace.put("desc", row.description());
    ArrayNode turns = trace.putArray("turns");
    for (Turn t : result.turns()) {
      ObjectNode turn = turns.addObject();
      turn.put("label", t.label());
      turn.put("role", t.role().name().toLowerCase(Locale.ROOT));
      turn.put("attempt", t.attempt());
      turn.put("seed", t.seed());
      ObjectNode sampling = turn.putObject("sampling");
      sampling.put("max_tokens", t.sampling().maxTokens());
      sampling.put("temperature", t.sampling().temperature());
      sampling.put("top_p", t.sampling().topP());
      sampling.put("top_k", t.sampling().topK());
      sampling.put("repetition_penalty", t.sampling().repetitionPenalty());
      turn.put("outcome", t.outcome().name().toLowerCase(Locale.ROOT));
      turn.put("detail", t.detail());
      if (t.score().isPresent()) turn.put("score", t.score().getAsDouble());
      turn.put("finish_reason", t.finishReason());
      turn.put("prompt_tokens", t.promptTokens());
      turn.put("completion_tokens", t.completionTokens());
      turn.put("latency_ms", t.latencyMillis());
      turn.put("reply", t.reply());
    }
    return trace;
  }

  private synchronized void appendResult(ObjectNode line) {
    if (resultsFailed != null) throw resultsFailed;
    try {
      results.write(utf8(jsonLine(line)));
      results.getFD().sync(); // before the journal marks the prompt done
    } catch (IOException e) {
      resultsFailed = FileProblems.problem("append to", resultsPath, e);
      throw resultsFailed;
    }
  }

  private static String jsonLine(JsonNode node) {
    try {
      return JSON.writeValueAsString(node) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] json(ObjectNode node) {
    try {
      return PRETTY.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String quote(String field) {
    return "\"" + field.replace("\"", "\"\"") + "\"";
  }

  @Override
  public void close() {
    try {
      results.close();
    } catch (IOException e) {
      throw FileProblems.problem("close", resultsPath, e);
    }
  }
}
