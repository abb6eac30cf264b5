package io.github.introsvg.internal;

import java.time.Duration;

/**
 * The client's defaults, in one class that loads nothing else: {@code IntroSvg} publishes them and the CLI's help
 * reads them, so {@code --help} must not initialise OkHttp or resilience4j to print a number.
 */
public final class Defaults {

  public static final int MAX_CONNECTIONS = 32;
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(120);
  public static final Duration CALL_TIMEOUT = Duration.ofMinutes(30);
  public static final int MAX_ATTEMPTS = 8;
  public static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  public static final Duration MAX_OUTAGE = Duration.ofMinutes(30);
  public static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);

  private Defaults() {}
}
