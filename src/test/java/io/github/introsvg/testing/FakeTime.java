package io.github.introsvg.testing;

import io.github.introsvg.lmdeploy.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A clock that moves only when something sleeps on it: a sleep returns at once, the clock moved on by its
 * duration. A test that needs something real to happen at a moment of this time (a server coming back) {@link
 * #pauseAt waits for that moment and pauses} the clock, does it, and {@link #resume resumes}: sleeps block meanwhile,
 * so no injected time passes while the real thing takes real time.
 */
public final class FakeTime extends Clock implements Sleeper {

  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private boolean paused;
  private final List<Duration> waits = new CopyOnWriteArrayList<>();

  @Override
  public synchronized void sleep(Duration duration) throws InterruptedException {
    while (paused) wait();
    waits.add(duration);
    now = now.plus(duration);
    notifyAll();
  }

  /** Waits (in real time, up to {@code realTimeout}) until this clock reads {@code moment} or later, and pauses it. */
  public synchronized void pauseAt(Instant moment, Duration realTimeout) throws InterruptedException {
    long deadline = System.nanoTime() + realTimeout.toNanos();
    while (now.isBefore(moment)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) throw new AssertionError("nothing slept until " + moment + "; the clock reads " + now);
      wait(Math.max(1, left / 1_000_000));
    }
    paused = true;
  }

  /** Every sleep so far, in order. */
  public List<Duration> waits() {
    return List.copyOf(waits);
  }

  /** Lets sleeps move the clock again. */
  public synchronized void resume() {
    paused = false;
    notifyAll();
  }

  @Override
  public synchronized Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
