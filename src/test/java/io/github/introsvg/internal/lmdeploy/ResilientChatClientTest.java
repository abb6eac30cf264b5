package io.github.introsvg.internal.lmdeploy;

import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.fixture;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.flatError;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.json;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.sse;
import io.github.introsvg.lmdeploy.Sleeper;
import io.github.introsvg.testing.FakeTime;
import io.github.introsvg.testing.Ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.introsvg.lmdeploy.LmdeployException;
import io.github.introsvg.lmdeploy.Sampling;
import io.github.introsvg.lmdeploy.ServerStatusListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

// Methods run side by side: each has its own server, client and time, and most of them wait on a socket.
@Execution(ExecutionMode.CONCURRENT)
class ResilientChatClientTest {

  private static final ChatRequest REQUEST = ChatRequest.text("introsvg", "Draw a cat", Sampling.of(100, 0.5), 1);
  private static final String CHAT = "/v1/chat/completions";

  private MockWebServer server;
  private LmdeployClient lmdeploy;
  private final FakeTime time = new FakeTime();
  private final RecordingListener listener = new RecordingListener();

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start(Ports.free()); // some tests close it and start another on its port
    lmdeploy = LmdeployClient.builder().baseUrl(server.url("/").toString()).idleTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stop() {
    lmdeploy.close();
    server.close();
  }

  /** Jitter factor exactly 1 (0.5 + 0.5), so waits are the plain exponential backoff. */
  private static final class NoJitter extends Random {
    @Override
    public double nextDouble() {
      return 0.5;
    }
  }

  private static final class RecordingListener implements ServerStatusListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void unavailable(String url, String cause) {
      events.add("unavailable " + url + ": " + cause);
    }

    @Override
    public void stillUnavailable(String url, String cause, Duration soFar) {
      events.add("still unavailable " + url + " after " + soFar);
    }

    @Override
    public void recovered(String url, Duration outage) {
      events.add("recovered " + url + " after " + outage);
    }
  }

  private ResilientChatClient.Builder builder() {
    return ResilientChatClient.builder(lmdeploy).random(new NoJitter()).sleeper(time).clock(time).listener(listener);
  }

  /** Backoff waits that never equal the prober's pauses, so a sleeper can tell them apart. */
  private static ResilientChatClient.Builder fastBackoff(ResilientChatClient.Builder b) {
    return b.maxAttempts(20).initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(500));
  }

  private static List<Duration> seconds(long... values) {
    List<Duration> list = new ArrayList<>();
    for (long v : values) list.add(Duration.ofSeconds(v));
    return list;
  }

  private String url() {
    return lmdeploy.baseUrl();
  }

  private static MockResponse ok() {
    return sse(fixture("stream.sse"));
  }

  private static MockResponse retryAfter(int code, String retryAfter) {
    return new MockResponse.Builder().code(code).setHeader("Retry-After", retryAfter).body("later").build();
  }

  private static MockResponse status(int code) {
    return json(code, flatError(code, "The engine is sleeping."));
  }

  @Test
  @Timeout(10)
  void retriesOn503ThenSucceeds() {
    server.enqueue(ok()); // a client that worked before: a short streak of failures is not announced
    server.enqueue(status(503));
    server.enqueue(status(503));
    server.enqueue(status(503));
    server.enqueue(ok());
    ResilientChatClient client = builder().build();
    client.complete(REQUEST);

    ChatReply reply = client.complete(REQUEST);

    assertThat(reply.content()).startsWith("<svg");
    assertThat(time.waits()).isEqualTo(seconds(1, 2, 4));
    assertThat(client.retries()).isEqualTo(3);
    assertThat(server.getRequestCount()).isEqualTo(5);
    assertThat(listener.events).isEmpty();
  }

  @Test
  @Timeout(10)
  void theSuccessThatEndsAStreakLeavesTheBreakerClosed() {
    // then 3 failures and a success: 3 of 5 calls failed, over the failure rate, yet the server has just answered
    List<MockResponse> script = new ArrayList<>(List.of(ok(), status(503), status(503), status(503), ok()));
    List<String> paths = new CopyOnWriteArrayList<>();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        paths.add(path);
        if (path.equals("/health")) return json(200, "{\"status\":\"healthy\"}");
        synchronized (script) {
          return script.isEmpty() ? ok() : script.remove(0);
        }
      }
    });
    ResilientChatClient client = builder().build();
    client.complete(REQUEST);
    client.complete(REQUEST);

    client.complete(REQUEST);

    assertThat(time.waits()).as("backoff only, no wait for a probe").isEqualTo(seconds(1, 2, 4));
    assertThat(paths).containsOnly(CHAT).hasSize(6);
    assertThat(listener.events).isEmpty();
  }

  @Test
  @Timeout(10)
  void repliesSlowerThanAMinuteNeverOpenTheBreaker() {
    List<String> paths = new CopyOnWriteArrayList<>();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        paths.add(path);
        if (path.equals("/health")) return json(200, "{\"status\":\"healthy\"}");
        try {
          time.sleep(Duration.ofMinutes(2)); // a long generation
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
        return ok();
      }
    });
    ResilientChatClient client = builder().build();

    for (int i = 0; i < ResilientChatClient.WINDOW_CALLS + 1; i++) client.complete(REQUEST);

    assertThat(time.waits()).as("no wait for a probe").containsOnly(Duration.ofMinutes(2));
    assertThat(paths).containsOnly(CHAT);
    assertThat(listener.events).isEmpty();
  }

  @Test
  @Timeout(10)
  void jitterStaysWithinHalfAndOneAndAHalfOfBackoffAndBelowCap() {
    // a client that worked before (a new one caps backoff at 2 s), and fewer failures than open the circuit
    server.enqueue(ok());
    for (int i = 0; i < ResilientChatClient.MIN_CALLS - 2; i++) server.enqueue(status(500));
    server.enqueue(ok());
    ResilientChatClient client = builder().random(new Random(42)).maxBackoff(Duration.ofSeconds(5)).build();
    client.complete(REQUEST);

    client.complete(REQUEST);

    long[] base = {1000, 2000, 4000};
    assertThat(time.waits()).hasSize(3);
    for (int i = 0; i < base.length; i++) {
      assertThat(time.waits().get(i).toMillis()).as("wait %d", i).isBetween(base[i] / 2, Math.min(base[i] * 3 / 2, 5000));
    }
    assertThat(time.waits()).doesNotContainAnyElementsOf(seconds(1, 2, 4)); // really jittered
  }

  @Test
  @Timeout(10)
  void honoursRetryAfterSeconds() {
    server.enqueue(retryAfter(429, "7"));
    server.enqueue(retryAfter(503, "120"));
    server.enqueue(ok());
    ResilientChatClient client = builder().build();

    client.complete(REQUEST);

    // max(backoff 1 s, Retry-After 7 s); then Retry-After 120 s capped at maxBackoff 30 s
    assertThat(time.waits()).isEqualTo(seconds(7, 30));
  }

  @Test
  @Timeout(10)
  void retryAfterPastTheOutageIsCutToItsEnd() {
    server.enqueue(retryAfter(503, "7"));
    server.enqueue(retryAfter(503, "7"));
    server.enqueue(ok());
    ResilientChatClient client = builder().maxOutage(Duration.ofSeconds(10)).build();

    client.complete(REQUEST);

    // Retry-After 7 s, then 7 s again cut to the 3 s left of the 10 s outage: the last trial goes at its end
    assertThat(time.waits()).isEqualTo(seconds(7, 3));
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void parsesRetryAfterAsSecondsOrHttpDate() {
    Instant now = Instant.parse("2015-10-21T07:28:00Z");
    assertThat(Failures.parseRetryAfter("120", now)).isEqualTo(Duration.ofSeconds(120));
    assertThat(Failures.parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Failures.parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now)).isEqualTo(Duration.ZERO);
    assertThat(Failures.parseRetryAfter("soon", now)).isNull();
    assertThat(Failures.parseRetryAfter(null, now)).isNull();
  }

  @Test
  @Timeout(10)
  void keepsRetryAfterOnServerError() {
    server.enqueue(retryAfter(503, "9"));

    LmdeployException e = catchThrowableOfType(LmdeployException.ServerError.class, () -> lmdeploy.complete(REQUEST));

    assertThat(e.retryAfter()).contains(Duration.ofSeconds(9));
  }

  @Test
  @Timeout(10)
  void retriesProxy200ErrorBody() {
    server.enqueue(json(200, "{\"error_code\":10402,\"text\":\"Failed to get response after a period of time\"}"));
    server.enqueue(json(200, flatError(500, "Engine failed")));
    server.enqueue(ok());
    ResilientChatClient client = builder().build();

    assertThat(client.complete(REQUEST).content()).startsWith("<svg");
    assertThat(time.waits()).isEqualTo(seconds(1, 2));
  }

  @Test
  @Timeout(10)
  void retriesMidStreamError() {
    server.enqueue(sse(fixture("stream-error.sse")));
    server.enqueue(sse(fixture("stream-cut.sse"))); // ends without finish_reason or [DONE]: Io
    server.enqueue(ok());
    ResilientChatClient client = builder().build();

    assertThat(client.complete(REQUEST).content()).startsWith("<svg");
    assertThat(client.retries()).isEqualTo(2);
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  @Timeout(10)
  void retriesConnectionResetAndOkHttpNeverRepeatsAPostOnItsOwn() {
    for (int i = 0; i < 4; i++) {
      server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
    }
    server.enqueue(ok());
    ResilientChatClient client = builder().build();

    assertThat(client.complete(REQUEST).content()).startsWith("<svg");
    // every request after the first is one of the policy's retries, counted
    assertThat(client.retries()).isEqualTo(4);
    assertThat(server.getRequestCount()).isEqualTo(5);
  }

  @Test
  @Timeout(10)
  void aSingleTryMeansOneRequestEvenWhenTheConnectionDrops() throws Exception {
    server.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
    server.enqueue(ok());
    ResilientChatClient client = builder().maxAttempts(1).build();

    catchThrowableOfType(LmdeployException.Io.class, () -> client.complete(REQUEST));

    // Only chat requests: with one try the breaker opens on its failure, and its prober may be asking /health by now.
    List<String> paths = new ArrayList<>();
    for (int taken = server.getRequestCount(); taken > 0; taken--) paths.add(server.takeRequest().getUrl().encodedPath());
    assertThat(paths).filteredOn(CHAT::equals).hasSize(1);
    assertThat(client.retries()).isZero();
  }

  @Test
  @Timeout(10)
  void neverRetries400_401_404_contextTooLong() {
    List<MockResponse> responses = List.of(
        json(400, flatError(400, "The temperature must be in [0, 2]")),
        json(401, flatError(401, "Unauthorized.")),
        json(404, flatError(404, "The model 'qwen' does not exist.")),
        json(400, flatError(400, "Input length (20000) must be smaller than the model context length (16384).")),
        json(200, "not json"));
    List<Class<? extends LmdeployException>> expected = List.of(LmdeployException.BadRequest.class,
        LmdeployException.Unauthorized.class, LmdeployException.UnknownModel.class,
        LmdeployException.ContextTooLong.class, LmdeployException.InvalidResponse.class);
    ResilientChatClient client = builder().build();
    for (int i = 0; i < responses.size(); i++) {
      int before = server.getRequestCount();
      server.enqueue(responses.get(i));
      if (i == 2) server.enqueue(MockLmdeploy.models("introsvg")); // the 404's served-models lookup

      LmdeployException e = catchThrowableOfType(LmdeployException.class, () -> client.complete(REQUEST));

      assertThat(e).isInstanceOf(expected.get(i));
      assertThat(server.getRequestCount() - before).as("requests for %s", expected.get(i).getSimpleName())
          .isEqualTo(i == 2 ? 2 : 1);
    }
    assertThat(client.retries()).isZero();
    assertThat(time.waits()).isEmpty();
  }

  @Test
  @Timeout(10)
  void givesUpAfterMaxAttempts() {
    for (int i = 0; i < 5; i++) server.enqueue(ok()); // enough successes that 3 failures do not open the circuit
    server.enqueue(status(500));
    server.enqueue(status(502));
    server.enqueue(json(503, flatError(503, "last one")));
    ResilientChatClient client = builder().maxAttempts(3).build();
    for (int i = 0; i < 5; i++) client.complete(REQUEST);

    LmdeployException e = catchThrowableOfType(LmdeployException.ServerError.class, () -> client.complete(REQUEST));

    assertThat(e.statusCode()).isEqualTo(503);
    assertThat(e).hasMessageContaining("last one");
    assertThat(server.getRequestCount()).isEqualTo(5 + 3);
    assertThat(time.waits()).isEqualTo(seconds(1, 2));
  }

  /** Chat answers 503 while {@code down}; /health answers 503 {@code healthFailures} times, then 200 and ends the outage. */
  private AtomicInteger outage(int healthFailures, AtomicBoolean down, List<String> log) {
    AtomicInteger healthCalls = new AtomicInteger();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        log.add(path);
        if (path.equals("/health")) {
          if (healthCalls.incrementAndGet() <= healthFailures) return status(503);
          down.set(false);
          return new MockResponse.Builder().code(200).build();
        }
        return down.get() ? status(503) : ok();
      }
    });
    return healthCalls;
  }

  @Test
  @Timeout(10)
  void opensCircuitAfterRepeatedFailuresAndProbesHealth() {
    AtomicBoolean down = new AtomicBoolean(true);
    List<String> paths = new CopyOnWriteArrayList<>();
    outage(2, down, paths);
    ResilientChatClient client = builder().maxAttempts(20).build();

    ChatReply reply = client.complete(REQUEST);

    assertThat(reply.content()).startsWith("<svg");
    // 5 failed calls open the circuit; then only /health until it answers 200; then the call goes through.
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < ResilientChatClient.MIN_CALLS; i++) expected.add(CHAT);
    expected.addAll(List.of("/health", "/health", "/health", CHAT));
    assertThat(paths).isEqualTo(expected);
    // backoff after tries 1..4, none after the 5th (the circuit is open), then the prober's 1 s, 2 s, 2 s;
    // backoff capped at 2 s while the server never answered: it is probably still loading
    assertThat(time.waits()).isEqualTo(seconds(1, 2, 2, 2, 1, 2, 2));
    // a client that never had an answer says so at the first failure: the server may still be loading
    assertThat(listener.events).containsExactly(
        "unavailable " + url() + ": lmdeploy at " + url() + " failed (HTTP 503: The engine is sleeping.)",
        "recovered " + url() + " after PT12S");
    assertThat(client.retries()).isEqualTo(5);

    client.complete(REQUEST); // the half-open state's remaining trial calls close the circuit
    client.complete(REQUEST);
    client.complete(REQUEST);
    assertThat(listener.events).hasSize(2);
    assertThat(client.outages()).isEqualTo(1);
  }

  @Test
  @Timeout(10)
  void oneCallerProbesWhileTheOthersWaitThenAllSucceed() throws Exception {
    AtomicBoolean down = new AtomicBoolean(true);
    List<String> paths = new CopyOnWriteArrayList<>();
    AtomicInteger healthCalls = outage(1, down, paths);
    CountDownLatch probing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Sleeper sleeper = d -> {
      if (d.equals(ResilientChatClient.PROBE_MIN)) { // the prober's first pause lasts until the test says so
        probing.countDown();
        release.await();
      }
      time.sleep(d);
    };
    ResilientChatClient client = fastBackoff(builder().sleeper(sleeper)).build();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Runnable call = () -> {
      try {
        client.complete(REQUEST);
      } catch (Throwable t) {
        failures.add(t);
      }
    };
    Thread first = new Thread(call);
    first.start();
    assertThat(probing.await(5, TimeUnit.SECONDS)).as("circuit opened and prober pausing").isTrue();
    List<Thread> others = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Thread t = new Thread(call);
      t.start();
      others.add(t);
    }
    for (Thread t : others) {
      while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) Thread.onSpinWait();
    }

    assertThat(healthCalls).as("nobody probed yet: the prober pauses first").hasValue(0);
    assertThat(paths.stream().filter(CHAT::equals).count()).as("nothing sent while open").isEqualTo(ResilientChatClient.MIN_CALLS);
    release.countDown();
    first.join(5000);
    for (Thread t : others) t.join(5000);

    assertThat(failures).isEmpty();
    assertThat(healthCalls).as("only one caller probes").hasValue(2);
    assertThat(paths.stream().filter(CHAT::equals).count()).isEqualTo(ResilientChatClient.MIN_CALLS + 6);
    assertThat(listener.events).hasSize(2);
    assertThat(listener.events.get(1)).startsWith("recovered " + url() + " after ");
  }

  @Test
  @Timeout(10)
  void afterAnOutageTheHalfOpenBreakerAdmitsEveryWaitingCallerAtOnce() throws Exception {
    AtomicBoolean down = new AtomicBoolean(true);
    List<String> paths = new CopyOnWriteArrayList<>();
    outage(0, down, paths);
    int callers = 8;
    CountDownLatch allInFlight = new CountDownLatch(callers);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Dispatcher recovering = server.getDispatcher();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (down.get() || !request.getUrl().encodedPath().equals(CHAT)) return recovering.dispatch(request);
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        allInFlight.countDown();
        allInFlight.await(5, TimeUnit.SECONDS); // every trial call is held until all of them arrived
        inFlight.decrementAndGet();
        return recovering.dispatch(request);
      }
    });
    // the prober waits until every caller waits for it
    CountDownLatch callersWaiting = new CountDownLatch(1);
    Sleeper sleeper = d -> {
      if (d.equals(ResilientChatClient.PROBE_MIN)) callersWaiting.await();
      time.sleep(d);
    };
    ResilientChatClient client = fastBackoff(builder().sleeper(sleeper)).trialCalls(callers).build();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    for (int i = 0; i < callers; i++) {
      Thread t = new Thread(() -> {
        try {
          client.complete(REQUEST);
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) Thread.onSpinWait();
    }
    callersWaiting.countDown();
    for (Thread t : threads) t.join(5000);

    assertThat(failures).isEmpty();
    assertThat(maxInFlight).as("trial calls in flight at once").hasValue(callers);
  }

  @Test
  @Timeout(10)
  void treatsModelsAsHealthWhereThereIsNoHealthRoute() {
    AtomicBoolean down = new AtomicBoolean(true);
    List<String> paths = new CopyOnWriteArrayList<>();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        paths.add(path);
        if (path.equals("/health")) return json(404, "{\"detail\":\"Not Found\"}");
        if (path.equals("/v1/models")) {
          if (paths.stream().filter("/v1/models"::equals).count() < 2) return status(503);
          down.set(false);
          return MockLmdeploy.models("introsvg");
        }
        return down.get() ? json(200, "{\"error_code\":10402,\"text\":\"timeout\"}") : ok();
      }
    });
    ResilientChatClient client = builder().maxAttempts(20).build();

    assertThat(client.complete(REQUEST).content()).startsWith("<svg");
    assertThat(paths.subList(ResilientChatClient.MIN_CALLS, paths.size()))
        .containsExactly("/health", "/v1/models", "/health", "/v1/models", CHAT);
  }

  @Test
  @Timeout(10)
  void aServerThatRefusesConnectionsIsWaitedForUpToMaxOutage() throws Exception {
    int port = server.getPort();
    server.close(); // connection refused from now on
    LmdeployClient refused = LmdeployClient.builder().baseUrl("http://127.0.0.1:" + port).build();
    try {
      ResilientChatClient client = ResilientChatClient.builder(refused).random(new NoJitter()).sleeper(time)
          .clock(time).listener(listener).maxAttempts(6).maxOutage(Duration.ofSeconds(3)).build();

      LmdeployException e = catchThrowableOfType(LmdeployException.ServerUnavailable.class, () -> client.complete(REQUEST));

      assertThat(e).hasMessageStartingWith("lmdeploy at http://127.0.0.1:" + port + " kept failing for 3 s (last: ")
          .hasMessageContaining("connection refused");
      assertThat(listener.events).singleElement().asString().contains("connection refused");
      // tries at 0, 1 and 3 s; at 3 s the outage is over: one last trial at once, then it fails
      assertThat(time.waits()).isEqualTo(seconds(1, 2));
      assertThat(time.instant()).isEqualTo(Instant.parse("2026-01-01T00:00:03Z"));
    } finally {
      refused.close();
    }
  }

  @Test
  @Timeout(10)
  void failsAfterMaxOutage() {
    AtomicBoolean down = new AtomicBoolean(true);
    List<String> paths = new CopyOnWriteArrayList<>();
    AtomicInteger healthCalls = outage(Integer.MAX_VALUE, down, paths);
    ResilientChatClient client = builder().maxAttempts(20).maxOutage(Duration.ofMinutes(1)).build();

    LmdeployException e = catchThrowableOfType(LmdeployException.ServerUnavailable.class, () -> client.complete(REQUEST));

    assertThat(e).hasMessageStartingWith("lmdeploy at " + url() + " kept failing for 1 min (last: lmdeploy at ");
    assertThat(e.getCause()).isInstanceOf(LmdeployException.ServerError.class);
    // backoff 1+2+4+8 s, then the prober pauses 1 s, then 2 s each, until the minute is up
    List<Duration> probePauses = time.waits().subList(4, time.waits().size());
    assertThat(probePauses.get(0)).isEqualTo(ResilientChatClient.PROBE_MIN);
    assertThat(probePauses.subList(1, probePauses.size())).containsOnly(ResilientChatClient.PROBE_MAX);
    assertThat(time.instant()).isEqualTo(Instant.parse("2026-01-01T00:01:00Z"));
    // a probe after every pause, and one last trial once the minute was up
    assertThat(healthCalls).hasValue(probePauses.size() + 1);
    assertThat(paths.stream().filter(CHAT::equals).count()).isEqualTo(ResilientChatClient.MIN_CALLS);
    assertThat(listener.events.get(0)).startsWith("unavailable ");
    assertThat(listener.events.subList(1, listener.events.size())).as("every 30 s").containsExactly(
        "still unavailable " + url() + " after PT30S", "still unavailable " + url() + " after PT1M");

    // Past the outage a newcomer fails fast, without another probe until one is due.
    catchThrowableOfType(LmdeployException.ServerUnavailable.class, () -> client.complete(REQUEST));
    assertThat(healthCalls).hasValue(probePauses.size() + 1);
  }

  @Test
  @Timeout(10)
  void noBackoffWaitsPastMaxOutage() {
    AtomicBoolean down = new AtomicBoolean(false);
    outage(Integer.MAX_VALUE, down, new CopyOnWriteArrayList<>());
    ResilientChatClient client = builder().maxAttempts(20).maxOutage(Duration.ofSeconds(5)).build();
    client.complete(REQUEST); // it answered once: its backoff is no longer capped for a server still loading
    down.set(true);

    catchThrowableOfType(LmdeployException.ServerUnavailable.class, () -> client.complete(REQUEST));

    // 1 s and 2 s, then the 4 s due is cut to the 2 s left of the outage; one last try at 5 s, and it ends there
    assertThat(time.waits()).isEqualTo(seconds(1, 2, 2));
    assertThat(time.instant()).isEqualTo(Instant.parse("2026-01-01T00:00:05Z"));
  }

  @Test
  @Timeout(10)
  void interruptStopsWaiting() throws Exception {
    AtomicBoolean down = new AtomicBoolean(true);
    outage(Integer.MAX_VALUE, down, new CopyOnWriteArrayList<>());
    CountDownLatch probing = new CountDownLatch(1);
    // Backoff waits are instant; the prober's pause (2 s) really blocks, until interrupted.
    Sleeper sleeper = d -> {
      if (d.equals(ResilientChatClient.PROBE_MIN)) {
        probing.countDown();
        Thread.sleep(60_000);
      }
      time.sleep(d);
    };
    ResilientChatClient client = fastBackoff(builder().sleeper(sleeper)).build();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagKept = new AtomicBoolean();
    Thread caller = new Thread(() -> {
      try {
        client.complete(REQUEST);
      } catch (Throwable t) {
        thrown.set(t);
        flagKept.set(Thread.currentThread().isInterrupted());
      }
    });
    caller.start();
    assertThat(probing.await(5, TimeUnit.SECONDS)).as("circuit opened and prober pausing").isTrue();

    caller.interrupt();
    caller.join(5000);

    assertThat(caller.isAlive()).isFalse();
    assertThat(thrown.get()).isInstanceOf(LmdeployException.Interrupted.class).hasMessage("interrupted");
    assertThat(flagKept).isTrue();
  }

  @Test
  @Timeout(10)
  void interruptStopsACallerWaitingForTheProber() throws Exception {
    outage(1, new AtomicBoolean(true), new CopyOnWriteArrayList<>());
    CountDownLatch probing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Sleeper sleeper = d -> {
      if (d.equals(ResilientChatClient.PROBE_MIN)) {
        probing.countDown();
        release.await();
      }
      time.sleep(d);
    };
    ResilientChatClient client = fastBackoff(builder().sleeper(sleeper)).build();
    AtomicReference<Throwable> proberOutcome = new AtomicReference<>();
    Thread prober = new Thread(() -> {
      try {
        client.complete(REQUEST);
      } catch (Throwable t) {
        proberOutcome.set(t);
      }
    });
    prober.start();
    assertThat(probing.await(5, TimeUnit.SECONDS)).isTrue();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagKept = new AtomicBoolean();
    Thread waiter = new Thread(() -> {
      try {
        client.complete(REQUEST);
      } catch (Throwable t) {
        thrown.set(t);
        flagKept.set(Thread.currentThread().isInterrupted());
      }
    });
    waiter.start();
    while (waiter.getState() != Thread.State.TIMED_WAITING) Thread.onSpinWait();

    waiter.interrupt();
    waiter.join(5000);
    release.countDown();
    prober.join(5000);

    assertThat(thrown.get()).isInstanceOf(LmdeployException.Interrupted.class).hasMessage("interrupted");
    assertThat(flagKept).isTrue();
    assertThat(proberOutcome.get()).as("the prober's own call").isNull();
  }

  @Test
  @Timeout(10)
  void interruptStopsBackoff() throws Exception {
    server.enqueue(status(503));
    CountDownLatch backingOff = new CountDownLatch(1);
    ResilientChatClient client = builder().sleeper(d -> {
      backingOff.countDown();
      Thread.sleep(60_000);
    }).build();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagKept = new AtomicBoolean();
    Thread caller = new Thread(() -> {
      try {
        client.complete(REQUEST);
      } catch (Throwable t) {
        thrown.set(t);
        flagKept.set(Thread.currentThread().isInterrupted());
      }
    });
    caller.start();
    assertThat(backingOff.await(5, TimeUnit.SECONDS)).isTrue();

    caller.interrupt();
    caller.join(5000);

    assertThat(thrown.get()).isInstanceOf(LmdeployException.Interrupted.class).hasMessage("interrupted");
    assertThat(thrown.get().getSuppressed()).singleElement().isInstanceOf(LmdeployException.ServerError.class);
    assertThat(flagKept).isTrue();
  }

  /**
   * /health and /v1/models answer as a loading lmdeploy does (503, or an empty model list when {@code emptyList})
   * for the first {@code loading} requests of any kind, then serve "introsvg"; returns the /v1/models count.
   */
  private AtomicInteger loadingServer(int loading, boolean emptyList) {
    AtomicInteger requests = new AtomicInteger();
    AtomicInteger modelCalls = new AtomicInteger();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        boolean ready = requests.incrementAndGet() > loading;
        if (path.equals("/health")) return ready ? json(200, "{\"status\":\"healthy\"}") : status(503);
        if (path.equals("/v1/models")) {
          modelCalls.incrementAndGet();
          if (ready) return MockLmdeploy.models("introsvg");
          return emptyList ? MockLmdeploy.models() : status(503);
        }
        return ok();
      }
    });
    return modelCalls;
  }

  @Test
  @Timeout(10)
  void discoveryWaitsForAServerStillLoadingItsWeights() {
    AtomicInteger modelCalls = loadingServer(12, false);
    ResilientChatClient client = builder().build();

    assertThat(client.discoverModel(Optional.empty())).isEqualTo("introsvg");

    // 5 failures open the circuit; the prober's /health calls take the loading time; then one try succeeds
    assertThat(modelCalls).hasValue(ResilientChatClient.MIN_CALLS + 1);
    assertThat(listener.events.get(0)).as("said at once: the run has not started")
        .startsWith("unavailable " + url() + ": lmdeploy at " + url() + " failed (HTTP 503");
    assertThat(listener.events.get(listener.events.size() - 1)).startsWith("recovered ");
    assertThat(client.discoverModel(Optional.of("introsvg"))).isEqualTo("introsvg");
  }

  @Test
  @Timeout(10)
  void discoveryWaitsForAServerThatListsNoModelYet() {
    AtomicInteger modelCalls = loadingServer(3, true);
    ResilientChatClient client = builder().build();

    assertThat(client.discoverModel(Optional.of("introsvg"))).isEqualTo("introsvg");

    assertThat(modelCalls).hasValue(4);
    assertThat(listener.events.get(0)).contains("lists no model yet");
  }

  @Test
  @Timeout(10)
  void discoveryWaitsForAServerThatIsNotListeningYet() throws Exception {
    int port = server.getPort();
    server.close();
    try (MockWebServer later = new MockWebServer();
        LmdeployClient notYet = LmdeployClient.builder().baseUrl("http://127.0.0.1:" + port).build()) {
      later.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          return request.getUrl().encodedPath().equals("/v1/models") ? MockLmdeploy.models("introsvg") : json(200, "{}");
        }
      });
      AtomicInteger pauses = new AtomicInteger();
      Sleeper sleeper = d -> {
        if (pauses.incrementAndGet() == 7) { // the port opens only once the weights are loaded
          try {
            later.start(port);
          } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
          }
        }
        time.sleep(d);
      };
      ResilientChatClient client = ResilientChatClient.builder(notYet).random(new NoJitter()).sleeper(sleeper)
          .clock(time).listener(listener).build();

      assertThat(client.discoverModel(Optional.empty())).isEqualTo("introsvg");

      assertThat(listener.events).hasSize(2);
      assertThat(listener.events.get(0)).contains("connection refused");
      // 4 backoffs (1, 2, 2, 2 s: capped while the server never answered), then the prober's 1 s and 2 s
      // pauses; it found the port open after the 7th pause
      assertThat(listener.events.get(1)).isEqualTo("recovered http://127.0.0.1:" + port + " after PT12S");
    }
  }

  @Test
  @Timeout(10)
  void discoveryFailsFastWhenTheServerDoesNotServeTheNamedModel() {
    server.enqueue(MockLmdeploy.models("introsvg", "qwen-vl"));
    ResilientChatClient client = builder().build();

    LmdeployException e = catchThrowableOfType(LmdeployException.UnknownModel.class,
        () -> client.discoverModel(Optional.of("IntroSVG-7B")));

    assertThat(e).hasMessageContaining("does not serve model \"IntroSVG-7B\"; it serves [introsvg, qwen-vl]");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(time.waits()).isEmpty();
  }

  /**
   * A server whose /health is fine while every chat call fails as {@code failure} says: no call makes more
   * requests than its attempts, and calls end with ServerUnavailable once they failed for maxOutage.
   */
  private void boundedAgainst(MockResponse failure) {
    List<Integer> requestsPerCall = new ArrayList<>();
    AtomicInteger chats = new AtomicInteger();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (request.getUrl().encodedPath().equals("/health")) return json(200, "{\"status\":\"healthy\"}");
        chats.incrementAndGet();
        return failure;
      }
    });
    ResilientChatClient client = builder().maxAttempts(3).maxOutage(Duration.ofSeconds(20)).build();
    LmdeployException last = null;
    for (int call = 0; call < 100 && !(last instanceof LmdeployException.ServerUnavailable); call++) {
      int before = chats.get();
      last = catchThrowableOfType(LmdeployException.class, () -> client.complete(REQUEST));
      requestsPerCall.add(chats.get() - before);
    }

    assertThat(last).isInstanceOf(LmdeployException.ServerUnavailable.class).hasMessageContaining("kept failing for 20 s");
    assertThat(requestsPerCall).allSatisfy(n -> assertThat(n).isBetween(0, 3));
    assertThat(Duration.between(Instant.parse("2026-01-01T00:00:00Z"), time.instant()))
        .isLessThanOrEqualTo(Duration.ofSeconds(20).plus(ResilientChatClient.DEFAULT_MAX_BACKOFF));
  }

  @Test
  @Timeout(20)
  void boundedAgainstLmdeployErrorsSentWithHttp200() {
    boundedAgainst(json(200, flatError(500, "Engine failed")));
  }

  @Test
  @Timeout(20)
  void boundedAgainstAConnectionClosedAfterTheRequest() {
    boundedAgainst(new MockResponse.Builder().onRequestBody(SocketEffect.ShutdownConnection.INSTANCE).build());
  }

  @Test
  @Timeout(30)
  void boundedAgainstHeadersThenSilence() throws Exception {
    lmdeploy.close();
    lmdeploy = LmdeployClient.builder().baseUrl(server.url("/").toString()).idleTimeout(Duration.ofMillis(100)).build();
    boundedAgainst(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body("data: {}\n\n").onResponseBody(SocketEffect.Stall.INSTANCE).build());
  }

  // ---- several servers ----

  /** A client over the servers at {@code urls}, with this test's time, jitter and listener. */
  private ResilientChatClient.Builder servers(String... urls) {
    return ResilientChatClient.builder(LmdeployClient.builder().idleTimeout(Duration.ofSeconds(5)), Arrays.asList(urls))
        .random(new NoJitter()).sleeper(time).clock(time).listener(listener);
  }

  /** The URL as the client names the server. */
  private static String url(MockWebServer server) {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** A port nothing listens on (yet). */
  private static int freePort() {
    return Ports.free();
  }

  /** Sleeps as the test's time does, except that the probers' pauses wait for a permit from the test. */
  private Sleeper probesWaitFor(Semaphore permits) {
    return d -> {
      if (Thread.currentThread().getName().startsWith("introsvg-probe-")) permits.acquire();
      time.sleep(d);
    };
  }

  /** A healthy lmdeploy serving {@code model}; counts chat calls and how many are in flight at once. */
  private static class Healthy extends Dispatcher {
    final String model;
    final AtomicInteger chats = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();

    Healthy(String model) {
      this.model = model;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
      switch (request.getUrl().encodedPath()) {
        case "/health":
          return json(200, "{\"status\":\"healthy\"}");
        case "/v1/models":
          return MockLmdeploy.models(model);
        default:
          chats.incrementAndGet();
          maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          try {
            beforeReply();
          } finally {
            inFlight.decrementAndGet();
          }
          return ok();
      }
    }

    /** Runs while a chat call is in flight. */
    void beforeReply() throws InterruptedException {}
  }

  @Test
  @Timeout(10)
  void routesEachCallToTheServerWithFewestOutstandingAndSharesWhenEven() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    class HoldsTheFirstCall extends Healthy {
      HoldsTheFirstCall() {
        super("introsvg");
      }

      @Override
      void beforeReply() throws InterruptedException {
        if (!first.compareAndSet(true, false)) return;
        held.countDown();
        release.await(5, TimeUnit.SECONDS);
      }
    }
    HoldsTheFirstCall a = new HoldsTheFirstCall();
    HoldsTheFirstCall b = new HoldsTheFirstCall();
    server.setDispatcher(a);
    try (MockWebServer second = new MockWebServer()) {
      second.setDispatcher(b);
      second.start();
      ResilientChatClient client = servers(url(server), url(second)).build();
      Thread slow = new Thread(() -> client.complete(REQUEST));
      slow.start();
      assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
      HoldsTheFirstCall busy = a.chats.get() == 1 ? a : b;
      HoldsTheFirstCall idle = busy == a ? b : a;

      for (int i = 0; i < 3; i++) client.complete(REQUEST);

      assertThat(busy.chats).as("the server with a call outstanding").hasValue(1);
      assertThat(idle.chats).as("the idle server").hasValue(3);

      release.countDown();
      slow.join(5000);
      for (int i = 0; i < 4; i++) client.complete(REQUEST);

      assertThat(busy.chats).as("with none outstanding the servers take turns").hasValue(1 + 2);
      assertThat(idle.chats).hasValue(3 + 2);
      assertThat(client.answeredByServer())
          .isEqualTo(Map.of(url(server), (long) a.chats.get(), url(second), (long) b.chats.get()));
      client.close();
    }
  }

  @Test
  @Timeout(10)
  void aServerKilledMidRunIsRoutedAroundAndProbedBackInWhenItReturns() throws Exception {
    Healthy a = new Healthy("introsvg");
    Healthy b = new Healthy("introsvg");
    server.setDispatcher(a);
    int port = server.getPort();
    Semaphore probes = new Semaphore(0);
    try (MockWebServer second = new MockWebServer(); MockWebServer restarted = new MockWebServer()) {
      second.setDispatcher(b);
      second.start();
      ResilientChatClient client = servers(url(server), url(second)).sleeper(probesWaitFor(probes)).build();
      for (int i = 0; i < 4; i++) client.complete(REQUEST);
      assertThat(a.chats).hasValue(2);

      server.close(); // killed: connections refused from now on
      for (int i = 0; i < 6; i++) client.complete(REQUEST);

      assertThat(b.chats).as("every call after the kill ends on the survivor").hasValue(2 + 6);
      assertThat(listener.events).singleElement().asString()
          .startsWith("unavailable " + url(server) + ": ").contains("connection refused");

      Healthy back = new Healthy("introsvg");
      restarted.setDispatcher(back);
      restarted.start(port);
      probes.release(); // the prober's next /health finds it
      for (int i = 0; i < 100 && back.chats.get() == 0; i++) client.complete(REQUEST);

      assertThat(back.chats).as("calls go to the returned server").hasValue(1);
      assertThat(listener.events).hasSize(2);
      assertThat(listener.events.get(1)).startsWith("recovered " + url(server) + " after ");
      int before = back.chats.get();
      for (int i = 0; i < 4; i++) client.complete(REQUEST);
      assertThat(back.chats.get() - before).as("and it takes its turns again").isEqualTo(2);
      client.close();
    }
  }

  @Test
  @Timeout(10)
  void whenEveryServerIsDownCallsWaitForThemAndFailAfterMaxOutage() throws Exception {
    class Down extends Dispatcher {
      final AtomicInteger chats = new AtomicInteger();
      final AtomicInteger probes = new AtomicInteger();

      @Override
      public MockResponse dispatch(RecordedRequest request) {
        (request.getUrl().encodedPath().equals("/health") ? probes : chats).incrementAndGet();
        return status(503);
      }
    }
    Down a = new Down();
    Down b = new Down();
    server.setDispatcher(a);
    try (MockWebServer second = new MockWebServer()) {
      second.setDispatcher(b);
      second.start();
      ResilientChatClient client = servers(url(server), url(second)).maxOutage(Duration.ofSeconds(20)).build();

      LmdeployException e = catchThrowableOfType(LmdeployException.ServerUnavailable.class, () -> client.complete(REQUEST));

      assertThat(e).hasMessageStartingWith("every lmdeploy server (" + url(server) + ", " + url(second)
          + ") kept failing for 20 s (last: lmdeploy at ");
      // each breaker opens after its share of the call's 8 tries (3), then the call waits while both are probed
      assertThat(a.chats).as("tries on the first server").hasValue(3);
      assertThat(b.chats).as("tries on the second server").hasValue(3);
      assertThat(a.probes).as("the first server, open first, was probed").hasPositiveValue();
      // each of the two probers and the caller's last backoff may overshoot the outage by one pause
      Duration waited = Duration.between(Instant.parse("2026-01-01T00:00:00Z"), time.instant());
      assertThat(waited)
          .isBetween(Duration.ofSeconds(20), Duration.ofSeconds(20).plus(ResilientChatClient.PROBE_MAX.multipliedBy(3)));
      assertThat(listener.events).as("a client that never had an answer says so at once").containsExactly(
          "unavailable " + url(server) + ": lmdeploy at " + url(server) + " failed (HTTP 503: The engine is sleeping.)",
          "unavailable " + url(second) + ": lmdeploy at " + url(second) + " failed (HTTP 503: The engine is sleeping.)");
      client.close();
    }
  }

  @Test
  @Timeout(10)
  void discoveryFailsFastNamingEachServerAndWhatItServesWhenTheyDiffer() throws Exception {
    server.setDispatcher(new Healthy("introsvg"));
    try (MockWebServer second = new MockWebServer()) {
      second.setDispatcher(new Healthy("qwen-vl"));
      second.start();
      ResilientChatClient client = servers(url(server), url(second)).build();

      LmdeployException e = catchThrowableOfType(LmdeployException.UnknownModel.class,
          () -> client.discoverModel(Optional.empty()));

      assertThat(e).hasMessage("the lmdeploy servers do not serve the same model: " + url(server)
          + " serves [introsvg], " + url(second) + " serves [qwen-vl]");
      assertThat(time.waits()).isEmpty();
      client.close();
    }
  }

  @Test
  @Timeout(10)
  void discoveryFindsTheModelAllServersServe() throws Exception {
    server.setDispatcher(new Healthy("introsvg"));
    try (MockWebServer second = new MockWebServer()) {
      second.setDispatcher(new Healthy("introsvg"));
      second.start();
      ResilientChatClient client = servers(url(server), url(second)).build();

      assertThat(client.discoverModel(Optional.of("introsvg"))).isEqualTo("introsvg");
      assertThat(client.discoverModel(Optional.empty())).isEqualTo("introsvg");
      assertThat(listener.events).isEmpty();
      client.close();
    }
  }

  /**
   * The first server serves "introsvg"; the second refuses connections while the model is discovered, then comes
   * up serving {@code laterModel} and is probed. Makes calls until the second has answered one, at most {@code
   * calls}; returns how many it answered.
   */
  private int callsToAServerSilentAtDiscoveryThatComesUpServing(String laterModel, int calls) throws Exception {
    Healthy a = new Healthy("introsvg");
    server.setDispatcher(a);
    int port = freePort();
    Semaphore probes = new Semaphore(0);
    CountDownLatch modelsAsked = new CountDownLatch(1);
    Healthy late = new Healthy(laterModel) {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (request.getUrl().encodedPath().equals("/v1/models")) modelsAsked.countDown();
        return super.dispatch(request);
      }
    };
    try (MockWebServer later = new MockWebServer()) {
      ResilientChatClient client =
          servers(url(server), "http://127.0.0.1:" + port).sleeper(probesWaitFor(probes)).build();
      assertThat(client.discoverModel(Optional.empty())).isEqualTo("introsvg");
      assertThat(listener.events).singleElement().asString().startsWith("unavailable http://127.0.0.1:" + port + ": ");

      later.setDispatcher(late);
      later.start(port);
      probes.release();
      assertThat(modelsAsked.await(5, TimeUnit.SECONDS)).as("its prober asked what it serves").isTrue();
      int made = 0;
      while (made < calls && late.chats.get() == 0) {
        client.complete(REQUEST);
        made++;
      }

      assertThat(a.chats.get() + late.chats.get()).isEqualTo(made);
      client.close();
      return late.chats.get();
    }
  }

  @Test
  @Timeout(10)
  void aServerSilentAtDiscoveryThatComesUpServingAnotherModelGetsNoCall() throws Exception {
    assertThat(callsToAServerSilentAtDiscoveryThatComesUpServing("qwen-vl", 10)).isZero();
  }

  @Test
  @Timeout(10)
  void aServerSilentAtDiscoveryThatComesUpServingTheModelTakesCalls() throws Exception {
    assertThat(callsToAServerSilentAtDiscoveryThatComesUpServing("introsvg", 200)).isOne();
  }

  @Test
  @Timeout(10)
  void neverPutsMoreCallsOnAServerThanItsBudget() throws Exception {
    int budget = 2;
    int callers = 6;
    Semaphore arrived = new Semaphore(0);
    CountDownLatch release = new CountDownLatch(1);
    class Holds extends Healthy {
      Holds() {
        super("introsvg");
      }

      @Override
      void beforeReply() throws InterruptedException {
        arrived.release();
        release.await(5, TimeUnit.SECONDS);
      }
    }
    Holds a = new Holds();
    Holds b = new Holds();
    server.setDispatcher(a);
    try (MockWebServer second = new MockWebServer()) {
      second.setDispatcher(b);
      second.start();
      ResilientChatClient client = servers(url(server), url(second)).perServerCalls(budget).build();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        Thread t = new Thread(() -> {
          try {
            client.complete(REQUEST);
          } catch (Throwable e) {
            failures.add(e);
          }
        });
        t.start();
        threads.add(t);
      }
      assertThat(arrived.tryAcquire(2 * budget, 5, TimeUnit.SECONDS)).as("both budgets filled").isTrue();
      while (threads.stream().filter(t -> t.getState() == Thread.State.TIMED_WAITING).count() < callers - 2 * budget
          && a.chats.get() + b.chats.get() == 2 * budget) {
        Thread.onSpinWait(); // until the others wait for a free slot, or one went over a budget
      }

      assertThat(a.chats.get() + b.chats.get()).as("calls sent while the budgets are full").isEqualTo(2 * budget);
      release.countDown();
      for (Thread t : threads) t.join(5000);

      assertThat(failures).isEmpty();
      assertThat(a.chats.get() + b.chats.get()).isEqualTo(callers);
      assertThat(a.maxInFlight).hasValue(budget);
      assertThat(b.maxInFlight).hasValue(budget);
      client.close();
    }
  }
}
