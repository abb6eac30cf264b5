package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.Progress;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.lmdeploy.LmdeployException;
import io.github.introsvg.lmdeploy.ServerStatusListener;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.mock.Fault;
import io.github.introsvg.mock.FaultPlan;
import io.github.introsvg.mock.MockLmdeployServer;
import io.github.introsvg.mock.RecordedRequest;
import io.github.introsvg.testing.FakeTime;
import io.github.introsvg.testing.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole runs against a server that is not there yet, goes away and comes back, or misbehaves while its /health
 * is fine. Outages, backoff and probe pauses run on injected time ({@link FakeTime}); the servers, sockets and
 * timeouts are real. Each prints what it measured, and docs/operations.md quotes those lines.
 */
class ServerOutageTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT = "/v1/chat/completions";

  @TempDir Path dir;
  private final FakeTime time = new FakeTime();
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final List<MockLmdeployServer> servers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    later.shutdownNow();
    servers.forEach(MockLmdeployServer::close);
  }

  private Path prompts(int n) throws Exception {
    StringBuilder csv = new StringBuilder("id,desc\n");
    for (int i = 0; i < n; i++) csv.append("p").append(i).append(",icon number ").append(i).append(" end\n");
    return Files.writeString(dir.resolve("prompts.csv"), csv);
  }

  private MockLmdeployServer start(MockLmdeployServer.Builder builder) {
    MockLmdeployServer server = builder.start();
    servers.add(server);
    return server;
  }

  private static int freePort() {
    return Ports.free();
  }

  @Test
  @Timeout(60)
  void runStartedBeforeItsServerFinishesOnceItComesUpWithTheModelFromTheServer() throws Exception {
    int port = freePort();
    Duration early = Duration.ofSeconds(3);
    List<String> said = new CopyOnWriteArrayList<>();
    Instant t0 = time.instant();
    later.execute(() -> startAt(t0.plus(early), MockLmdeployServer.builder().port(port).model("served-name")));

    try (IntroSvg introSvg = IntroSvg.builder().renderInProcess().server("http://127.0.0.1:" + port).concurrency(4)
        .policy(Policy.REFERENCE).serverStatusListener(recorder(said)).clock(time).sleeper(time).build()) {
      BatchSummary summary = introSvg.runBatch(prompts(4), dir.resolve("out"), BatchListener.NONE);

      assertThat(summary.ok()).isEqualTo(4);
      assertThat(introSvg.model()).isEqualTo("served-name");
      assertThat(said.get(0)).startsWith("unavailable").contains("connection refused");
      assertThat(said.get(said.size() - 1)).startsWith("recovered");
      System.out.printf("late server: started %d s after the run (injected time), %s%n", early.toSeconds(), said);
    }
  }

  /** Once {@link #time} reads {@code moment}: pauses it, starts the server, resumes it; returns when (injected time) it started. */
  private Instant startAt(Instant moment, MockLmdeployServer.Builder builder) {
    try {
      time.pauseAt(moment, Duration.ofSeconds(30));
      try {
        start(builder);
        return time.instant();
      } finally {
        time.resume();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Test
  @Timeout(30)
  void anUnknownModelFailsFastListingWhatTheServerServes() throws Exception {
    MockLmdeployServer server = start(MockLmdeployServer.builder().model("introsvg"));
    long t0 = System.nanoTime();
    try (IntroSvg introSvg = IntroSvg.builder().renderInProcess().server(server.baseUrl()).model("IntroSVG-7B").build()) {
      LmdeployException e = catchThrowableOfType(LmdeployException.UnknownModel.class,
          () -> introSvg.runBatch(prompts(2), dir.resolve("out"), BatchListener.NONE));

      assertThat(e).hasMessageContaining("does not serve model \"IntroSVG-7B\"; it serves [introsvg]");
      assertThat(server.requests()).extracting(RecordedRequest::path).containsExactly("/v1/models");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  @Timeout(60)
  void serverKilledMidRunAndStartedAgain10SecondsLaterGetsEveryPromptBackAtOnce() throws Exception {
    int concurrency = 8;
    Duration down = Duration.ofSeconds(10);
    MockLmdeployServer first = start(MockLmdeployServer.builder().port(freePort()));
    int port = first.port();
    Instant[] restartedAt = new Instant[1];
    List<Instant> arrivalsAfterRestart = new CopyOnWriteArrayList<>();
    // The restarted server answers no chat call until the whole first wave is in: a client that sent fewer at once
    // (its breaker's trial calls, say) would leave this latch short until the generous real timeout below.
    CountDownLatch firstWave = new CountDownLatch(concurrency);
    boolean[] firstWaveTogether = new boolean[1];
    CountDownLatch someDone = new CountDownLatch(concurrency);
    List<String> said = new CopyOnWriteArrayList<>();

    try (IntroSvg introSvg = IntroSvg.builder().renderInProcess().server(first.baseUrl()).policy(Policy.REFERENCE).concurrency(concurrency)
        .retries(8, Duration.ofMillis(50), Duration.ofMillis(500)).serverStatusListener(recorder(said))
        .clock(time).sleeper(time).build()) {
      later.execute(() -> {
        try {
          someDone.await();
          first.close();
          Instant killedAt = time.instant();
          restartedAt[0] = startAt(killedAt.plus(down), MockLmdeployServer.builder().port(port).faults((request, sequence) -> {
            if (!request.path().equals(CHAT) || firstWave.getCount() == 0) return Optional.empty();
            arrivalsAfterRestart.add(time.instant());
            firstWave.countDown();
            try {
              if (firstWave.await(20, TimeUnit.SECONDS)) firstWaveTogether[0] = true;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return Optional.empty();
          }));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      BatchSummary summary = introSvg.runBatch(prompts(24), dir.resolve("out"), new BatchListener() {
        @Override
        public void finished(PromptRow row, PromptResult result, Progress progress) {
          someDone.countDown();
        }
      });

      assertThat(summary.ok()).isEqualTo(24);
      assertThat(restartedAt[0]).as("restarted after the outage").isNotNull();
      // every waiting prompt is sent at once: the whole first wave was in flight before any of it was answered
      assertThat(firstWaveTogether[0]).as("%d chat calls in flight at once after the restart", concurrency).isTrue();
      // and soon: the prober's pauses grow to 2 s
      assertThat(Duration.between(restartedAt[0], arrivalsAfterRestart.get(0))).isLessThan(Duration.ofSeconds(3));
      assertThat(said).anySatisfy(line -> assertThat(line).startsWith("unavailable"))
          .anySatisfy(line -> assertThat(line).startsWith("recovered"));
      System.out.printf("restart after %d s (injected time): first %d requests arrived %s s after the server was up;"
              + " %s; %d retries%n", down.toSeconds(), concurrency,
          arrivalsAfterRestart.stream().map(t -> Duration.between(restartedAt[0], t).toMillis() / 1000.0).toList(), said,
          introSvg.retries());
    }
  }

  /** After 16 good chat calls, every chat call fails as {@code kind} says; /health and /v1/models stay fine. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"stall", "reset", "proxy"})
  @Timeout(90)
  void aMisbehavingServerEndsTheRunWithinBoundsKeepingFinishedPrompts(String kind) throws Exception {
    Fault fault = switch (kind) {
      case "stall" -> Fault.stall(Duration.ofSeconds(5));
      case "reset" -> Fault.connectionReset();
      default -> Fault.proxyError(); // the proxy relays lmdeploy's errors with HTTP 200
    };
    AtomicInteger chats = new AtomicInteger();
    FaultPlan afterSixteen = (request, sequence) ->
        request.path().equals(CHAT) && chats.incrementAndGet() > 16 ? Optional.of(fault) : Optional.empty();
    MockLmdeployServer server = start(MockLmdeployServer.builder().faults(afterSixteen));
    int maxAttempts = 3;
    long t0 = System.nanoTime();

    try (IntroSvg introSvg = IntroSvg.builder().renderInProcess().server(server.baseUrl()).policy(Policy.REFERENCE).concurrency(2)
        .idleTimeout(Duration.ofMillis(300)).retries(maxAttempts, Duration.ofMillis(50), Duration.ofMillis(200))
        .maxOutage(Duration.ofSeconds(3)).clock(time).sleeper(time).build()) {
      LmdeployException e = catchThrowableOfType(LmdeployException.ServerUnavailable.class,
          () -> introSvg.runBatch(prompts(6), dir.resolve("out"), BatchListener.NONE));
      double seconds = (System.nanoTime() - t0) / 1e9;

      assertThat(e).hasMessageContaining("kept failing for 3 s");
      Map<String, Long> faultedPostsPerPrompt = server.requests().stream()
          .filter(r -> r.path().equals(CHAT) && r.fault().isPresent())
          .collect(Collectors.groupingBy(promptOf(), Collectors.counting()));
      // at most 3 loop attempts of the failing turn, 3 tries each
      assertThat(faultedPostsPerPrompt.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(3L * maxAttempts));
      List<JsonNode> results = new ArrayList<>();
      for (String line : Files.readAllLines(dir.resolve("out/results.jsonl"))) results.add(JSON.readTree(line));
      assertThat(results).as("the prompts finished before the trouble are kept")
          .filteredOn(r -> r.get("status").asText().equals("ok")).hasSizeGreaterThanOrEqualTo(1);
      assertThat(JSON.readTree(dir.resolve("out/summary.json").toFile()).get("status").asText()).isEqualTo("aborted");
      assertThat(seconds).as("real seconds, though maxOutage runs on injected time").isLessThan(60);
      System.out.printf("misbehaving server (%s on every chat call, /health fine): run ended after %.1f s with"
              + " \"%s\"; faulted POSTs per prompt %s; prompts kept: %d%n", kind, seconds, e.getMessage(),
          faultedPostsPerPrompt.values(), results.stream().filter(r -> r.get("status").asText().equals("ok")).count());
    }
  }

  /** Which prompt a chat request belongs to: every template quotes the description "icon number N end". */
  private static Function<RecordedRequest, String> promptOf() {
    return r -> {
      int at = r.body().indexOf("icon number ");
      return at < 0 ? "?" : r.body().substring(at, r.body().indexOf(" end", at));
    };
  }

  private static ServerStatusListener recorder(List<String> said) {
    return new ServerStatusListener() {
      @Override
      public void unavailable(String url, String cause) {
        said.add("unavailable: " + cause);
      }

      @Override
      public void recovered(String url, Duration outage) {
        said.add("recovered after " + outage.toMillis() / 100 / 10.0 + " s");
      }
    };
  }
}
