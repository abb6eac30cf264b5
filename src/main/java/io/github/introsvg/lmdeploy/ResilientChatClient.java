package io.github.introsvg.lmdeploy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.IllegalStateTransitionException;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatClient} over one {@link LmdeployClient} that retries server errors and transport failures with
 * backoff, and while the server is down holds callers (rather than failing them) until a health probe says it
 * is back or {@code maxOutage} has passed. Thread-safe. See docs/lmdeploy-client.md, "Retries and circuit
 * breaking".
 */
public final class ResilientChatClient implements ChatClient {

  private static final Logger log = LoggerFactory.getLogger(ResilientChatClient.class);

  static final float FAILURE_RATE_PERCENT = 50;
  static final int WINDOW_CALLS = 20;
  static final int MIN_CALLS = 10;
  static final int CONSECUTIVE_IO_FAILURES = 5;
  static final int HALF_OPEN_TRIAL_CALLS = 3;
  static final Duration PROBE_MIN = Duration.ofSeconds(2);
  static final Duration PROBE_MAX = Duration.ofSeconds(15);
  /** A waiting caller re-checks the state this often even without a wake-up, as a safety net. */
  private static final long WAIT_SLICE_MILLIS = 1000;

  private final LmdeployClient client;
  private final String url;
  private final Duration maxOutage;
  private final ServerStatusListener listener;
  private final Sleeper sleeper;
  private final Clock clock;
  private final RetryConfig retryConfig;
  private final CircuitBreaker breaker;

  private final AtomicLong retries = new AtomicLong();
  private final AtomicInteger consecutiveIoFailures = new AtomicInteger();
  private final AtomicReference<LmdeployException> lastFailure = new AtomicReference<>();

  private final Object lock = new Object(); // guards the three fields below; notified on every state change
  private boolean probing;
  private Instant outageStart; // null while the server is not known to be down
  private Instant lastProbe;

  private ResilientChatClient(Builder b) {
    this.client = b.client;
    this.url = b.client.baseUrl();
    this.maxOutage = b.maxOutage;
    this.listener = b.listener;
    this.sleeper = b.sleeper;
    this.clock = b.clock;
    this.retryConfig = RetryConfig.<ChatReply>custom()
        .maxAttempts(b.maxAttempts)
        .retryOnException(ResilientChatClient::retryable)
        .intervalBiFunction(backoff(b.initialBackoff, b.maxBackoff, b.random))
        .build();
    CircuitBreakerConfig breakerConfig = CircuitBreakerConfig.custom()
        .slidingWindow(WINDOW_CALLS, MIN_CALLS, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(FAILURE_RATE_PERCENT)
        .recordException(ResilientChatClient::retryable) // a 4xx means the server is up: it counts as a success
        .permittedNumberOfCallsInHalfOpenState(HALF_OPEN_TRIAL_CALLS)
        // Only the health prober leaves OPEN, so the breaker's own timer must never fire.
        .waitDurationInOpenState(Duration.ofDays(365))
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .clock(clock)
        .build();
    this.breaker = CircuitBreaker.of(url, breakerConfig);
    breaker.getEventPublisher().onStateTransition(e -> onTransition(e.getStateTransition().getToState()));
  }

  /** Decorates {@code client}; the builder's defaults are in docs/lmdeploy-client.md. */
  public static Builder builder(LmdeployClient client) {
    return new Builder(client);
  }

  /** What is retried (and counts against the circuit): server errors and transport failures, never a 4xx. */
  static boolean retryable(Throwable e) {
    return e instanceof LmdeployException.ServerError || e instanceof LmdeployException.Io;
  }

  /**
   * @throws LmdeployException the last failure when it is not retryable or attempts ran out; {@code
   *     ServerUnavailable} when the server stayed down for longer than {@code maxOutage}; {@code Io}
   *     "interrupted" when the thread was interrupted
   */
  @Override
  public ChatReply complete(ChatRequest request) {
    Objects.requireNonNull(request, "request == null");
    for (int attempt = 1; ; attempt++) {
      awaitPermission();
      LmdeployException failure;
      try {
        return callOnce(request);
      } catch (LmdeployException e) {
        failure = e;
      }
      if (!retryConfig.getExceptionPredicate().test(failure) || attempt >= retryConfig.getMaxAttempts()) throw failure;
      retries.incrementAndGet();
      if (breaker.getState() == CircuitBreaker.State.OPEN) { // the health prober paces the next attempt
        log.info("lmdeploy at {}: attempt {} of {} failed, retrying once it answers again: {}", url, attempt,
            retryConfig.getMaxAttempts(), failure.getMessage());
        continue;
      }
      long waitMillis = retryConfig.<ChatReply>getIntervalBiFunction().apply(attempt, Either.left(failure));
      Duration wait = Duration.ofMillis(waitMillis);
      log.info("lmdeploy at {}: attempt {} of {} failed, retrying in {}: {}", url, attempt,
          retryConfig.getMaxAttempts(), text(wait), failure.getMessage());
      sleep(wait, failure);
    }
  }

  /** How many times a call was repeated after a retryable failure, over this client's life. */
  public long retries() {
    return retries.get();
  }

  @Override
  public String toString() {
    return "ResilientChatClient{" + client + ", circuit=" + breaker.getState() + ", retries=" + retries() + "}";
  }

  /** One call through the circuit breaker, which must already have given permission. */
  private ChatReply callOnce(ChatRequest request) {
    long start = System.nanoTime();
    try {
      ChatReply reply = client.complete(request);
      consecutiveIoFailures.set(0);
      breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      return reply;
    } catch (LmdeployException e) {
      if (Thread.currentThread().isInterrupted()) { // our caller's doing, not the server's
        breaker.releasePermission();
        throw interrupted(e);
      }
      if (retryable(e)) lastFailure.set(e); // before onError: an OPEN transition reports it
      boolean ioStreak = e instanceof LmdeployException.Io && consecutiveIoFailures.incrementAndGet() >= CONSECUTIVE_IO_FAILURES;
      if (!(e instanceof LmdeployException.Io)) consecutiveIoFailures.set(0);
      breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
      if (ioStreak && breaker.getState() == CircuitBreaker.State.CLOSED) open();
      throw e;
    } catch (RuntimeException | Error e) {
      breaker.releasePermission();
      throw e;
    }
  }

  /** Returns once the breaker lets a call through; while it is OPEN, one waiting caller probes the server. */
  private void awaitPermission() {
    while (!breaker.tryAcquirePermission()) {
      boolean lead = false;
      synchronized (lock) {
        CircuitBreaker.State state = breaker.getState();
        if (state == CircuitBreaker.State.CLOSED) continue; // it closed meanwhile: ask again
        Instant now = clock.instant();
        if (state == CircuitBreaker.State.OPEN && outageExpired(now) && !probeDue(now)) throw unavailable();
        if (state == CircuitBreaker.State.OPEN && !probing) {
          probing = true;
          lead = true;
        } else {
          try {
            lock.wait(WAIT_SLICE_MILLIS);
          } catch (InterruptedException e) {
            throw interrupted(e);
          }
        }
      }
      if (lead) {
        try {
          probe();
        } finally {
          synchronized (lock) {
            probing = false;
            lock.notifyAll();
          }
        }
      }
    }
  }

  /** Polls the server with growing pauses until it answers (breaker to HALF_OPEN) or the outage has lasted too long. */
  private void probe() {
    Duration pause = PROBE_MIN;
    while (breaker.getState() == CircuitBreaker.State.OPEN) {
      Instant now = clock.instant();
      Duration left;
      synchronized (lock) {
        lastProbe = now;
        left = outageStart == null ? pause : maxOutage.minus(Duration.between(outageStart, now));
      }
      boolean answers = answers();
      if (Thread.currentThread().isInterrupted()) throw interrupted(null);
      if (answers) {
        log.info("lmdeploy at {} answers again; sending {} trial calls", url, HALF_OPEN_TRIAL_CALLS);
        try {
          breaker.transitionToHalfOpenState();
        } catch (IllegalStateTransitionException e) {
          // another thread moved it already
        }
        return;
      }
      if (left.isNegative() || left.isZero()) return;
      sleep(pause.compareTo(left) < 0 ? pause : left, null);
      pause = pause.multipliedBy(2).compareTo(PROBE_MAX) < 0 ? pause.multipliedBy(2) : PROBE_MAX;
    }
  }

  /** GET /health answers 200, or (lmdeploy's proxy has no /health) it answers 404 and GET /v1/models 200. */
  private boolean answers() {
    int health = client.healthStatus();
    return health == 200 || (health == 404 && client.modelsStatus() == 200);
  }

  private void open() {
    try {
      breaker.transitionToOpenState();
    } catch (IllegalStateTransitionException e) {
      // another thread moved it already
    }
  }

  private void onTransition(CircuitBreaker.State to) {
    String unavailableCause = null;
    Duration outage = null;
    synchronized (lock) {
      Instant now = clock.instant();
      if (to == CircuitBreaker.State.OPEN && outageStart == null) {
        outageStart = now;
        LmdeployException last = lastFailure.get();
        unavailableCause = last == null ? "repeated failures" : last.getMessage();
      } else if (to == CircuitBreaker.State.CLOSED && outageStart != null) {
        outage = Duration.between(outageStart, now);
        outageStart = null;
        lastProbe = null;
      }
      lock.notifyAll();
    }
    try {
      if (unavailableCause != null) {
        log.info("lmdeploy at {} is unavailable; calls wait until it answers again: {}", url, unavailableCause);
        listener.unavailable(url, unavailableCause);
      }
      if (outage != null) {
        log.info("lmdeploy at {} recovered after {}", url, text(outage));
        listener.recovered(url, outage);
      }
    } catch (RuntimeException e) {
      log.warn("server status listener failed", e);
    }
  }

  private boolean outageExpired(Instant now) {
    return outageStart != null && Duration.between(outageStart, now).compareTo(maxOutage) >= 0;
  }

  /** After the outage has expired, callers fail fast except for one probe per {@link #PROBE_MAX}. */
  private boolean probeDue(Instant now) {
    return lastProbe == null || Duration.between(lastProbe, now).compareTo(PROBE_MAX) >= 0;
  }

  private LmdeployException.ServerUnavailable unavailable() {
    return new LmdeployException.ServerUnavailable("lmdeploy at " + url + " unavailable for " + text(maxOutage),
        lastFailure.get());
  }

  private void sleep(Duration duration, LmdeployException cause) {
    try {
      sleeper.sleep(duration);
    } catch (InterruptedException e) {
      LmdeployException.Io io = interrupted(e);
      if (cause != null) io.addSuppressed(cause);
      throw io;
    }
  }

  /** Keeps (or restores) the interrupt flag, so whoever interrupted sees it. */
  private static LmdeployException.Io interrupted(Throwable cause) {
    Thread.currentThread().interrupt();
    return new LmdeployException.Io("interrupted", cause);
  }

  /**
   * Exponential backoff with +-50% jitter, capped; at least what the server asked for in {@code Retry-After}
   * (itself capped).
   */
  private static IntervalBiFunction<ChatReply> backoff(Duration initial, Duration max, Random random) {
    return (attempt, outcome) -> {
      long capMillis = max.toMillis();
      long base = initial.toMillis();
      for (int i = 1; i < attempt && base < capMillis; i++) base *= 2;
      double factor;
      synchronized (random) { // Random is thread-safe, but a seeded sequence should not interleave mid-draw
        factor = 0.5 + random.nextDouble();
      }
      long millis = Math.min(Math.round(Math.min(base, capMillis) * factor), capMillis);
      Throwable failure = outcome.isLeft() ? outcome.getLeft() : null;
      if (failure instanceof LmdeployException e && e.retryAfter().isPresent()) {
        millis = Math.max(millis, Math.min(e.retryAfter().get().toMillis(), capMillis));
      }
      return millis;
    };
  }

  static String text(Duration d) {
    if (!d.isZero() && d.toMillis() % 60_000 == 0) return d.toMinutes() + " min";
    if (d.toMillis() % 1000 == 0) return d.toSeconds() + " s";
    return d.toMillis() < 1000 ? d.toMillis() + " ms" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  /** Configures a {@link ResilientChatClient}; every setting has a default. */
  public static final class Builder {
    private final LmdeployClient client;
    private int maxAttempts = 8;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Duration maxOutage = Duration.ofMinutes(30);
    private ServerStatusListener listener = new ServerStatusListener() {};
    private Random random = new Random();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private Clock clock = Clock.systemUTC();

    private Builder(LmdeployClient client) {
      this.client = Objects.requireNonNull(client, "client == null");
    }

    /** Calls per request, the first included; 1 means no retry. Default 8. */
    public Builder maxAttempts(int n) {
      if (n < 1) throw new IllegalArgumentException("maxAttempts < 1: " + n);
      this.maxAttempts = n;
      return this;
    }

    /** The wait before the first retry, doubled for each further one (then jittered +-50%). Default 1 s. */
    public Builder initialBackoff(Duration d) {
      this.initialBackoff = positive(d, "initialBackoff");
      return this;
    }

    /** The longest wait between two attempts, {@code Retry-After} included. Default 30 s. */
    public Builder maxBackoff(Duration d) {
      this.maxBackoff = positive(d, "maxBackoff");
      return this;
    }

    /** How long callers wait for a server that is down before they fail with {@code Io}. Default 30 min. */
    public Builder maxOutage(Duration d) {
      this.maxOutage = positive(d, "maxOutage");
      return this;
    }

    public Builder listener(ServerStatusListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener == null");
      return this;
    }

    /** The jitter's source; seed it for reproducible waits. */
    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random, "random == null");
      return this;
    }

    Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper == null");
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock == null");
      return this;
    }

    public ResilientChatClient build() {
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("maxBackoff " + maxBackoff + " < initialBackoff " + initialBackoff);
      }
      return new ResilientChatClient(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name + " == null");
      if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " <= 0: " + d);
      return d;
    }
  }
}
