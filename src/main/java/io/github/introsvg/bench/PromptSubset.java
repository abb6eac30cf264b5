package io.github.introsvg.bench;

import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.internal.batch.PromptCsv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The first N usable rows of a prompts file, as a CSV of their own; past the file's end its rows again, with ids
 * {@code ID~2}, {@code ID~3}, ...: many simulated GPUs need many prompts per slot before the last, emptying
 * batches stop weighing on the measurement.
 */
public final class PromptSubset {

  private PromptSubset() {}

  /** Writes {@code limit} rows from the usable rows of {@code csv} to {@code target}; returns how many it wrote. */
  public static int write(Path csv, int limit, Path target) {
    List<PromptRow> rows = PromptCsv.read(csv).rows();
    int count = rows.isEmpty() ? 0 : limit;
    try (Writer out = Files.newBufferedWriter(target, StandardCharsets.UTF_8);
        CSVPrinter printer = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setHeader("id", "desc").get())) {
      for (int i = 0; i < count; i++) {
        PromptRow row = rows.get(i % rows.size());
        int pass = i / rows.size() + 1;
        printer.printRecord(pass == 1 ? row.id() : row.id() + "~" + pass, row.description());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("can't write " + target + ": " + e.getMessage(), e);
    }
    return count;
  }
}
