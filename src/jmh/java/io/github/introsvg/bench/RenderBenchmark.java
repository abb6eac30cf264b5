package io.github.introsvg.bench;

import io.github.introsvg.internal.render.JsvgRenderer;
import io.github.introsvg.render.SvgRenderException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Average time of one {@code JsvgRenderer.renderPng} (SVG text to 200x200 PNG bytes) over the icon corpus, one
 * thread, warm. Each invocation renders the next corpus SVG in a fixed cycle, so an iteration's average is the
 * corpus mean (every iteration spans several whole cycles at the default times).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Djava.awt.headless=true"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class RenderBenchmark {

  private final JsvgRenderer renderer = new JsvgRenderer();
  private List<Corpus.Entry> entries;
  private int next;
  private long failures;

  @Setup(Level.Trial)
  public void loadCorpus() {
    entries = Corpus.load(Corpus.defaultDir()).entries();
  }

  @Benchmark
  public byte[] renderPng() {
    String svg = entries.get(next).svg();
    next = next + 1 == entries.size() ? 0 : next + 1;
    try {
      return renderer.renderPng(svg);
    } catch (SvgRenderException e) {
      failures++; // counted and reported, not thrown: one bad icon must not void the run
      return null;
    }
  }

  @TearDown(Level.Trial)
  public void reportFailures() {
    if (failures > 0) {
      System.out.println("RenderBenchmark: " + failures + " renders failed (see RenderReport for which)");
    }
  }
}
