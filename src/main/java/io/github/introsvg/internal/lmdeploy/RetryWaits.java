package io.github.introsvg.internal.lmdeploy;

import io.github.introsvg.lmdeploy.Sleeper;
import io.github.resilience4j.retry.internal.RetryImpl;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * resilience4j's {@code Retry} waits between tries through one JVM-wide sleep function. Tests inject a
 * {@link Sleeper} per client; this points that function at the sleeper of the client retrying on the current
 * thread, and at {@link Thread#sleep} on every other thread. Only a client built with its own sleeper installs
 * it, so production code never changes resilience4j's global.
 */
final class RetryWaits {

  private static final ThreadLocal<Sleeper> CURRENT = new ThreadLocal<>();

  static {
    RetryImpl.setSleepFunction(millis -> {
      Sleeper sleeper = CURRENT.get();
      if (sleeper == null) {
        Thread.sleep(millis);
      } else if (millis > 0) {
        sleeper.sleep(Duration.ofMillis(millis));
      }
    });
  }

  private RetryWaits() {}

  /** Runs {@code body} with the retry's waits on this thread going to {@code sleeper}. */
  static <T> T with(Sleeper sleeper, Supplier<T> body) {
    Sleeper previous = CURRENT.get();
    CURRENT.set(sleeper);
    try {
      return body.get();
    } finally {
      if (previous == null) CURRENT.remove(); else CURRENT.set(previous);
    }
  }
}
