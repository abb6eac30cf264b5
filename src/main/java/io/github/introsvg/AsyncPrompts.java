package io.github.introsvg;

import io.github.introsvg.loop.PromptResult;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs prompts on their own threads, at most {@code concurrency} at a time, as futures that can be cancelled:
 * cancelling stops the prompt before its next turn, interrupts its waits and aborts its HTTP call in flight.
 */
final class AsyncPrompts implements AutoCloseable {

  private final ThreadPoolExecutor pool;
  private final Consumer<Thread> abortCallOf;
  private final Set<Task> running = ConcurrentHashMap.newKeySet();

  /** @param abortCallOf aborts the HTTP call a thread is making (a blocked socket read never sees an interrupt) */
  AsyncPrompts(int concurrency, Consumer<Thread> abortCallOf) {
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(concurrency, concurrency, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "introsvg-async-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true); // an idle instance keeps no thread
    this.abortCallOf = abortCallOf;
  }

  /** Submits {@code prompt}, which is given the stop flag it must check before every turn. */
  CompletableFuture<PromptResult> submit(Function<BooleanSupplier, PromptResult> prompt) {
    Task task = new Task(prompt);
    running.add(task);
    task.whenComplete((result, failure) -> running.remove(task));
    try {
      pool.execute(task);
    } catch (RejectedExecutionException e) {
      task.completeExceptionally(new IllegalStateException("this IntroSvg is closed", e));
    }
    return task;
  }

  /** Cancels every prompt queued or running and waits up to {@code grace} for their threads to finish. */
  @Override
  public void close() {
    close(Duration.ofSeconds(2));
  }

  void close(Duration grace) {
    pool.shutdown();
    running.forEach(task -> task.cancel(true));
    try {
      pool.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pool.shutdownNow();
  }

  /** A prompt's future; {@link #cancel} reaches into the thread running it. */
  private final class Task extends CompletableFuture<PromptResult> implements Runnable {
    private final Function<BooleanSupplier, PromptResult> prompt;
    private final AtomicBoolean stop = new AtomicBoolean();
    private Thread runner; // guarded by this: set only while run() works for this task

    Task(Function<BooleanSupplier, PromptResult> prompt) {
      this.prompt = prompt;
    }

    @Override
    public void run() {
      synchronized (this) {
        if (isDone()) return;
        runner = Thread.currentThread();
      }
      try {
        complete(prompt.apply(stop::get));
      } catch (Throwable t) {
        completeExceptionally(t);
      } finally {
        synchronized (this) {
          runner = null;
          Thread.interrupted(); // a cancel's interrupt must not reach the pool thread's next prompt
        }
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      stop.set(true);
      synchronized (this) {
        if (runner != null) {
          runner.interrupt();
          abortCallOf.accept(runner);
        }
      }
      return cancelled;
    }
  }
}
