package io.github.introsvg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.introsvg.internal.render.JsvgRenderer;
import io.github.introsvg.render.SvgRenderException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Renders the corpus with {@link JsvgRenderer} into {@code DIR/jsvg/}, compares every PNG with cairosvg's in
 * {@code DIR/cairo/} (mean absolute RGB difference, 0-255), times each file warm (median of several passes)
 * against cairosvg's per-file times from {@code DIR/cairo.json}, and prints the side-by-side table, taking our
 * corpus mean from JMH's JSON result when given.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar io.github.introsvg.bench.RenderReport [--jmh jmh.json]
 * [--warmup N] [--passes N]}; the corpus directory is {@code -Dintrosvg.bench.corpus}, default
 * {@code target/bench-corpus}. Writes {@code DIR/jsvg.json}.
 */
public final class RenderReport {

  /** The target: cairosvg's time over ours at least this. */
  private static final double TARGET_RATIO = 1.5;

  private final JsvgRenderer renderer = new JsvgRenderer();
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What we know about one corpus file; time and diff are NaN when unknown. */
  private record FileResult(String name, String set, String failure, double ourMs, double cairoMs, double diff) {
    double ratio() {
      return cairoMs / ourMs;
    }
  }

  public static void main(String[] args) throws IOException {
    Path jmh = null;
    int warmup = 3;
    int passes = 5;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jmh" -> jmh = Path.of(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--passes" -> passes = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    new RenderReport().run(Corpus.load(Corpus.defaultDir()), jmh, warmup, passes);
  }

  private void run(Corpus corpus, Path jmhResult, int warmup, int passes) throws IOException {
    Path ourDir = Files.createDirectories(corpus.dir().resolve("jsvg"));
    Path cairoDir = corpus.dir().resolve("cairo");
    JsonNode cairo = json.readTree(corpus.dir().resolve("cairo.json").toFile());
    List<Corpus.Entry> entries = corpus.entries();

    // Pass 1: write our PNGs and find the failures (also the first warm-up pass).
    Map<String, String> failures = new TreeMap<>();
    List<Corpus.Entry> ok = new ArrayList<>();
    for (Corpus.Entry e : entries) {
      try {
        Files.write(ourDir.resolve(e.name() + ".png"), renderer.renderPng(e.svg()));
        ok.add(e);
      } catch (SvgRenderException ex) {
        failures.put(e.name(), ex.reason() + ": " + ex.getMessage());
      }
    }
    for (int p = 1; p < warmup; p++) {
      ok.forEach(e -> renderer.renderPng(e.svg()));
    }
    double[][] times = new double[ok.size()][passes];
    for (int p = 0; p < passes; p++) {
      for (int i = 0; i < ok.size(); i++) {
        long start = System.nanoTime();
        renderer.renderPng(ok.get(i).svg());
        times[i][p] = (System.nanoTime() - start) / 1e6;
      }
    }

    List<FileResult> results = new ArrayList<>();
    int diffMissing = 0;
    for (int i = 0; i < ok.size(); i++) {
      Corpus.Entry e = ok.get(i);
      double cairoMs = cairo.path("per_file_median_ms").path(e.name() + ".svg").asDouble(Double.NaN);
      double diff = diff(ourDir.resolve(e.name() + ".png"), cairoDir.resolve(e.name() + ".png"));
      if (Double.isNaN(diff)) {
        diffMissing++;
      }
      results.add(new FileResult(e.name(), e.set(), null, median(times[i]), cairoMs, diff));
    }
    failures.forEach((name, why) -> results.add(new FileResult(name, "", why, Double.NaN, Double.NaN, Double.NaN)));

    double jmhMs = Double.NaN;
    double jmhError = Double.NaN;
    if (jmhResult != null) {
      for (JsonNode run : json.readTree(jmhResult.toFile())) {
        if (run.path("benchmark").asText().endsWith("RenderBenchmark.renderPng")) {
          jmhMs = run.path("primaryMetric").path("score").asDouble();
          jmhError = run.path("primaryMetric").path("scoreError").asDouble();
        }
      }
    }
    print(corpus, cairo, results, failures, diffMissing, jmhMs, jmhError, warmup, passes);

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("files", entries.size());
    out.put("failures", failures);
    out.put("jmh_mean_ms_per_svg", Double.isNaN(jmhMs) ? null : jmhMs);
    Map<String, Object> perFile = new TreeMap<>();
    for (FileResult r : results) {
      if (r.failure() == null) {
        perFile.put(r.name(), Map.of("ms", r.ourMs(), "cairo_ms", r.cairoMs(), "diff", Double.isNaN(r.diff()) ? -1 : r.diff()));
      }
    }
    out.put("per_file", perFile);
    json.writeValue(corpus.dir().resolve("jsvg.json").toFile(), out);
  }

  private static void print(Corpus corpus, JsonNode cairo, List<FileResult> results, Map<String, String> failures,
      int diffMissing, double jmhMs, double jmhError, int warmup, int passes) {
    List<FileResult> rendered = results.stream().filter(r -> r.failure() == null).toList();
    double[] diffs = rendered.stream().mapToDouble(FileResult::diff).filter(d -> !Double.isNaN(d)).toArray();
    double[] ours = rendered.stream().mapToDouble(FileResult::ourMs).toArray();
    double ourMedian = median(ours);
    double ourMeanPerFile = Arrays.stream(ours).average().orElse(Double.NaN);
    double ourMean = Double.isNaN(jmhMs) ? ourMeanPerFile : jmhMs;
    double cairoMedian = cairo.path("median_ms_per_svg").asDouble(Double.NaN);
    double cairoMean = cairo.path("mean_ms_per_svg").asDouble(Double.NaN);
    int cairoFailures = cairo.path("failures").asInt();

    System.out.printf(Locale.ROOT, "%nPixel difference vs cairosvg (mean abs RGB, 0-255) over %d files: median %.3f, mean %.3f%s%n",
        diffs.length, median(diffs), Arrays.stream(diffs).average().orElse(Double.NaN),
        diffMissing > 0 ? " (" + diffMissing + " without a cairosvg PNG)" : "");
    System.out.println("Worst 5:");
    rendered.stream().filter(r -> !Double.isNaN(r.diff()))
        .sorted(Comparator.comparingDouble(FileResult::diff).reversed()).limit(5)
        .forEach(r -> System.out.printf(Locale.ROOT, "  %8.3f  %s%n", r.diff(), r.name()));
    failures.forEach((name, why) -> System.out.println("  failed " + name + ": " + why));

    System.out.printf(Locale.ROOT, "%nPer icon set (per-file medians of %d warm passes after %d warm-up, both renderers):%n",
        passes, warmup);
    System.out.println("| set | files | JSVG median ms | cairosvg median ms | cairosvg/JSVG (sum of medians) | files under 1.5x | files under 1.0x | mean abs diff |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    Map<String, List<FileResult>> bySet = new TreeMap<>();
    rendered.forEach(r -> bySet.computeIfAbsent(r.set(), k -> new ArrayList<>()).add(r));
    bySet.put("~all", rendered); // '~' sorts last
    bySet.forEach((set, rs) -> System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.2fx | %d | %d | %.3f |%n",
        set.equals("~all") ? "**all**" : set, rs.size(),
        median(rs.stream().mapToDouble(FileResult::ourMs).toArray()),
        median(rs.stream().mapToDouble(FileResult::cairoMs).filter(d -> !Double.isNaN(d)).toArray()),
        rs.stream().mapToDouble(FileResult::cairoMs).filter(d -> !Double.isNaN(d)).sum()
            / rs.stream().filter(r -> !Double.isNaN(r.cairoMs())).mapToDouble(FileResult::ourMs).sum(),
        rs.stream().filter(r -> r.ratio() < TARGET_RATIO).count(),
        rs.stream().filter(r -> r.ratio() < 1.0).count(),
        rs.stream().mapToDouble(FileResult::diff).filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN)));

    System.out.println("\nSlowest relative to cairosvg (lowest cairosvg/JSVG per file):");
    rendered.stream().filter(r -> !Double.isNaN(r.ratio()))
        .sorted(Comparator.comparingDouble(FileResult::ratio)).limit(10)
        .forEach(r -> System.out.printf(Locale.ROOT, "  %.2fx  JSVG %.3f ms  cairosvg %.3f ms  %s%n",
            r.ratio(), r.ourMs(), r.cairoMs(), r.name()));

    System.out.printf(Locale.ROOT, "%nCorpus: %d SVGs in %s%n%n", corpus.entries().size(), corpus.dir().resolve("svg"));
    System.out.println("| renderer | median ms/SVG | mean ms/SVG | SVG/s | mean abs diff vs cairosvg (0-255) | failures |");
    System.out.println("|---|---|---|---|---|---|");
    System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.0f | 0 (reference) | %d |%n",
        cairo.path("renderer").asText("cairosvg"), cairoMedian, cairoMean, 1000 / cairoMean, cairoFailures);
    System.out.printf(Locale.ROOT, "| JSVG 2.1.0 via JsvgRenderer (Java %s) | %.3f | %.3f%s | %.0f | %.3f | %d |%n",
        System.getProperty("java.version"), ourMedian, ourMean,
        Double.isNaN(jmhMs) ? " (no JMH result: per-file timing)" : String.format(Locale.ROOT, " ± %.3f (JMH)", jmhError),
        1000 / ourMean, Arrays.stream(diffs).average().orElse(Double.NaN), failures.size());
    System.out.printf(Locale.ROOT, "%nRatio cairosvg time / JSVG time: %.2fx on the corpus mean, %.2fx on the per-file median (target >= %.1fx)%n",
        cairoMean / ourMean, cairoMedian / ourMedian, TARGET_RATIO);
  }

  /** Mean absolute difference per channel over R, G and B (0-255); the same measure as the render tests' Pngs. */
  static double diff(Path ours, Path theirs) {
    if (!Files.exists(theirs)) {
      return Double.NaN;
    }
    BufferedImage a = read(ours);
    BufferedImage b = read(theirs);
    if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
      return Double.NaN;
    }
    long sum = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          sum += Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff));
        }
      }
    }
    return sum / (3.0 * a.getWidth() * a.getHeight());
  }

  private static BufferedImage read(Path png) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(png)));
      if (image == null) {
        throw new IllegalStateException("not a PNG ImageIO can read: " + png);
      }
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
