package io.github.introsvg.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Times {@link HtmlReport#write} on a synthetic finished run (docs/report.md, "Speed"). Not a test: run by
 * {@code scripts/measure-report.sh}. Arguments: OUT folder to create, number of prompts.
 */
final class ReportScaleBenchmark {

  private ReportScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int prompts = Integer.parseInt(args[1]);
    if (Files.exists(out)) throw new IllegalArgumentException(out + " exists; give a new folder");
    SyntheticRun.write(out, prompts);
    long[] millis = new long[7];
    for (int i = 0; i < millis.length; i++) {
      long start = System.nanoTime();
      HtmlReport.write(out);
      millis[i] = (System.nanoTime() - start) / 1_000_000;
    }
    long size = Files.size(out.resolve(HtmlReport.FILE_NAME));
    long[] sorted = millis.clone();
    Arrays.sort(sorted);
    System.out.printf("report.html of %d prompts: %d KB; write times %s ms; first %d ms, median %d ms%n",
        prompts, size / 1024, Arrays.toString(millis), millis[0], sorted[sorted.length / 2]);
  }
}
