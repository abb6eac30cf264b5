package io.github.introsvg.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a run's journal the way resume tests need: which requests (by seed) it already holds answers for. */
public final class Journals {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Journals() {}

  /**
   * The request seeds of the journal's turn lines, looked up by (id, label, attempt) in the traces of the
   * finished run in {@code out} (found through results.jsonl, as an unsafe id's file is renamed); torn lines
   * are skipped.
   */
  public static Set<Long> seedsOf(List<String> journalLines, Path out) throws Exception {
    Map<String, String> files = new HashMap<>();
    for (String line : Files.readAllLines(out.resolve("results.jsonl"))) {
      JsonNode result = json(line);
      if (result.has("file")) files.put(result.get("id").asText(), result.get("file").asText());
    }
    Set<Long> seeds = new HashSet<>();
    for (String line : journalLines) {
      JsonNode turn;
      try {
        turn = JSON.readTree(line);
      } catch (Exception torn) {
        continue;
      }
      if (!turn.path("type").asText().equals("turn")) continue;
      String file = files.getOrDefault(turn.get("id").asText(), turn.get("id").asText());
      for (JsonNode traced : JSON.readTree(out.resolve("traces/" + file + ".json").toFile()).get("turns")) {
        if (traced.get("label").equals(turn.get("label")) && traced.get("attempt").equals(turn.get("attempt"))) {
          seeds.add(traced.get("seed").asLong());
        }
      }
    }
    return seeds;
  }

  /** Parses JSON text or fails the test. */
  public static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(text, e);
    }
  }
}
