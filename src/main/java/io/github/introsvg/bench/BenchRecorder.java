package io.github.introsvg.bench;

import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.Progress;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.loop.Turn;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Collects a benchmark level's numbers as prompts finish: turn latencies, tokens, and the CPU time of the
 * threads that ran prompts (read on each such thread, so the server's threads never count).
 */
public final class BenchRecorder implements BatchListener {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<Long, Long> cpuByThread = new ConcurrentHashMap<>();
  private final Runnable onFirstTurn;
  private final AtomicBoolean turned = new AtomicBoolean();
  private long[] latencies = new long[1024];
  private int latencyCount;
  private long[] promptCpu = new long[256];
  private long completionTokens;
  private int prompts;
  private int failed;

  /** @param onFirstTurn runs once, on the thread of the first turn decided, e.g. to start a recording */
  public BenchRecorder(Runnable onFirstTurn) {
    this.onFirstTurn = onFirstTurn;
  }

  @Override
  public void turn(PromptRow row, Turn turn) {
    if (!turned.get() && turned.compareAndSet(false, true)) onFirstTurn.run();
  }

  @Override
  public void finished(PromptRow row, PromptResult result, Progress progress) {
    // Cumulative CPU of this worker thread; the last reading per thread covers all the prompts it ran, and
    // the step since its previous reading is this prompt's (a thread runs one prompt at a time).
    long now = THREADS.getCurrentThreadCpuTime();
    Long before = cpuByThread.put(Thread.currentThread().getId(), now);
    synchronized (this) {
      if (prompts == promptCpu.length) promptCpu = Arrays.copyOf(promptCpu, prompts * 2);
      promptCpu[prompts] = before == null ? -1 : now - before; // a thread's first prompt also paid its start-up
      prompts++;
      if (result.status() == PromptResult.Status.FAILED) failed++;
      completionTokens += result.completionTokens();
      for (Turn t : result.turns()) {
        if (t.outcome() == Turn.Outcome.CALL_FAILED) continue;
        if (latencyCount == latencies.length) latencies = Arrays.copyOf(latencies, latencyCount * 2);
        latencies[latencyCount++] = t.latencyMillis();
      }
    }
  }

  /**
   * The level's numbers, given its wall time, the CPU time of render worker processes (rendering runs there),
   * (against the mock) its ideal time, and the client's gaps between a reply and the next request.
   */
  public synchronized BenchLevel level(int concurrency, Duration wall, Duration renderWorkerCpu, Optional<Duration> ideal,
      ClientGaps gaps) {
    long[] sorted = Arrays.copyOf(latencies, latencyCount);
    Arrays.sort(sorted);
    long threadNanos = cpuByThread.values().stream().mapToLong(Long::longValue).sum();
    long[] perPrompt = Arrays.stream(promptCpu, 0, prompts).filter(n -> n >= 0).sorted().toArray();
    // A prompt's share of the workers' CPU is the mean: renders can't be told apart per prompt.
    long workerShare = prompts == 0 ? 0 : renderWorkerCpu.toNanos() / prompts;
    Duration medianPrompt = Duration.ofNanos(perPrompt.length == 0 ? 0 : perPrompt[perPrompt.length / 2] + workerShare);
    return new BenchLevel(concurrency, prompts, failed, wall, latencyCount, completionTokens,
        percentile(sorted, 0.50), percentile(sorted, 0.95), Duration.ofNanos(threadNanos).plus(renderWorkerCpu),
        medianPrompt, ideal, gaps);
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
