package io.github.introsvg.internal.lmdeploy;

import java.time.Duration;

/** Waits; injected so tests can record waits instead of sleeping. */
@FunctionalInterface
interface Sleeper {

  /** Real time, at millisecond resolution. */
  Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());

  /** Returns after {@code duration}; throws (interrupt flag cleared, as {@link Thread#sleep}) when interrupted. */
  void sleep(Duration duration) throws InterruptedException;
}
