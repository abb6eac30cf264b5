package io.github.introsvg.bench;

import io.github.introsvg.batch.PromptCsv;
import io.github.introsvg.batch.PromptRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/** The first N usable rows of a prompts file, as a CSV of their own. */
public final class PromptSubset {

  private PromptSubset() {}

  /** Writes up to {@code limit} usable rows of {@code csv} to {@code target}; returns how many it wrote. */
  public static int write(Path csv, int limit, Path target) {
    List<PromptRow> rows = PromptCsv.read(csv).rows();
    List<PromptRow> chosen = rows.subList(0, Math.min(limit, rows.size()));
    try (Writer out = Files.newBufferedWriter(target, StandardCharsets.UTF_8);
        CSVPrinter printer = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setHeader("id", "desc").get())) {
      for (PromptRow row : chosen) printer.printRecord(row.id(), row.description());
    } catch (IOException e) {
      throw new UncheckedIOException("can't write " + target + ": " + e.getMessage(), e);
    }
    return chosen.size();
  }
}
