package io.github.introsvg.lmdeploy;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatClient} over one {@link LmdeployClient}: every call, model discovery included, goes through
 * resilience4j's {@link Retry} (server errors and transport failures, backoff with jitter, {@code Retry-After})
 * around its {@link CircuitBreaker}. While the breaker is open, callers wait instead of failing: one of them
 * polls {@code /health}, and once the server answers they knock again, which lets the breaker go half-open
 * and admit {@code trialCalls} of them at once. Calls that keep failing for {@code maxOutage}, even against a
 * server whose {@code /health} is fine, end with {@link LmdeployException.ServerUnavailable}. Thread-safe.
 * See docs/lmdeploy-client.md, "Retries and circuit breaking".
 */
public final class ResilientChatClient implements ChatClient {

  private static final Logger log = LoggerFactory.getLogger(ResilientChatClient.class);

  /** The defaults, one home for the builder, {@code IntroSvg}'s builder, the CLI's help and the docs. */
  public static final int DEFAULT_MAX_ATTEMPTS = 8;
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
  public static final Duration DEFAULT_MAX_OUTAGE = Duration.ofMinutes(30);
  public static final int DEFAULT_TRIAL_CALLS = 3;

  static final float FAILURE_RATE_PERCENT = 50;
  static final int WINDOW_CALLS = 20;
  static final int MIN_CALLS = 5;
  /** The breaker stays open at least this long; the first probe comes only after {@link #PROBE_MIN}. */
  static final Duration OPEN_MIN = Duration.ofMillis(500);
  static final Duration PROBE_MIN = Duration.ofSeconds(1);
  /** Short, so a server that comes back is found within this long; a /health probe costs the server nothing. */
  static final Duration PROBE_MAX = Duration.ofSeconds(2);
  /** A failing streak is announced after this long (at once while no call has ever succeeded). */
  static final Duration ANNOUNCE_AFTER = Duration.ofSeconds(10);
  /** How often a continuing outage is reported again. */
  static final Duration REPORT_EVERY = Duration.ofSeconds(30);
  /** Past {@code maxOutage}, callers fail fast except for one trial this often, so a server that is back is found. */
  static final Duration TRIAL_AFTER_OUTAGE_EVERY = Duration.ofSeconds(15);
  /** A waiting caller re-checks the state this often even without a wake-up, as a safety net. */
  private static final long WAIT_SLICE_MILLIS = 1000;

  private final LmdeployClient client;
  private final String url;
  private final Duration maxOutage;
  private final ServerStatusListener listener;
  private final Sleeper sleeper;
  private final Clock clock;
  private final Retry retry;
  private final CircuitBreaker breaker;
  private final LongAdder retries = new LongAdder();
  private final LongAdder outages = new LongAdder();

  private final Object lock = new Object(); // guards the fields below; notified on every breaker transition
  private long transitions;
  private boolean probing;
  private boolean serverAnswers; // the prober saw /health answer while the breaker was open: waiters may knock
  private boolean everSucceeded;
  private Instant failingSince; // the first retryable failure since the last success; null while calls succeed
  private String failingCause = "";
  private LmdeployException lastFailure;
  private boolean announced;
  private Instant lastReport;
  private Instant lastTrial;

  private ResilientChatClient(Builder b) {
    this.client = b.client;
    this.url = b.client.baseUrl();
    this.maxOutage = b.maxOutage;
    this.listener = b.listener;
    this.sleeper = b.sleeper;
    this.clock = b.clock;
    this.retry = Retry.of(url, RetryConfig.custom()
        .maxAttempts(b.maxAttempts)
        // An interrupt is the caller's doing, never the server's: it is never retried.
        .retryOnException(e -> retryable(e) && !Thread.currentThread().isInterrupted())
        // No backoff while the breaker is open: the caller then waits for the prober, which paces every caller.
        .intervalBiFunction(backoff(b.initialBackoff, b.maxBackoff, b.random, () -> breakerOpen(), () -> !everSucceeded()))
        .build());
    this.breaker = CircuitBreaker.of(url, CircuitBreakerConfig.custom()
        // Open before a call's tries run out, so that a server that is down is waited for, not given up on.
        .slidingWindow(WINDOW_CALLS, Math.max(1, Math.min(MIN_CALLS, b.maxAttempts - 1)),
            CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(FAILURE_RATE_PERCENT)
        .recordException(ResilientChatClient::retryable) // a 4xx means the server is up: it counts as a success
        .ignoreExceptions(LmdeployException.Interrupted.class)
        .permittedNumberOfCallsInHalfOpenState(b.trialCalls)
        .waitDurationInOpenState(OPEN_MIN)
        .automaticTransitionFromOpenToHalfOpenEnabled(false) // waiters knock once the prober saw the server answer
        .clock(clock)
        .build());
    retry.getEventPublisher().onRetry(e -> {
      retries.increment();
      log.info("lmdeploy at {}: attempt {} of {} failed, retrying {}: {}", url, e.getNumberOfRetryAttempts(),
          b.maxAttempts, e.getWaitInterval().isZero() ? "once it answers again" : "in " + Durations.text(e.getWaitInterval()),
          e.getLastThrowable().getMessage());
    });
    breaker.getEventPublisher().onStateTransition(e -> onTransition(e.getStateTransition().getToState()));
  }

  /** Decorates {@code client}; every setting has a default (the {@code DEFAULT_*} constants). */
  public static Builder builder(LmdeployClient client) {
    return new Builder(client);
  }

  /** What is retried (and counts against the circuit): server errors and transport failures, never a 4xx. */
  static boolean retryable(Throwable e) {
    return e instanceof LmdeployException.ServerError || e instanceof LmdeployException.Io;
  }

  /**
   * @throws LmdeployException the last failure when it is not retryable or attempts ran out; {@code
   *     ServerUnavailable} when calls kept failing for longer than {@code maxOutage}; {@code Interrupted} when
   *     the calling thread was interrupted (its flag stays set)
   */
  @Override
  public ChatReply complete(ChatRequest request) {
    Objects.requireNonNull(request, "request == null");
    return call(() -> client.complete(request));
  }

  /**
   * The model to use, asked of the server with the same patience as every call: a server that is not up yet, is
   * loading (502/503) or lists no model yet is waited for, up to {@code maxOutage}.
   *
   * @param wanted the model the user named; empty to take the one the server serves
   * @throws LmdeployException.UnknownModel at once when the server answers and does not serve {@code wanted}, or
   *     serves several models and none was named
   */
  public String discoverModel(Optional<String> wanted) {
    Objects.requireNonNull(wanted, "wanted == null");
    return call(() -> client.resolveModel(wanted));
  }

  /** How many times a call was repeated after a retryable failure, over this client's life. */
  public long retries() {
    return retries.sum();
  }

  /** How many outages (failing streaks long enough to be announced) this client waited through or gave up on. */
  public long outages() {
    return outages.sum();
  }

  @Override
  public String toString() {
    return "ResilientChatClient{" + client + ", circuit=" + breaker.getState() + ", retries=" + retries() + "}";
  }

  /** Retry(wait for admission, then CircuitBreaker(one try)). */
  private <T> T call(Supplier<T> once) {
    Supplier<T> guarded = CircuitBreaker.decorateSupplier(breaker, () -> observed(once));
    Supplier<T> admitted = () -> {
      while (true) {
        long seen = awaitAdmission();
        try {
          return guarded.get();
        } catch (CallNotPermittedException e) { // the breaker opened, or its trial calls are taken: no try was made
          awaitTransitionAfter(seen);
        }
      }
    };
    Supplier<T> retried = Retry.decorateSupplier(retry, admitted);
    try {
      return sleeper == Sleeper.SYSTEM ? retried.get() : RetryWaits.with(sleeper, retried);
    } catch (LmdeployException e) {
      if (Thread.currentThread().isInterrupted() && !(e instanceof LmdeployException.Interrupted)) {
        LmdeployException.Interrupted interrupted = new LmdeployException.Interrupted(e);
        interrupted.addSuppressed(e);
        throw interrupted;
      }
      throw e;
    }
  }

  /** One try; keeps the failing streak (what {@code maxOutage} measures and the listener hears of) up to date. */
  private <T> T observed(Supplier<T> once) {
    T result;
    try {
      result = once.get();
    } catch (LmdeployException e) {
      if (Thread.currentThread().isInterrupted() && !(e instanceof LmdeployException.Interrupted)) {
        throw new LmdeployException.Interrupted(e);
      }
      if (retryable(e)) onFailure(e);
      throw e;
    }
    onSuccess();
    return result;
  }

  private void onSuccess() {
    synchronized (lock) {
      everSucceeded = true;
      if (failingSince == null) return;
      Duration outage = Duration.between(failingSince, clock.instant());
      boolean wasAnnounced = announced;
      failingSince = null;
      announced = false;
      lastReport = null;
      lastTrial = null;
      if (!wasAnnounced) return;
      log.info("lmdeploy at {} answers again after {}", url, Durations.text(outage));
      tell(() -> listener.recovered(url, outage));
    }
  }

  private void onFailure(LmdeployException e) {
    synchronized (lock) {
      Instant now = clock.instant();
      if (failingSince == null) failingSince = now;
      failingCause = e.getMessage();
      lastFailure = e;
      if (!announced && (!everSucceeded || Duration.between(failingSince, now).compareTo(ANNOUNCE_AFTER) >= 0)) {
        announce(now);
      }
    }
  }

  private void onTransition(CircuitBreaker.State to) {
    synchronized (lock) {
      transitions++;
      serverAnswers = false;
      if (to == CircuitBreaker.State.OPEN && failingSince != null && !announced) announce(clock.instant());
      lock.notifyAll();
    }
  }

  /** Under the lock. */
  private void announce(Instant now) {
    announced = true;
    lastReport = now;
    outages.increment();
    String cause = failingCause;
    log.info("lmdeploy at {} is not answering; calls wait up to {} for it: {}", url, Durations.text(maxOutage), cause);
    tell(() -> listener.unavailable(url, cause));
  }

  /** Under the lock: about every {@link #REPORT_EVERY} of an announced outage, says it goes on. */
  private void reportIfDue(Instant now) {
    if (!announced || failingSince == null || Duration.between(lastReport, now).compareTo(REPORT_EVERY) < 0) return;
    lastReport = now;
    Duration soFar = Duration.between(failingSince, now);
    String cause = failingCause;
    tell(() -> listener.stillUnavailable(url, cause, soFar));
  }

  private void tell(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException e) {
      log.warn("server status listener failed", e);
    }
  }

  /**
   * Returns once a caller may try the breaker, with the transition count it saw; while the breaker is open, one
   * waiting caller probes the server and the others wait for it.
   */
  private long awaitAdmission() {
    while (true) {
      boolean lead = false;
      boolean lastChance = false;
      synchronized (lock) {
        Instant now = clock.instant();
        boolean expired = outageExpired(now);
        if (expired) {
          if (lastTrial != null && Duration.between(lastTrial, now).compareTo(TRIAL_AFTER_OUTAGE_EVERY) < 0) {
            throw unavailable();
          }
          lastTrial = now;
        }
        if (breaker.getState() != CircuitBreaker.State.OPEN || serverAnswers) return transitions;
        if (!probing) {
          probing = true;
          lead = true;
          lastChance = expired;
        } else {
          waitOnLock();
        }
      }
      if (lead) {
        try {
          probe(lastChance);
        } finally {
          synchronized (lock) {
            probing = false;
            lock.notifyAll();
          }
        }
        if (lastChance && !serverAnswersNow()) throw unavailable();
      }
    }
  }

  private boolean serverAnswersNow() {
    synchronized (lock) {
      return serverAnswers || breaker.getState() != CircuitBreaker.State.OPEN;
    }
  }

  /** After a {@link CallNotPermittedException}: waits until the breaker has moved on from what the caller saw. */
  private void awaitTransitionAfter(long seen) {
    synchronized (lock) {
      while (transitions == seen && !outageExpired(clock.instant())) {
        if (breaker.getState() == CircuitBreaker.State.OPEN && !probing && !serverAnswers) return; // someone must probe
        waitOnLock();
      }
    }
  }

  /**
   * Polls {@code /health} with growing pauses until the server answers (waiters may knock) or the outage has lasted
   * too long; {@code once}: a single check without pausing, for the trial past {@code maxOutage}.
   */
  private void probe(boolean once) {
    Duration pause = PROBE_MIN;
    while (breaker.getState() == CircuitBreaker.State.OPEN) {
      if (!once) {
        Duration left;
        synchronized (lock) {
          left = failingSince == null ? pause : maxOutage.minus(Duration.between(failingSince, clock.instant()));
        }
        if (left.isNegative() || left.isZero()) return;
        sleep(pause.compareTo(left) < 0 ? pause : left);
        pause = pause.multipliedBy(2).compareTo(PROBE_MAX) < 0 ? pause.multipliedBy(2) : PROBE_MAX;
      }
      boolean answers = answers();
      if (Thread.currentThread().isInterrupted()) throw new LmdeployException.Interrupted(null);
      synchronized (lock) {
        if (answers && breaker.getState() == CircuitBreaker.State.OPEN) {
          log.info("lmdeploy at {} answers /health again; letting calls try it", url);
          serverAnswers = true;
          lock.notifyAll();
          return;
        }
        reportIfDue(clock.instant());
      }
      if (once) return;
    }
  }

  /** GET /health answers 200, or (lmdeploy's proxy has no /health) it answers 404 and GET /v1/models 200. */
  private boolean answers() {
    int health = client.healthStatus();
    return health == 200 || (health == 404 && client.modelsStatus() == 200);
  }

  /** Under the lock. */
  private boolean outageExpired(Instant now) {
    return failingSince != null && Duration.between(failingSince, now).compareTo(maxOutage) >= 0;
  }

  /** Under the lock. */
  private LmdeployException.ServerUnavailable unavailable() {
    return new LmdeployException.ServerUnavailable("lmdeploy at " + url + " kept failing for " + Durations.text(maxOutage)
        + " (last: " + failingCause + ")", lastFailure);
  }

  /** Under the lock. */
  private void waitOnLock() {
    try {
      lock.wait(WAIT_SLICE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LmdeployException.Interrupted(e);
    }
  }

  private void sleep(Duration duration) {
    try {
      sleeper.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LmdeployException.Interrupted(e);
    }
  }

  private boolean breakerOpen() {
    return breaker.getState() == CircuitBreaker.State.OPEN;
  }

  private boolean everSucceeded() {
    synchronized (lock) {
      return everSucceeded;
    }
  }

  /**
   * Exponential backoff with +-50% jitter, capped (at {@link #PROBE_MAX} while {@code starting}: a server that
   * never answered yet is probably loading, and should be found soon after it is up); at least what the server
   * asked for in {@code Retry-After} (itself capped at {@code max}); zero while {@code open}.
   */
  private static IntervalBiFunction<Object> backoff(Duration initial, Duration max, Random random, BooleanSupplier open,
      BooleanSupplier starting) {
    return (attempt, outcome) -> {
      if (open.getAsBoolean()) return 0L;
      long retryAfterCap = max.toMillis();
      long capMillis = starting.getAsBoolean() ? Math.min(retryAfterCap, PROBE_MAX.toMillis()) : retryAfterCap;
      long base = initial.toMillis();
      for (int i = 1; i < attempt && base < capMillis; i++) base *= 2;
      double factor;
      synchronized (random) { // Random is thread-safe, but a seeded sequence should not interleave mid-draw
        factor = 0.5 + random.nextDouble();
      }
      long millis = Math.min(Math.round(Math.min(base, capMillis) * factor), capMillis);
      Throwable failure = outcome.isLeft() ? outcome.getLeft() : null;
      if (failure instanceof LmdeployException e && e.retryAfter().isPresent()) {
        millis = Math.max(millis, Math.min(e.retryAfter().get().toMillis(), retryAfterCap));
      }
      return millis;
    };
  }

  /** Configures a {@link ResilientChatClient}; every setting has a default. */
  public static final class Builder {
    private final LmdeployClient client;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration maxOutage = DEFAULT_MAX_OUTAGE;
    private int trialCalls = DEFAULT_TRIAL_CALLS;
    private ServerStatusListener listener = new ServerStatusListener() {};
    private Random random = new Random();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private Clock clock = Clock.systemUTC();

    private Builder(LmdeployClient client) {
      this.client = Objects.requireNonNull(client, "client == null");
    }

    /** Tries per call, the first included; 1 means no retry. */
    public Builder maxAttempts(int n) {
      if (n < 1) throw new IllegalArgumentException("maxAttempts < 1: " + n);
      this.maxAttempts = n;
      return this;
    }

    /** The wait before the first retry, doubled for each further one (then jittered +-50%). */
    public Builder initialBackoff(Duration d) {
      this.initialBackoff = positive(d, "initialBackoff");
      return this;
    }

    /** The longest wait between two tries, {@code Retry-After} included. */
    public Builder maxBackoff(Duration d) {
      this.maxBackoff = positive(d, "maxBackoff");
      return this;
    }

    /** How long calls may keep failing (or wait for a server that is down) before they end with {@code ServerUnavailable}. */
    public Builder maxOutage(Duration d) {
      this.maxOutage = positive(d, "maxOutage");
      return this;
    }

    /**
     * How many calls the breaker lets through at once when the server answers again after an outage; their
     * outcome closes (or reopens) it. Set it to the number of calls in flight, so a restarted server is filled at
     * once.
     */
    public Builder trialCalls(int n) {
      if (n < 1) throw new IllegalArgumentException("trialCalls < 1: " + n);
      this.trialCalls = n;
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
