package io.github.introsvg.lmdeploy;

import java.time.Duration;

/**
 * Told once when a server becomes unavailable and once when it recovers, per outage; called on a caller's
 * thread, so it must be quick and must not throw. Both methods do nothing by default.
 */
public interface ServerStatusListener {

  /** {@code url} stopped answering; {@code cause} is the last failure's message. Calls now wait. */
  default void unavailable(String url, String cause) {}

  /** {@code url} answers again after {@code outage}; waiting calls proceed. */
  default void recovered(String url, Duration outage) {}
}
