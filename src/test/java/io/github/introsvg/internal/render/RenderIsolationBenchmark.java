package io.github.introsvg.internal.render;

import io.github.introsvg.render.SvgRenderException;
import io.github.introsvg.render.SvgRenderer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Measures the three ways of bounding a render (see docs/rendering.md, "Bounding time and memory").
 * Not a test: run by {@code scripts/measure-render-isolation.sh}, which gives each in-process case its own JVM.
 */
final class RenderIsolationBenchmark {

  private static final String[] ICONS = {
      "house-paths", "stroke-icon", "circles-opacity", "gradient-badge",
      "current-color", "wide-banner", "tall-use-transform", "size-only-dashes"};
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private RenderIsolationBenchmark() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "names" -> HostileSvgs.all().keySet().forEach(System.out::println);
      case "inprocess" -> inProcess(args[1]);
      case "watchdog" -> watchdog(args[1], Duration.ofSeconds(5));
      case "isolated" -> isolated(Duration.ofSeconds(5));
      case "icons" -> icons(Integer.parseInt(args[1]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /** (a) limits and caps alone: the render runs to its end in this JVM. */
  private static void inProcess(String name) {
    String svg = HostileSvgs.all().get(name);
    JsvgRenderer renderer = new JsvgRenderer();
    resetPeakHeap();
    long allocated = THREADS.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    String outcome = outcome(() -> renderer.renderPng(svg));
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("inprocess | %s | %d B | %s | %d ms | %d MB allocated | %d MB peak heap%n", name, svg.length(),
        outcome, ms, (THREADS.getCurrentThreadAllocatedBytes() - allocated) >> 20, peakHeap() >> 20);
  }

  /** (b) a watchdog gives up after the timeout; then we watch what the abandoned thread keeps doing. */
  private static void watchdog(String name, Duration timeout) throws Exception {
    String svg = HostileSvgs.all().get(name);
    JsvgRenderer renderer = new JsvgRenderer();
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "render");
      t.setDaemon(true);
      return t;
    });
    long[] renderThread = new long[1];
    pool.submit(() -> renderThread[0] = Thread.currentThread().getId()).get();
    long start = System.nanoTime();
    Future<byte[]> render = pool.submit(() -> renderer.renderPng(svg));
    try {
      render.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      System.out.printf("watchdog | %s | finished within %s%n", name, timeout);
      return;
    } catch (TimeoutException e) {
      render.cancel(true); // interrupts; JSVG never checks
    } catch (Exception e) {
      System.out.printf("watchdog | %s | failed within timeout: %s%n", name, e.getCause());
      return;
    }
    long gaveUp = System.nanoTime();
    long cpu0 = THREADS.getThreadCpuTime(renderThread[0]);
    long alloc0 = THREADS.getThreadAllocatedBytes(renderThread[0]);
    resetPeakHeap();
    Thread.sleep(5_000);
    long cpu = THREADS.getThreadCpuTime(renderThread[0]) - cpu0;
    long alloc = THREADS.getThreadAllocatedBytes(renderThread[0]) - alloc0;
    boolean stillRunning = !render.isDone() || cpu > 0;
    System.out.printf("watchdog | %s | caller freed after %d ms | abandoned thread in the next 5 s: %d ms CPU, %d MB"
            + " allocated, %d MB peak heap, still running: %s%n", name, (gaveUp - start) / 1_000_000, cpu / 1_000_000,
        alloc >> 20, peakHeap() >> 20, stillRunning);
  }

  /** (c) worker processes: time to fail and the worst worker RSS on every hostile SVG. */
  private static void isolated(Duration timeout) throws Exception {
    try (IsolatedRenderer renderer = IsolatedRenderer.builder().workers(1).timeout(timeout).build()) {
      renderer.renderPng(HostileSvgs.nestedGroups(1)); // start the worker outside the measurement
      for (Map.Entry<String, String> entry : HostileSvgs.all().entrySet()) {
        RssSampler rss = new RssSampler();
        long start = System.nanoTime();
        String outcome = outcome(() -> renderer.renderPng(entry.getValue()));
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("isolated | %s | %s | %d ms | %d MB worker peak RSS%n", entry.getKey(), outcome, ms, rss.stop() >> 20);
      }
      long start = System.nanoTime();
      renderer.renderPng(icon("house-paths"));
      System.out.printf("isolated | next normal render after the corpus | ok | %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }
  }

  /** Per-render cost on normal icons: in-process vs a warm worker, plus a cold worker's first render. */
  private static void icons(int rounds) {
    List<String> svgs = Arrays.stream(ICONS).map(RenderIsolationBenchmark::icon).toList();
    JsvgRenderer inProcess = new JsvgRenderer();
    double[] local = time(inProcess, svgs, rounds);
    try (IsolatedRenderer isolated = IsolatedRenderer.builder().workers(1).build()) {
      long start = System.nanoTime();
      isolated.renderPng(svgs.get(0));
      long coldMs = (System.nanoTime() - start) / 1_000_000;
      double[] remote = time(isolated, svgs, rounds);
      RssSampler rss = new RssSampler();
      time(isolated, svgs, 5);
      long idleRss = rss.stop();
      System.out.printf("icons | in-process | median %.2f ms | p90 %.2f ms%n", local[0], local[1]);
      System.out.printf("icons | isolated warm worker | median %.2f ms | p90 %.2f ms | worker RSS %d MB%n", remote[0], remote[1], idleRss >> 20);
      System.out.printf("icons | isolated cold worker (JVM start + first render) | %d ms%n", coldMs);
    }
  }

  private static double[] time(SvgRenderer renderer, List<String> svgs, int rounds) {
    for (int i = 0; i < rounds; i++) { // warm-up
      svgs.forEach(renderer::renderPng);
    }
    List<Long> nanos = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      for (String svg : svgs) {
        long start = System.nanoTime();
        renderer.renderPng(svg);
        nanos.add(System.nanoTime() - start);
      }
    }
    nanos.sort(null);
    return new double[] {nanos.get(nanos.size() / 2) / 1e6, nanos.get(nanos.size() * 9 / 10) / 1e6};
  }

  private static String outcome(java.util.function.Supplier<byte[]> render) {
    try {
      return "rendered " + render.get().length + " B PNG";
    } catch (SvgRenderException e) {
      String message = e.getMessage().length() > 70 ? e.getMessage().substring(0, 70) + "..." : e.getMessage();
      return e.reason() + " (" + message + ")";
    } catch (OutOfMemoryError e) {
      return "OutOfMemoryError";
    }
  }

  private static void resetPeakHeap() {
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  private static long peakHeap() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
  }

  static String icon(String name) {
    try (InputStream in = RenderIsolationBenchmark.class.getResourceAsStream("/render/cairo/" + name + ".svg")) {
      return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Samples the largest VmRSS of this JVM's child processes every 10 ms (Linux /proc). */
  private static final class RssSampler {
    private volatile boolean running = true;
    private volatile long max;
    private final Thread thread = new Thread(this::sample, "rss-sampler");

    RssSampler() {
      thread.setDaemon(true);
      thread.start();
    }

    long stop() throws RuntimeException {
      running = false;
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return max;
    }

    private void sample() {
      while (running) {
        ProcessHandle.current().children().forEach(child -> {
          try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(child.pid()), "status"))) {
              if (line.startsWith("VmRSS:")) {
                max = Math.max(max, Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
              }
            }
          } catch (IOException | UncheckedIOException gone) {
            // the worker exited between listing and reading
          }
        });
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
