package io.github.introsvg.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads a run's journal the way resume tests need: which requests (by seed) it already holds answers for. */
public final class Journals {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Journals() {}

  /**
   * The request seeds of the journal's turn lines, looked up by (id, label, attempt) in the traces of the
   * finished run in {@code out}; torn lines are skipped.
   */
  public static Set<Long> seedsOf(List<String> journalLines, Path out) throws Exception {
    Set<Long> seeds = new HashSet<>();
    for (String line : journalLines) {
      JsonNode turn;
      try {
        turn = JSON.readTree(line);
      } catch (Exception torn) {
        continue;
      }
      if (!turn.path("type").asText().equals("turn")) continue;
      for (JsonNode traced : JSON.readTree(out.resolve("traces/" + turn.get("id").asText() + ".json").toFile()).get("turns")) {
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
