package io.github.introsvg.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.internal.Json;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what a run left in OUT, finished, running or interrupted: a torn or half-appended line is skipped, a
 * missing file is empty. Nothing here trusts the content: it is shown, never interpreted as markup or paths.
 */
final class RunFiles {

  static final ObjectMapper JSON = Json.MAPPER;

  private RunFiles() {}

  /** The lines of results.jsonl, one per id (the last, as a resumed run rewrites the file), in file order. */
  static List<JsonNode> results(Path out) {
    Path file = out.resolve("results.jsonl");
    Map<String, JsonNode> byId = new LinkedHashMap<>();
    try (BufferedReader in = reader(file)) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode node = parse(line);
        if (node != null && node.isObject() && node.hasNonNull("id")) {
          String id = node.get("id").asText();
          byId.remove(id);
          byId.put(id, node);
        }
      }
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("can't read " + file + ": " + e.getMessage(), e);
    }
    return new ArrayList<>(byId.values());
  }

  /** summary.json, written when a run ends (also when it was interrupted). */
  static Optional<JsonNode> summary(Path out) {
    return readJson(out.resolve("summary.json"));
  }

  /** The first line of journal.jsonl: the run's settings, there from the run's first moment. */
  static Optional<JsonNode> journalHeader(Path out) {
    try (BufferedReader in = reader(out.resolve("journal.jsonl"))) {
      return Optional.ofNullable(parse(in.readLine())).filter(h -> h.path("type").asText().equals("run"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** traces/{file}.json of one prompt; empty when missing or unreadable (the report then shows less). */
  static Optional<JsonNode> trace(Path out, String file) {
    return readJson(out.resolve("traces").resolve(file + ".json"));
  }

  private static Optional<JsonNode> readJson(Path file) {
    try {
      return Optional.ofNullable(JSON.readTree(file.toFile())).filter(JsonNode::isObject);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A stream, not a channel: the final report is written by a thread that Ctrl-C may have interrupted. */
  private static BufferedReader reader(Path file) throws FileNotFoundException {
    return new BufferedReader(new InputStreamReader(new FileInputStream(file.toFile()), StandardCharsets.UTF_8));
  }

  private static JsonNode parse(String line) {
    if (line == null || line.isBlank()) return null;
    try {
      return JSON.readTree(line);
    } catch (IOException torn) {
      return null;
    }
  }
}
