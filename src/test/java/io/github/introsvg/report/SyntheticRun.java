package io.github.introsvg.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.introsvg.internal.render.JsvgRenderer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Writes an OUT as a finished run of {@code n} prompts would leave it, without running one: for report speed. */
final class SyntheticRun {

  private static final ObjectMapper JSON = new ObjectMapper();

  static Path write(Path out, int n) throws Exception {
    byte[] png = new JsvgRenderer().renderPng(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 20 20\"><circle cx=\"10\" cy=\"10\" r=\"6\" fill=\"teal\"/></svg>");
    StringBuilder results = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String file = String.format(Locale.ROOT, "p%04d", i);
      boolean failed = i % 50 == 49;
      int candidates = failed ? 1 : 2 + i % 3;
      double[] scores = new double[candidates];
      for (int c = 0; c < candidates; c++) scores[c] = Math.min(10, 5 + (i % 7) * 0.5 + c * (i % 4 == 0 ? -0.5 : 1.1));
      ObjectNode line = JSON.createObjectNode();
      line.put("id", "prompt " + i);
      line.put("file", file);
      line.put("status", failed ? "failed" : "ok");
      int kept = candidates - 1;
      if (failed) {
        line.putNull("final_score");
        line.putNull("kept");
      } else {
        line.put("final_score", scores[kept]);
        line.put("kept", kept);
      }
      ArrayNode s = line.putArray("scores");
      for (int c = 0; c < candidates; c++) {
        if (failed) s.addNull(); else s.add(scores[c]);
      }
      line.put("calls", candidates * 2);
      line.put("prompt_tokens", 1700);
      line.put("completion_tokens", 1000);
      line.put("elapsed_ms", 2100);
      line.put("error", failed ? "no usable critique of candidate 1 in 3 attempts: critique-1: reply holds no JSON" : "");
      results.append(JSON.writeValueAsString(line)).append('\n');
      ObjectNode trace = line.deepCopy();
      trace.put("desc", "a description of icon number " + i + ", with a few more words as real prompts have");
      ArrayNode turns = trace.putArray("turns");
      turn(turns, "draft", "ok", "<svg xmlns=\"http://www.w3.org/2000/svg\">" + "<rect/>".repeat(300) + "</svg>");
      for (int c = 0; c < candidates; c++) {
        if (failed) {
          turn(turns, "critique-1", "unparseable", "no JSON here");
          continue;
        }
        turn(turns, c < 3 ? "critique-" + (c + 1) : "critique-final", "ok", "```json\n{\"score\": " + scores[c]
            + ", \"critique\": \"The icon shows the subject but the proportions are off and the colours clash.\","
            + " \"suggestions\": \"1. Enlarge the main shape.\\n2. Use two colours.\\n3. Align to the grid.\"}\n```");
        Files.createDirectories(out.resolve(String.format(Locale.ROOT, "intermediate_files/%02d_iteration/critique_pngs", c + 1)));
        Files.write(out.resolve(String.format(Locale.ROOT, "intermediate_files/%02d_iteration/critique_pngs/%s.png", c + 1, file)), png);
        if (c + 1 < candidates) turn(turns, "refine-" + (c + 1), "ok", "<svg xmlns=\"http://www.w3.org/2000/svg\">" + "<rect/>".repeat(300) + "</svg>");
      }
      Files.createDirectories(out.resolve("traces"));
      Files.write(out.resolve("traces/" + file + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(trace));
    }
    Files.writeString(out.resolve("results.jsonl"), results, StandardCharsets.UTF_8);
    return out;
  }

  private static void turn(ArrayNode turns, String label, String outcome, String reply) {
    ObjectNode t = turns.addObject();
    t.put("label", label);
    t.put("outcome", outcome);
    t.put("attempt", 1);
    t.put("detail", outcome.equals("ok") ? "" : "critique reply holds no JSON object");
    t.put("reply", reply);
  }

  private SyntheticRun() {}
}
