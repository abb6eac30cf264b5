package io.github.introsvg.internal.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.introsvg.batch.BatchInterruptedException;
import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.DamagedRunFileException;
import io.github.introsvg.batch.Progress;
import io.github.introsvg.batch.PromptFileException;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.ResumeConflictException;
import io.github.introsvg.batch.RowProblem;
import io.github.introsvg.batch.RunFolderBusyException;
import io.github.introsvg.internal.Json;
import io.github.introsvg.internal.loop.RefinementLoop;
import io.github.introsvg.lmdeploy.Sampling;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.PromptInterruptedException;
import io.github.introsvg.loop.PromptResult;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs every prompt of a CSV through the loop with a bounded number in flight, writes each prompt's files as
 * soon as it finishes (nothing of a finished prompt stays in memory), and journals every answered turn so
 * that running it again on the same OUT resumes where it stopped.
 */
public final class BatchRunner {

  private static final ObjectMapper JSON = Json.MAPPER;
  /** How long an interrupted batch waits for prompts to notice before it reports what is done. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final Supplier<RefinementLoop> loop;
  private final int concurrency;
  private final Supplier<Map<String, Object>> runInfo;
  private final Clock clock;

  /**
   * @param runInfo extra facts for summary.json (server, model, retries: strings and numbers), read when the
   *     summary is written
   */
  public BatchRunner(RefinementLoop loop, int concurrency, Supplier<Map<String, Object>> runInfo, Clock clock) {
    this(() -> loop, concurrency, runInfo, clock);
    Objects.requireNonNull(loop, "loop == null");
  }

  /**
   * As {@link #BatchRunner(RefinementLoop, int, Supplier, Clock)}, with the loop made only once the run owns its
   * OUT: making it may wait for a server that is still loading, and a second run on the same OUT must be refused
   * at once, not after that wait.
   */
  public BatchRunner(Supplier<RefinementLoop> loop, int concurrency, Supplier<Map<String, Object>> runInfo, Clock clock) {
    this.loop = Objects.requireNonNull(loop, "loop == null");
    if (concurrency < 1) throw new IllegalArgumentException("concurrency < 1: " + concurrency);
    this.concurrency = concurrency;
    this.runInfo = Objects.requireNonNull(runInfo, "runInfo == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
  }

  /**
   * Runs the prompts of {@code promptsCsv} into {@code outDir}; when {@code outDir} holds a journal of the same
   * run, prompts already done are skipped and the others continue after their last answered turn.
   *
   * @param forceNew start over: an earlier run's files in {@code outDir} are moved to {@code previous-<time>/}
   * @throws PromptFileException when the CSV as a whole is unusable (nothing is written then)
   * @throws ResumeConflictException when {@code outDir} holds another run's journal and not {@code forceNew}
   * @throws RunFolderBusyException when another run (in any process) is using {@code outDir}
   * @throws DamagedRunFileException when the journal or results.jsonl has an unreadable line that a crash
   *     can't explain (a torn last line is dropped and reported to {@code listener}); the file is left as it is
   * @throws java.io.UncheckedIOException when a file in {@code outDir} can't be written; the message names the
   *     cause (no space left on device, file too large, permission denied, ...) and the journal stays resumable
   * @throws BatchInterruptedException when the calling thread is interrupted; finished work is kept
   * @throws RuntimeException the first error that makes every prompt fail (e.g. an unknown model), after the
   *     prompts already finished were written
   */
  public BatchSummary run(Path promptsCsv, Path outDir, BatchListener listener, boolean forceNew) {
    return run(PromptCsv.read(promptsCsv), outDir, listener, forceNew);
  }

  /**
   * As {@link #run(Path, Path, BatchListener, boolean)}, for prompts that did not come from a CSV ({@link
   * PromptCsv#of}); a resumed run must be given the same prompts in the same order.
   */
  public BatchSummary run(PromptCsv.Contents contents, Path outDir, BatchListener listener, boolean forceNew) {
    Objects.requireNonNull(contents, "contents == null");
    Instant started = clock.instant();
    // Before anything in OUT is touched, set-aside included; the lock file itself is never set aside.
    try (RunFolderLock lock = RunFolderLock.acquire(outDir, started, listener::note)) {
      RefinementLoop loop = this.loop.get();
      Path aside = forceNew ? OutputWriter.setAsidePreviousRun(outDir, RunJournal.FILE) : null;
      if (aside != null) listener.setAside(aside);
      try (RunJournal journal = RunJournal.open(outDir, header(loop, contents.sha256()), listener::note)) {
        return run(loop, contents, outDir, listener, journal, started);
      }
    }
  }

  private BatchSummary run(RefinementLoop loop, PromptCsv.Contents contents, Path outDir, BatchListener listener,
      RunJournal journal, Instant started) {
    AtomicFiles.deleteLeftovers(OutputWriter.PROMPT_DIRS.stream().map(outDir::resolve).toList());
    Set<String> done = journal.done();
    List<JsonNode> previous = OutputWriter.keepResultsOf(outDir, done, listener::note);
    Tally tally = new Tally(contents.rows().size(), previous);
    List<PromptRow> todo = contents.rows().stream().filter(r -> !done.contains(r.id())).toList();
    listener.started(contents.rows().size(), contents.problems(), contents.rows().size() - todo.size(), journal.replayableTurns());
    try (OutputWriter writer = new OutputWriter(outDir)) {
      writer.writeFileNames(contents.rows());
      contents.problems().stream().filter(RowProblem::skipped).forEach(writer::writeSkipped);
      AtomicReference<RuntimeException> fatal = new AtomicReference<>();
      AtomicBoolean stopping = new AtomicBoolean();
      boolean interrupted = runAll(todo, stopping, row -> {
        PromptResult result = loop.run(row.id(), row.description(), journal, stopping::get,
            (id, turn) -> listener.turn(row, turn));
        // Finished while stopping (a render may have failed because workers were shutting down): keep only
        // its journaled turns; resume replays them and decides again.
        if (stopping.get()) return;
        writer.write(row, result);
        journal.markDone(row.id());
        listener.finished(row, result, tally.add(result, Duration.between(started, clock.instant())));
      }, fatal);
      BatchSummary summary = tally.summary(outDir, contents.problems(), Duration.between(started, clock.instant()));
      String status = interrupted ? "interrupted" : fatal.get() != null ? "aborted" : "complete";
      try {
        writer.writeSummary(summaryJson(loop, summary, started, status, fatal.get()));
      } catch (RuntimeException e) {
        // A full disk may refuse summary.json too: what stopped the run is the news, not that.
        if (!interrupted && fatal.get() == null) throw e;
        if (fatal.get() != null) fatal.get().addSuppressed(e);
      }
      if (interrupted) throw new BatchInterruptedException(summary);
      if (fatal.get() != null) throw fatal.get();
      return summary;
    }
  }

  /** Runs {@code task} for every row on the pool; returns true when the caller was interrupted. */
  private boolean runAll(List<PromptRow> rows, AtomicBoolean stopping, PromptTask task,
      AtomicReference<RuntimeException> fatal) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, Math.max(1, rows.size())), threads());
    try {
      List<Future<?>> futures = new ArrayList<>(rows.size());
      for (PromptRow row : rows) {
        futures.add(pool.submit(() -> {
          if (fatal.get() != null || stopping.get()) return;
          try {
            task.run(row);
          } catch (PromptInterruptedException e) {
            // abandoned: its answered turns are journaled, the rest runs on resume
          } catch (UncheckedIOException e) {
            // An output file can't be written (full disk, size limit): stop asking the server for turns
            // that could not be journaled; the prompts in flight are abandoned and resume later.
            fatal.compareAndSet(null, e);
            stopping.set(true);
          } catch (RuntimeException e) {
            fatal.compareAndSet(null, e);
          }
        }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("prompt task failed unexpectedly", e.getCause());
        }
      }
      return false;
    } catch (InterruptedException e) {
      stopping.set(true);
      pool.shutdownNow();
      try {
        pool.awaitTermination(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException again) {
        // stop waiting; the journal is consistent whatever the workers were doing
      }
      Thread.currentThread().interrupt();
      return true;
    } finally {
      pool.shutdownNow();
    }
  }

  @FunctionalInterface
  private interface PromptTask {
    void run(PromptRow row);
  }

  /** What identifies a run: resuming with any of it changed would mix two runs in one OUT. */
  private ObjectNode header(RefinementLoop loop, String promptsSha256) {
    LoopSettings s = loop.settings();
    ObjectNode h = JSON.createObjectNode();
    h.put("type", "run");
    h.put("format", 1);
    h.put("model", loop.model());
    h.put("policy", s.policy().name().toLowerCase(Locale.ROOT));
    h.put("rounds", s.rounds());
    h.put("stop_score", s.stopScore());
    h.put("attempts", s.draftAttempts() + "/" + s.refineAttempts() + "/" + s.critiqueAttempts());
    h.put("sampling", sampling(s.generate()) + " " + sampling(s.critique()) + " " + sampling(s.refine())
        + " " + sampling(s.finalCritique()));
    h.put("prompts_sha256", promptsSha256);
    h.put("started", clock.instant().toString());
    return h;
  }

  private static String sampling(Sampling s) {
    return s.maxTokens() + "/" + s.temperature() + "/" + s.topP() + "/" + s.topK() + "/" + s.repetitionPenalty();
  }

  private ObjectNode summaryJson(RefinementLoop loop, BatchSummary s, Instant started, String status, RuntimeException fatal) {
    LoopSettings settings = loop.settings();
    ObjectNode json = JSON.createObjectNode();
    json.put("status", status);
    if (fatal != null) json.put("error", fatal.getMessage());
    json.put("rows", s.rows());
    json.put("ok", s.ok());
    json.put("failed", s.failed());
    json.put("invalid", s.invalid());
    json.put("degraded", s.degraded());
    if (Double.isNaN(s.meanFinalScore())) json.putNull("mean_final_score");
    else json.put("mean_final_score", Math.round(s.meanFinalScore() * 100) / 100.0); // 9.33, not 9.334999999999999
    json.put("calls", s.calls());
    json.put("prompt_tokens", s.promptTokens());
    json.put("completion_tokens", s.completionTokens());
    json.put("started", started.toString());
    json.put("elapsed_ms", s.elapsed().toMillis());
    json.put("policy", settings.policy().name().toLowerCase(Locale.ROOT));
    json.put("rounds", settings.rounds());
    json.put("stop_score", settings.stopScore());
    json.put("concurrency", concurrency);
    runInfo.get().forEach((key, value) -> json.set(key, JSON.valueToTree(value)));
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

  /** Running totals, so that no finished prompt's result has to be kept; seeded from an earlier run's lines. */
  private static final class Tally {
    private final int total;
    private final int resumed;
    private int done;
    private int ok;
    private int failed;
    private double scoreSum;
    private long calls;
    private long promptTokens;
    private long completionTokens;
    private int degraded;

    Tally(int total, List<JsonNode> previous) {
      this.total = total;
      for (JsonNode line : previous) {
        boolean succeeded = line.path("status").asText().equals("ok");
        count(succeeded, line.path("final_score").asDouble(), line.path("calls").asLong(),
            line.path("prompt_tokens").asLong(), line.path("completion_tokens").asLong(),
            succeeded && !line.path("error").asText().isEmpty());
      }
      this.resumed = done;
    }

    synchronized Progress add(PromptResult r, Duration elapsed) {
      boolean succeeded = r.status() == PromptResult.Status.OK;
      count(succeeded, r.finalScore(), r.turns().size(), r.promptTokens(), r.completionTokens(), succeeded && !r.error().isEmpty());
      return new Progress(done, resumed, total, failed, ok == 0 ? Double.NaN : scoreSum / ok, elapsed);
    }

    private void count(boolean succeeded, double score, long turns, long inTokens, long outTokens, boolean withNote) {
      done++;
      if (withNote) degraded++;
      if (succeeded) {
        ok++;
        scoreSum += score;
      } else {
        failed++;
      }
      calls += turns;
      promptTokens += inTokens;
      completionTokens += outTokens;
    }

    synchronized BatchSummary summary(Path out, List<RowProblem> problems, Duration elapsed) {
      int invalid = (int) problems.stream().filter(RowProblem::skipped).count();
      return new BatchSummary(out, total + invalid, ok, failed, invalid, ok == 0 ? Double.NaN : scoreSum / ok,
          calls, promptTokens, completionTokens, elapsed, degraded);
    }
  }
}
