package io.github.introsvg.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.loop.RefinementLoop;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs every prompt of a CSV through the loop with a bounded number in flight and writes each prompt's
 * files as soon as it finishes, so nothing of a finished prompt stays in memory.
 */
public final class BatchRunner {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RefinementLoop loop;
  private final int concurrency;
  private final Map<String, String> runInfo;
  private final Clock clock;

  /** @param runInfo extra facts for summary.json, such as the server and model */
  public BatchRunner(RefinementLoop loop, int concurrency, Map<String, String> runInfo, Clock clock) {
    this.loop = Objects.requireNonNull(loop, "loop == null");
    if (concurrency < 1) throw new IllegalArgumentException("concurrency < 1: " + concurrency);
    this.concurrency = concurrency;
    this.runInfo = new LinkedHashMap<>(runInfo);
    this.clock = Objects.requireNonNull(clock, "clock == null");
  }

  /**
   * Runs the prompts of {@code promptsCsv} into {@code outDir}.
   *
   * @throws PromptFileException when the CSV as a whole is unusable (nothing is written then)
   * @throws RuntimeException the first error that makes every prompt fail (e.g. an unknown model), after the
   *     prompts already finished were written
   */
  public BatchSummary run(Path promptsCsv, Path outDir, BatchListener listener) {
    PromptCsv.Contents contents = PromptCsv.read(promptsCsv);
    Instant started = clock.instant();
    Tally tally = new Tally(contents.rows().size());
    AtomicReference<RuntimeException> fatal = new AtomicReference<>();
    listener.started(contents.rows().size(), contents.problems());
    try (OutputWriter writer = new OutputWriter(outDir)) {
      writer.writeFileNames(contents.rows());
      contents.problems().stream().filter(RowProblem::skipped).forEach(writer::writeSkipped);
      ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, Math.max(1, contents.rows().size())), threads());
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (PromptRow row : contents.rows()) {
          futures.add(pool.submit(() -> {
            if (fatal.get() != null) return;
            try {
              PromptResult result = loop.run(row.id(), row.description());
              writer.write(row, result);
              listener.finished(row, result, tally.add(result, Duration.between(started, clock.instant())));
            } catch (RuntimeException e) {
              fatal.compareAndSet(null, e);
            }
          }));
        }
        awaitAll(futures);
      } finally {
        pool.shutdownNow();
      }
      BatchSummary summary = tally.summary(outDir, contents.problems(), Duration.between(started, clock.instant()));
      writer.writeSummary(summaryJson(summary, started, fatal.get()));
      if (fatal.get() != null) throw fatal.get();
      return summary;
    }
  }

  private static void awaitAll(List<Future<?>> futures) {
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("prompt task failed unexpectedly", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for prompts", e);
      }
    }
  }

  private ObjectNode summaryJson(BatchSummary s, Instant started, RuntimeException fatal) {
    LoopSettings settings = loop.settings();
    ObjectNode json = JSON.createObjectNode();
    json.put("status", fatal == null ? "complete" : "aborted");
    if (fatal != null) json.put("error", fatal.getMessage());
    json.put("rows", s.rows());
    json.put("ok", s.ok());
    json.put("failed", s.failed());
    json.put("invalid", s.invalid());
    if (Double.isNaN(s.meanFinalScore())) json.putNull("mean_final_score"); else json.put("mean_final_score", s.meanFinalScore());
    json.put("calls", s.calls());
    json.put("prompt_tokens", s.promptTokens());
    json.put("completion_tokens", s.completionTokens());
    json.put("started", started.toString());
    json.put("elapsed_ms", s.elapsed().toMillis());
    json.put("policy", settings.policy().name().toLowerCase());
    json.put("rounds", settings.rounds());
    json.put("stop_score", settings.stopScore());
    json.put("concurrency", concurrency);
    runInfo.forEach(json::put);
    return json;
  }

  private static ThreadFactory threads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "introsvg-prompt-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Running totals, so that no finished prompt's result has to be kept. */
  private static final class Tally {
    private final int total;
    private int done;
    private int ok;
    private int failed;
    private double scoreSum;
    private long calls;
    private long promptTokens;
    private long completionTokens;

    Tally(int total) {
      this.total = total;
    }

    synchronized Progress add(PromptResult r, Duration elapsed) {
      done++;
      if (r.status() == PromptResult.Status.OK) {
        ok++;
        scoreSum += r.finalScore();
      } else {
        failed++;
      }
      calls += r.turns().size();
      promptTokens += r.promptTokens();
      completionTokens += r.completionTokens();
      return new Progress(done, total, failed, ok == 0 ? Double.NaN : scoreSum / ok, elapsed);
    }

    synchronized BatchSummary summary(Path out, List<RowProblem> problems, Duration elapsed) {
      int invalid = (int) problems.stream().filter(RowProblem::skipped).count();
      return new BatchSummary(out, total + invalid, ok, failed, invalid, ok == 0 ? Double.NaN : scoreSum / ok,
          calls, promptTokens, completionTokens, elapsed);
    }
  }
}
