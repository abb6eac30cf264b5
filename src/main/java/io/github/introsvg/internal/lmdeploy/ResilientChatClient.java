package io.github.introsvg.internal.lmdeploy;

import io.github.introsvg.internal.Defaults;
import io.github.introsvg.lmdeploy.Sleeper;
import io.github.introsvg.internal.Durations;
import io.github.introsvg.lmdeploy.LmdeployException;
import io.github.introsvg.lmdeploy.ServerStatusListener;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.IllegalStateTransitionException;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatClient} over one or more {@link LmdeployClient}s (servers serving the same model): every call,
 * model discovery included, goes through resilience4j's {@link Retry} (server errors and transport failures,
 * backoff with jitter, {@code Retry-After}); each try goes to the server with the fewest calls outstanding (a
 * retry to another one than the try that failed, when it can), within that server's concurrency budget, through
 * that server's own {@link CircuitBreaker}. A server whose breaker is open is routed around while a background
 * prober polls its {@code /health}; once it answers, calls knock again, which lets its breaker go half-open and
 * admit {@code trialCalls} of them at once. Only when every server is down do callers wait (instead of failing).
 * Calls that keep failing for {@code maxOutage}, on every server, even while {@code /health} is fine, end with
 * {@link LmdeployException.ServerUnavailable}. Thread-safe; {@link #close()} stops the probers. See
 * docs/lmdeploy-client.md, "Retries and circuit breaking".
 */
public final class ResilientChatClient implements ChatClient, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ResilientChatClient.class);

  /** The defaults, from {@link Defaults} (the one home of every default). */
  public static final int DEFAULT_MAX_ATTEMPTS = Defaults.MAX_ATTEMPTS;
  public static final Duration DEFAULT_INITIAL_BACKOFF = Defaults.INITIAL_BACKOFF;
  public static final Duration DEFAULT_MAX_BACKOFF = Defaults.MAX_BACKOFF;
  public static final Duration DEFAULT_MAX_OUTAGE = Defaults.MAX_OUTAGE;
  public static final int DEFAULT_TRIAL_CALLS = 3;
  /** No budget per server beyond the callers' own concurrency. */
  public static final int DEFAULT_PER_SERVER_CALLS = Integer.MAX_VALUE;

  static final float FAILURE_RATE_PERCENT = 50;
  static final int WINDOW_CALLS = 20;
  static final int MIN_CALLS = 5;
  /** A breaker stays open at least this long; the first probe comes only after {@link #PROBE_MIN}. */
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

  private final List<Lane> lanes;
  private final boolean ownsClients;
  private final String name;
  private final Duration maxOutage;
  private final ServerStatusListener listener;
  private final Sleeper sleeper;
  private final Clock clock;
  private final Retry retry;
  private final LongAdder retries = new LongAdder();
  private final LongAdder outages = new LongAdder();
  private final ExecutorService probers;

  private final Object lock = new Object(); // guards the fields below and every Lane's; notified on every change
  private boolean everSucceeded;
  private Instant failingSince; // the first retryable failure on any server since the last success on any
  private String failingCause = "";
  private LmdeployException lastFailure;
  private Instant lastTrial;
  private int nextLane; // where ties start, so equal servers share the calls
  private String model; // what discoverModel found: a server silent then must serve it before it is let in
  private boolean closed;

  private ResilientChatClient(Builder b) {
    this.ownsClients = b.ownsClients;
    this.name = String.join(", ", b.clients.stream().map(LmdeployClient::baseUrl).toList());
    this.maxOutage = b.maxOutage;
    this.listener = b.listener;
    this.sleeper = b.sleeper;
    this.clock = b.clock;
    this.retry = Retry.of(name, RetryConfig.custom()
        .maxAttempts(b.maxAttempts)
        // An interrupt is the caller's doing, never the server's: it is never retried.
        .retryOnException(e -> retryable(e) && !Thread.currentThread().isInterrupted())
        // No backoff while every server is down: the callers then wait for a prober, which paces them all.
        .intervalBiFunction(backoff(b.initialBackoff, b.maxBackoff, b.random, this::allDown, () -> !everSucceeded(),
            this::outageLeft))
        .build());
    // A call's tries are spread over the servers: each breaker must open within its share of them, so that when
    // every server is down a call waits for them (up to maxOutage) instead of running out of tries.
    int minCalls = Math.max(1, Math.min(MIN_CALLS, (b.maxAttempts - 1) / b.clients.size()));
    List<Lane> built = new ArrayList<>();
    for (LmdeployClient client : b.clients) built.add(new Lane(client, b, minCalls));
    this.lanes = List.copyOf(built);
    AtomicInteger n = new AtomicInteger();
    this.probers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "introsvg-probe-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    retry.getEventPublisher().onRetry(e -> {
      retries.increment();
      log.info("lmdeploy ({}): attempt {} of {} failed, retrying {}: {}", name, e.getNumberOfRetryAttempts(),
          b.maxAttempts, !e.getWaitInterval().isZero() ? "in " + Durations.text(e.getWaitInterval())
              : outageLeft().compareTo(Duration.ZERO) > 0 ? "once a server answers again"
              : "once more, the outage's last trial",
          e.getLastThrowable().getMessage());
    });
  }

  /**
   * Decorates {@code client}, which stays the caller's to close; every setting has a default (the {@code
   * DEFAULT_*} constants).
   */
  public static Builder builder(LmdeployClient client) {
    return new Builder(List.of(Objects.requireNonNull(client, "client == null")), false);
  }

  /**
   * Spreads calls over the servers at {@code baseUrls}, which serve the same model, with one client each made with
   * {@code settings} (key, timeouts, pool size, streaming; its own base URL is not used). The clients are this
   * client's: {@link #close()} closes them. One URL (one server, or lmdeploy's proxy) works as {@link
   * #builder(LmdeployClient)} does.
   */
  public static Builder builder(LmdeployClient.Builder settings, List<String> baseUrls) {
    Objects.requireNonNull(settings, "settings == null");
    Objects.requireNonNull(baseUrls, "baseUrls == null");
    List<LmdeployClient> clients = new ArrayList<>();
    for (String url : baseUrls) clients.add(settings.buildFor(url));
    return new Builder(clients, true);
  }

  /** What is retried (and counts against a circuit): server errors and transport failures, never a 4xx. */
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
    return call(LmdeployClient::complete, request);
  }

  /**
   * The model to use, asked with the same patience as every call: a server that is not up yet, is loading
   * (502/503) or lists no model yet is waited for, up to {@code maxOutage}, until one answers. Then every other
   * server is asked too; one that does not answer yet is kept out until its prober sees it serve that model.
   *
   * @param wanted the model the user named; empty to take the one the servers serve
   * @throws LmdeployException.UnknownModel at once when a server answers and does not serve {@code wanted}, serves
   *     several models and none was named, or the servers serve different models (the message names each server
   *     and what it serves)
   */
  public String discoverModel(Optional<String> wanted) {
    Objects.requireNonNull(wanted, "wanted == null");
    String found = call(LmdeployClient::resolveModel, wanted); // from whichever server answers first
    if (lanes.size() == 1) return found;
    Map<String, List<String>> served = new LinkedHashMap<>();
    Map<Lane, LmdeployException> silent = new LinkedHashMap<>();
    for (Lane lane : lanes) {
      try {
        List<String> models = lane.client.models();
        if (models.isEmpty()) {
          silent.put(lane, new LmdeployException.ServerError("lmdeploy at " + lane.url + " lists no model yet", 200, ""));
        } else {
          served.put(lane.url, models);
        }
      } catch (LmdeployException e) {
        if (!retryable(e)) throw e; // e.g. a wrong key: as wrong for the run as on the first server
        silent.put(lane, e);
      }
    }
    if (served.values().stream().anyMatch(models -> !models.contains(found))) {
      StringJoiner each = new StringJoiner(", ");
      served.forEach((url, models) -> each.add(url + " serves " + models));
      throw new LmdeployException.UnknownModel("the lmdeploy servers do not serve the same model: " + each, 200, "");
    }
    synchronized (lock) {
      model = found;
    }
    silent.forEach(this::keepOutUntilChecked);
    return found;
  }

  /** How many times a call was repeated after a retryable failure, over this client's life. */
  public long retries() {
    return retries.sum();
  }

  /** How many outages (failing streaks of one server long enough to be announced) were waited through. */
  public long outages() {
    return outages.sum();
  }

  /** Calls answered so far by each server, by URL: how the load was spread. */
  public Map<String, Long> answeredByServer() {
    Map<String, Long> answered = new LinkedHashMap<>();
    for (Lane lane : lanes) answered.put(lane.url, lane.answered.sum());
    return answered;
  }

  /** Aborts the call {@code thread} is making, on whichever server; it then fails with {@code Interrupted}. */
  public void cancel(Thread thread) {
    for (Lane lane : lanes) lane.client.cancel(thread);
  }

  /**
   * Stops the background probers; calls still waiting for a server fail as interrupted. Closes the clients it made
   * ({@link #builder(LmdeployClient.Builder, List)}), which aborts their calls in flight.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    if (ownsClients) for (Lane lane : lanes) lane.client.close();
    probers.shutdownNow();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("ResilientChatClient{");
    for (Lane lane : lanes) s.append(lane.url).append('=').append(lane.breaker.getState()).append(", ");
    return s.append("retries=").append(retries()).append('}').toString();
  }

  /** Retry(choose a server, waiting while all are down, then its CircuitBreaker(one try)). */
  private <A, T> T call(Call<A, T> once, A argument) {
    Lane[] failedOn = {null}; // this call's last failed try: its retry goes elsewhere when another server can take it
    Supplier<T> routed = () -> {
      while (true) {
        Pick pick = choose(failedOn[0]);
        Lane lane = pick.lane();
        try {
          return CircuitBreaker.decorateSupplier(lane.breaker, () -> observed(lane, once, argument)).get();
        } catch (CallNotPermittedException e) { // its breaker opened, or its trial calls are taken: no try was made
          synchronized (lock) {
            // Kept out until its next transition, unless one came since the pick (then the refusal is old news).
            lane.notPermittedAt = pick.transitions();
          }
        } catch (IllegalStateTransitionException e) {
          // Its breaker was reset (a success on another call) while this knock moved it from open to half-open:
          // refused before any try was made, and the breaker is closed now; choose again.
        } catch (LmdeployException e) {
          failedOn[0] = lane;
          throw e;
        } finally {
          release(lane);
        }
      }
    };
    Supplier<T> retried = Retry.decorateSupplier(retry, routed);
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

  /** The server chosen for a try, and how many transitions its breaker had made then. */
  private record Pick(Lane lane, long transitions) {}

  @FunctionalInterface
  private interface Call<A, T> {
    T on(LmdeployClient client, A argument);
  }

  /** One try on {@code lane}; keeps the failing streaks (what {@code maxOutage} measures, what is announced) up to date. */
  private <A, T> T observed(Lane lane, Call<A, T> once, A argument) {
    T result;
    try {
      result = once.on(lane.client, argument);
    } catch (LmdeployException e) {
      if (Thread.currentThread().isInterrupted() && !(e instanceof LmdeployException.Interrupted)) {
        throw new LmdeployException.Interrupted(e);
      }
      if (retryable(e)) onFailure(lane, e);
      throw e;
    }
    onSuccess(lane);
    return result;
  }

  private void onSuccess(Lane lane) {
    lane.answered.increment();
    synchronized (lock) {
      everSucceeded = true;
      failingSince = null;
      lastTrial = null;
      if (lane.failingSince == null) return;
      // resilience4j rates the window after every outcome, a success included: the success that ends a streak
      // (S F F F S) could open the breaker of the server that has just answered, and make the next call wait for a
      // probe. A server that answers is up: its streak is forgotten before this success is recorded.
      lane.breaker.reset();
      Duration outage = Duration.between(lane.failingSince, clock.instant());
      boolean wasAnnounced = lane.announced;
      lane.failingSince = null;
      lane.announced = false;
      if (!wasAnnounced) return;
      log.info("lmdeploy at {} answers again after {}", lane.url, Durations.text(outage));
      tell(() -> listener.recovered(lane.url, outage));
    }
  }

  private void onFailure(Lane lane, LmdeployException e) {
    synchronized (lock) {
      Instant now = clock.instant();
      if (failingSince == null) failingSince = now;
      failingCause = e.getMessage();
      lastFailure = e;
      if (lane.failingSince == null) lane.failingSince = now;
      lane.failingCause = e.getMessage();
      if (!lane.announced
          && (!everSucceeded || Duration.between(lane.failingSince, now).compareTo(ANNOUNCE_AFTER) >= 0)) {
        announce(lane, now);
      }
    }
  }

  private void onTransition(Lane lane, CircuitBreaker.State to) {
    synchronized (lock) {
      lane.transitions++;
      lane.serverAnswers = false;
      if (to == CircuitBreaker.State.OPEN) {
        if (lane.failingSince != null && !lane.announced) announce(lane, clock.instant());
        startProber(lane);
      }
      lock.notifyAll();
    }
  }

  /**
   * A server that did not answer when the model was discovered: routed around (its breaker opened) until its
   * prober sees it answer and serve the model, so that a late server serving another model never gets a call.
   */
  private void keepOutUntilChecked(Lane lane, LmdeployException why) {
    log.warn("lmdeploy at {} did not answer when the model was checked; it gets calls once it serves \"{}\": {}",
        lane.url, model, why.getMessage());
    synchronized (lock) {
      lane.unchecked = true;
      onFailure(lane, why);
      if (lane.breaker.getState() != CircuitBreaker.State.OPEN) lane.breaker.transitionToOpenState();
    }
  }

  /** Under the lock. */
  private void announce(Lane lane, Instant now) {
    lane.announced = true;
    lane.lastReport = now;
    outages.increment();
    String cause = lane.failingCause;
    log.info("lmdeploy at {} is not answering; {}: {}", lane.url,
        lanes.size() == 1 ? "calls wait up to " + Durations.text(maxOutage) + " for it" : "calls go to the other servers",
        cause);
    tell(() -> listener.unavailable(lane.url, cause));
  }

  /** Under the lock: about every {@link #REPORT_EVERY} of an announced outage, says it goes on. */
  private void reportIfDue(Lane lane, Instant now) {
    if (!lane.announced || lane.failingSince == null || Duration.between(lane.lastReport, now).compareTo(REPORT_EVERY) < 0) {
      return;
    }
    lane.lastReport = now;
    Duration soFar = Duration.between(lane.failingSince, now);
    String cause = lane.failingCause;
    tell(() -> listener.stillUnavailable(lane.url, cause, soFar));
  }

  private void tell(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException e) {
      log.warn("server status listener failed", e);
    }
  }

  /**
   * The server for the next try (see {@link #leastBusy}); waits while there is none. Past {@code maxOutage} fails,
   * except for one trial every {@link #TRIAL_AFTER_OUTAGE_EVERY}, for which this caller checks the open servers.
   */
  private Pick choose(Lane avoid) {
    boolean trial = false;
    while (true) {
      List<Lane> silent;
      synchronized (lock) {
        if (closed) throw new LmdeployException.Interrupted(null);
        Instant now = clock.instant();
        if (trial || !outageExpired(now)) {
          Lane best = leastBusy(avoid);
          if (best != null) {
            best.outstanding++;
            nextLane = (lanes.indexOf(best) + 1) % lanes.size();
            return new Pick(best, best.transitions);
          }
          if (trial) throw unavailable();
          for (Lane lane : lanes) if (lane.breaker.getState() == CircuitBreaker.State.OPEN) startProber(lane);
          waitOnLock();
          continue;
        }
        if (lastTrial != null && Duration.between(lastTrial, now).compareTo(TRIAL_AFTER_OUTAGE_EVERY) < 0) {
          throw unavailable();
        }
        lastTrial = now;
        trial = true;
        silent = lanes.stream()
            .filter(lane -> lane.breaker.getState() == CircuitBreaker.State.OPEN && !lane.serverAnswers).toList();
      }
      // Past the outage the probers have stopped: this caller checks once, outside the lock (it takes a round trip).
      for (Lane lane : silent) {
        if (!ready(lane)) continue;
        synchronized (lock) {
          if (lane.breaker.getState() == CircuitBreaker.State.OPEN) letIn(lane);
        }
      }
    }
  }

  /**
   * Under the lock: of the servers that may take a try (breaker not open, or open with a server that answers again;
   * not refused since its last transition; within budget), the one with the fewest calls outstanding, other than
   * {@code avoid} when there is another; ties go round.
   */
  private Lane leastBusy(Lane avoid) {
    Lane best = null;
    for (int i = 0; i < lanes.size(); i++) {
      Lane lane = lanes.get((nextLane + i) % lanes.size());
      if (!lane.mayTake()) continue;
      boolean better = best == null
          || (best == avoid && lane != avoid)
          || ((best == avoid) == (lane == avoid) && lane.outstanding < best.outstanding);
      if (better) best = lane;
    }
    return best;
  }

  private void release(Lane lane) {
    synchronized (lock) {
      lane.outstanding--;
      lock.notifyAll();
    }
  }

  private boolean allDown() {
    synchronized (lock) {
      for (Lane lane : lanes) if (lane.breaker.getState() != CircuitBreaker.State.OPEN) return false;
      return true;
    }
  }

  private boolean everSucceeded() {
    synchronized (lock) {
      return everSucceeded;
    }
  }

  /** Under the lock: one background prober per open server. */
  private void startProber(Lane lane) {
    if (lane.probing || closed || lane.servesOther != null) return;
    lane.probing = true;
    try {
      probers.execute(() -> probe(lane));
    } catch (RejectedExecutionException e) {
      lane.probing = false;
    }
  }

  /**
   * Polls an open server with growing pauses until it is {@link #ready} (calls may knock), is left out for good, or
   * the outage is over.
   */
  private void probe(Lane lane) {
    try {
      Duration pause = PROBE_MIN;
      while (lane.breaker.getState() == CircuitBreaker.State.OPEN) {
        Duration left = outageLeft();
        if (left.isNegative() || left.isZero()) return; // past the outage: callers try once every 15 s instead
        sleeper.sleep(pause.compareTo(left) < 0 ? pause : left);
        pause = pause.multipliedBy(2).compareTo(PROBE_MAX) < 0 ? pause.multipliedBy(2) : PROBE_MAX;
        boolean ready = ready(lane);
        synchronized (lock) {
          if (closed || lane.servesOther != null) return;
          if (ready && lane.breaker.getState() == CircuitBreaker.State.OPEN) {
            log.info("lmdeploy at {} answers /health again; letting calls try it", lane.url);
            letIn(lane);
            return;
          }
          reportIfDue(lane, clock.instant());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closed
    } finally {
      synchronized (lock) {
        lane.probing = false;
        lock.notifyAll();
      }
    }
  }

  /** Under the lock: calls may knock on {@code lane}'s open breaker, which lets it go half-open. */
  private void letIn(Lane lane) {
    lane.serverAnswers = true;
    lane.notPermittedAt = -1; // a knock refused before it was let in must not keep it out
    lock.notifyAll();
  }

  /**
   * Outside the lock: the server {@link #answers}, and if it was silent when the model was discovered, it serves
   * that model now; one that serves another is left out for good.
   */
  private boolean ready(Lane lane) {
    if (!answers(lane)) return false;
    String expected;
    synchronized (lock) {
      if (lane.servesOther != null) return false;
      if (!lane.unchecked) return true;
      expected = model;
    }
    List<String> models;
    try {
      models = lane.client.models();
    } catch (LmdeployException e) {
      return false;
    }
    if (models.isEmpty()) return false; // still registering its model
    synchronized (lock) {
      if (models.contains(expected)) {
        lane.unchecked = false;
        return true;
      }
      lane.servesOther = models;
      log.error("lmdeploy at {} answers again but serves {}, not \"{}\"; it gets no calls", lane.url, models, expected);
      return false;
    }
  }

  /** GET /health answers 200, or (lmdeploy's proxy has no /health) it answers 404 and GET /v1/models 200. */
  private static boolean answers(Lane lane) {
    int health = lane.client.healthStatus();
    return health == 200 || (health == 404 && lane.client.modelsStatus() == 200);
  }

  /** Until calls give up: {@code maxOutage} from the start of the failing streak, or all of it without one. */
  private Duration outageLeft() {
    synchronized (lock) {
      return outageLeft(clock.instant());
    }
  }

  /** Under the lock. */
  private Duration outageLeft(Instant now) {
    return failingSince == null ? maxOutage : maxOutage.minus(Duration.between(failingSince, now));
  }

  /** Under the lock. */
  private boolean outageExpired(Instant now) {
    return failingSince != null && outageLeft(now).compareTo(Duration.ZERO) <= 0;
  }

  /** Under the lock. */
  private LmdeployException.ServerUnavailable unavailable() {
    String what = lanes.size() == 1 ? "lmdeploy at " + name : "every lmdeploy server (" + name + ")";
    return new LmdeployException.ServerUnavailable(what + " kept failing for " + Durations.text(maxOutage)
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

  /**
   * Exponential backoff with +-50% jitter, capped (at {@link #PROBE_MAX} while {@code starting}: a server that
   * never answered yet is probably loading, and should be found soon after it is up); at least what the server
   * asked for in {@code Retry-After} (itself capped at {@code max}); zero while {@code allDown}; never past the end of
   * the outage ({@code outageLeft}), so {@code --max-outage 1s} gives up after a second, not after the next backoff.
   */
  private static IntervalBiFunction<Object> backoff(Duration initial, Duration max, Random random, BooleanSupplier allDown,
      BooleanSupplier starting, Supplier<Duration> outageLeft) {
    return (attempt, outcome) -> {
      if (allDown.getAsBoolean()) return 0L;
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
      return Math.max(0L, Math.min(millis, outageLeft.get().toMillis()));
    };
  }

  /** One server: its client, its own breaker and budget, and what is known of its health. */
  private final class Lane {
    final LmdeployClient client;
    final String url;
    final CircuitBreaker breaker;
    final int budget;
    final LongAdder answered = new LongAdder();
    // guarded by ResilientChatClient.this.lock:
    int outstanding;
    long transitions;
    long notPermittedAt = -1; // the transition count when the breaker last refused a call
    boolean probing;
    boolean serverAnswers; // the prober saw /health answer while the breaker was open: calls may knock
    boolean unchecked; // silent when the model was discovered: its prober checks the model before letting it in
    List<String> servesOther; // not null: it serves these instead of the model, and gets no call
    Instant failingSince;
    String failingCause = "";
    boolean announced;
    Instant lastReport;

    Lane(LmdeployClient client, Builder b, int minCalls) {
      this.client = client;
      this.url = client.baseUrl();
      this.budget = b.perServerCalls;
      this.breaker = CircuitBreaker.of(url, CircuitBreakerConfig.custom()
          .slidingWindow(WINDOW_CALLS, minCalls, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
          .failureRateThreshold(FAILURE_RATE_PERCENT)
          // A long generation is normal, not a sign of trouble: resilience4j's default would open the breaker once
          // every call in the window took over 60 s. Durations are read from the injected clock.
          .slowCallDurationThreshold(Duration.ofDays(365))
          .currentTimestampFunction(Clock::millis, TimeUnit.MILLISECONDS)
          .recordException(ResilientChatClient::retryable) // a 4xx means the server is up: it counts as a success
          .ignoreExceptions(LmdeployException.Interrupted.class)
          .permittedNumberOfCallsInHalfOpenState(b.trialCalls)
          .waitDurationInOpenState(OPEN_MIN)
          .automaticTransitionFromOpenToHalfOpenEnabled(false) // calls knock once the prober saw the server answer
          .clock(b.clock)
          .build());
      breaker.getEventPublisher().onStateTransition(e -> onTransition(this, e.getStateTransition().getToState()));
    }

    /** Under the lock. */
    boolean mayTake() {
      if (outstanding >= budget || notPermittedAt == transitions) return false;
      return breaker.getState() != CircuitBreaker.State.OPEN || serverAnswers;
    }
  }

  /** Configures a {@link ResilientChatClient}; every setting has a default. */
  public static final class Builder {
    private final List<LmdeployClient> clients;
    private final boolean ownsClients;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration maxOutage = DEFAULT_MAX_OUTAGE;
    private int trialCalls = DEFAULT_TRIAL_CALLS;
    private int perServerCalls = DEFAULT_PER_SERVER_CALLS;
    private ServerStatusListener listener = new ServerStatusListener() {};
    private Random random = new Random();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private Clock clock = Clock.systemUTC();

    private Builder(List<LmdeployClient> clients, boolean ownsClients) {
      if (clients.isEmpty()) throw new IllegalArgumentException("no server given");
      if (clients.stream().map(LmdeployClient::baseUrl).distinct().count() < clients.size()) {
        throw new IllegalArgumentException("a server is given twice: " + clients.stream().map(LmdeployClient::baseUrl).toList());
      }
      this.clients = List.copyOf(clients);
      this.ownsClients = ownsClients;
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

    /** How long calls may keep failing on every server before they end with {@code ServerUnavailable}. */
    public Builder maxOutage(Duration d) {
      this.maxOutage = positive(d, "maxOutage");
      return this;
    }

    /**
     * How many calls a server's breaker lets through at once when it answers again after an outage; their
     * outcome closes (or reopens) it. Set it to the number of calls in flight, so a restarted server is filled at
     * once.
     */
    public Builder trialCalls(int n) {
      if (n < 1) throw new IllegalArgumentException("trialCalls < 1: " + n);
      this.trialCalls = n;
      return this;
    }

    /** The most calls one server is given at once (its concurrency budget); further calls wait for a free one. */
    public Builder perServerCalls(int n) {
      if (n < 1) throw new IllegalArgumentException("perServerCalls < 1: " + n);
      this.perServerCalls = n;
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

    /** What waits between tries and between probes; default {@link Sleeper#SYSTEM}. Tests pass one with {@link #clock}. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper == null");
      return this;
    }

    /** What outages, {@code maxOutage} and the breakers' open time are measured on; default the system's. */
    public Builder clock(Clock clock) {
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
