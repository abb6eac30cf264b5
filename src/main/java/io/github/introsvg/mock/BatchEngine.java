package io.github.introsvg.mock;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated GPU of a {@link LatencyModel}: one thread steps the batch, decoding a token of every active
 * sequence per step, and releases each request when its last token's step ends in wall time.
 *
 * <p>Simulated time advances by computed step durations; each step end is mapped to a wall-clock deadline
 * anchored when the engine last woke from idle, so sub-millisecond steps (at a small time scale) don't
 * accumulate sleep overshoot. Idle time is not simulated.
 */
final class BatchEngine implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BatchEngine.class);

  private final LatencyModel model;
  private final Thread thread;
  private final Object lock = new Object();
  // Guarded by lock.
  private final ArrayDeque<Job> waiting = new ArrayDeque<>();
  private int inFlight;
  private boolean closed;
  private long requests;
  private long queued;
  private long promptTokens;
  private long decodedTokens;
  private double busySeconds;

  /** Only the engine thread touches this. */
  private final List<Job> active = new ArrayList<>();

  private static final class Job {
    final int prompt;
    final int reply;
    int decoded;
    volatile boolean done;
    final CountDownLatch finished = new CountDownLatch(1);

    Job(int prompt, int reply) {
      this.prompt = prompt;
      this.reply = reply;
    }
  }

  BatchEngine(LatencyModel model, String name) {
    this.model = model;
    this.thread = new Thread(this::loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues a sequence and blocks until its {@code replyTokens} are decoded; false when the engine was closed
   * first (the caller drops the connection).
   */
  boolean run(int prompt, int replyTokens) throws InterruptedException {
    Job job = new Job(Math.max(0, prompt), Math.max(1, replyTokens));
    synchronized (lock) {
      if (closed) {
        return false;
      }
      if (inFlight >= model.slots()) {
        queued++;
      }
      inFlight++;
      waiting.add(job);
      lock.notifyAll();
    }
    job.finished.await();
    return job.done;
  }

  EngineStats stats() {
    synchronized (lock) {
      return new EngineStats(requests, queued, promptTokens, decodedTokens, model.wall(busySeconds),
          model.idealWallTime(promptTokens, decodedTokens));
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    thread.interrupt();
  }

  private void loop() {
    double simNow = 0;
    double anchorSim = 0;
    long anchorWall = System.nanoTime();
    List<Job> finished = new ArrayList<>();
    try {
      while (true) {
        long prefill = 0;
        synchronized (lock) {
          boolean idled = false;
          while (!closed && active.isEmpty() && waiting.isEmpty()) {
            lock.wait();
            idled = true;
          }
          if (closed) {
            break;
          }
          if (idled) {
            anchorWall = System.nanoTime();
            anchorSim = simNow;
          }
          // FIFO admission at step boundaries, as lmdeploy's scheduler fills free slots.
          while (active.size() < model.slots() && !waiting.isEmpty()) {
            Job job = waiting.poll();
            prefill += job.prompt;
            active.add(job);
          }
        }
        double step = model.stepSeconds(active.size(), prefill);
        simNow += step;
        finished.clear();
        for (Job job : active) {
          if (++job.decoded >= job.reply) {
            finished.add(job);
          }
        }
        active.removeAll(finished);
        synchronized (lock) {
          busySeconds += step;
          promptTokens += prefill;
          decodedTokens += active.size() + finished.size();
        }
        sleepUntil(anchorWall + Math.round((simNow - anchorSim) * model.timeScale() * 1e9));
        synchronized (lock) {
          requests += finished.size();
          inFlight -= finished.size();
        }
        for (Job job : finished) {
          job.done = true;
          job.finished.countDown();
        }
      }
    } catch (InterruptedException e) {
      log.debug("Batch engine interrupted: closing");
    } finally {
      synchronized (lock) {
        closed = true;
        active.addAll(waiting);
        waiting.clear();
      }
      active.addAll(finished); // a step cut short by close: its jobs were not released
      active.forEach(job -> job.finished.countDown());
    }
  }

  private static void sleepUntil(long deadline) throws InterruptedException {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }
}
