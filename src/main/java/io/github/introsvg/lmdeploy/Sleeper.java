package io.github.introsvg.lmdeploy;

import java.time.Duration;

/**
 * Waits: a retry's backoff and a prober's pauses. Injected with a {@link java.time.Clock} (on {@code IntroSvg}'s
 * and {@link ResilientChatClient}'s builders) so tests run outages on their own time instead of sleeping.
 */
@FunctionalInterface
public interface Sleeper {

  /** Real time, at millisecond resolution. */
  Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());

  /** Returns after {@code duration}; throws (interrupt flag cleared, as {@link Thread#sleep}) when interrupted. */
  void sleep(Duration duration) throws InterruptedException;
}
