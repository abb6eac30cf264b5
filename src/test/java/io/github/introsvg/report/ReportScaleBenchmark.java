package io.github.introsvg.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Times {@link HtmlReport#write} on a synthetic finished run, then, where Debian's chromium and chromedriver are
 * installed, opening the page and using its filter and sort (docs/report.md, "Speed"). Not a test: run by
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
    if (Chromium.installed()) {
      inBrowser(out);
    }
  }

  private static void inBrowser(Path out) throws Exception {
    try (Chromium browser = new Chromium(Files.createTempDirectory("report-bench-profile"))) {
      browser.open(out.resolve(HtmlReport.FILE_NAME).toUri());
      System.out.println("in Chromium: " + browser.script("const n = performance.getEntriesByType('navigation')[0];"
          + "const i = Array.from(document.images);"
          + "return 'DOMContentLoaded ' + Math.round(n.domContentLoadedEventEnd) + ' ms, load ' + Math.round(n.loadEventEnd)"
          + " + ' ms, images loaded ' + i.filter(x => x.complete && x.naturalWidth > 0).length + ' of ' + i.length").asText());
      for (String[] control : new String[][] {{"show", "early"}, {"sort", "gain-desc"}}) {
        long start = System.nanoTime();
        browser.script("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
            + "s.dispatchEvent(new Event('change')); return document.body.offsetHeight;", control[0], control[1]);
        System.out.printf("in Chromium: %s %s, with relayout: %d ms%n", control[0], control[1], (System.nanoTime() - start) / 1_000_000);
      }
    }
  }
}
