package io.github.introsvg.report;

import io.github.introsvg.internal.Defaults;
import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.Progress;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.RowProblem;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.loop.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code OUT/report.html} current while a batch runs, and writes the final one when closed (after the
 * run wrote summary.json). A refresh runs on its own thread, at most one at a time, at most every {@code
 * interval} and never more often than every 20 times its own last duration, so it costs a run at most about 5 %
 * of one core. A report that can't be written is logged, never fails the run. Passes every event on to
 * {@code delegate}.
 */
public final class LiveReport implements BatchListener, AutoCloseable {

  /** Default time between two refreshes while a run goes on. */
  public static final Duration DEFAULT_INTERVAL = Defaults.REPORT_INTERVAL;
  /** A refresh that took t waits at least this many times t before the next one. */
  private static final int COST_FACTOR = 20;
  private static final Duration FINAL_WAIT = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(LiveReport.class);

  private final Path out;
  private final BatchListener delegate;
  private final long intervalNanos;
  private final Executor refresher;
  private final ExecutorService ownedRefresher;
  private final LongSupplier nanoTime;
  private final AtomicBoolean busy = new AtomicBoolean();
  private volatile boolean started;
  private volatile int total;
  private volatile long startedNanos;
  private volatile long nextRefreshNanos;

  public LiveReport(Path outDir, BatchListener delegate, Duration interval) {
    this(outDir, delegate, interval, null, System::nanoTime);
  }

  /** With the refreshes run by {@code refresher} (tests pass a direct one) and time read from {@code nanoTime}. */
  LiveReport(Path outDir, BatchListener delegate, Duration interval, Executor refresher, LongSupplier nanoTime) {
    this.out = Objects.requireNonNull(outDir, "outDir == null");
    this.delegate = Objects.requireNonNull(delegate, "delegate == null");
    this.intervalNanos = Objects.requireNonNull(interval, "interval == null").toNanos();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime == null");
    this.ownedRefresher = refresher == null ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "introsvg-report");
      t.setDaemon(true);
      return t;
    }) : null;
    this.refresher = refresher == null ? ownedRefresher : refresher;
  }

  @Override
  public void started(int prompts, List<RowProblem> problems, int alreadyDone, int replayableTurns) {
    delegate.started(prompts, problems, alreadyDone, replayableTurns);
    total = prompts;
    startedNanos = nanoTime.getAsLong();
    started = true;
    refreshIfDue();
  }

  @Override
  public void finished(PromptRow row, PromptResult result, Progress progress) {
    delegate.finished(row, result, progress);
    refreshIfDue();
  }

  @Override
  public void setAside(Path previousRun) {
    delegate.setAside(previousRun);
  }

  @Override
  public void note(String message) {
    delegate.note(message);
  }

  @Override
  public void turn(PromptRow row, Turn turn) {
    delegate.turn(row, turn);
  }

  private void refreshIfDue() {
    if (nanoTime.getAsLong() - nextRefreshNanos < 0 || !busy.compareAndSet(false, true)) return;
    try {
      refresher.execute(() -> {
        long start = nanoTime.getAsLong();
        try {
          HtmlReport.write(out, Optional.of(new HtmlReport.Live(total, Duration.ofNanos(start - startedNanos))));
        } catch (RuntimeException e) {
          log.warn("report.html not refreshed: {}", e.getMessage());
        } finally {
          long end = nanoTime.getAsLong();
          nextRefreshNanos = end + Math.max(intervalNanos, COST_FACTOR * (end - start));
          busy.set(false);
        }
      });
    } catch (RuntimeException rejected) { // closing: the final report follows
      busy.set(false);
    }
  }

  /** Waits for a refresh in progress, then writes the final report if the run started. */
  @Override
  public void close() {
    if (ownedRefresher != null) {
      ownedRefresher.shutdown();
      try {
        ownedRefresher.awaitTermination(FINAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // still write the final report: it takes well under a second
      }
    }
    if (!started) return;
    try {
      HtmlReport.write(out, Optional.empty());
    } catch (RuntimeException e) {
      log.warn("report.html not written: {}", e.getMessage());
    }
  }
}
