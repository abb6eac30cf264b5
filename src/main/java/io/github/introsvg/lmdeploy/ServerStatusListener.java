package io.github.introsvg.lmdeploy;

import java.time.Duration;

/**
 * Told when a server stops answering (at once while no call has succeeded yet, as when it is still loading;
 * else after 10 s of failures or when the circuit opens), about every 30 s while that lasts, and once when it
 * answers again; called on a caller's thread, so it must be quick and must not throw. Every method does nothing
 * by default.
 */
public interface ServerStatusListener {

  /**
   * {@code url} stopped answering; {@code cause} is the last failure's message. Calls now go to the other servers,
   * or wait when there is none.
   */
  default void unavailable(String url, String cause) {}

  /** The outage goes on: said about every 30 s after {@link #unavailable}; {@code soFar} counts from its first failure. */
  default void stillUnavailable(String url, String cause, Duration soFar) {}

  /** {@code url} answers again after {@code outage}; waiting calls proceed. */
  default void recovered(String url, Duration outage) {}
}
