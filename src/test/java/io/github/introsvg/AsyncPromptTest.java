package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.mock.MockLmdeployServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

/** generateAsync, cancelling one prompt, and close() with prompts in flight, against a slow mock. */
// @Isolated: counts introsvg-async- threads and this JVM's child processes, and times close().
@Isolated
@Timeout(60)
class AsyncPromptTest {

  private static final String CHAT = "/v1/chat/completions";

  /** A mock whose every chat reply takes {@code latency}; counts chat requests as they arrive. */
  private static MockLmdeployServer slowMock(Duration latency, AtomicInteger arrived) {
    return MockLmdeployServer.builder().latency(latency).faults((request, sequence) -> {
      if (request.path().equals(CHAT)) arrived.incrementAndGet();
      return Optional.empty();
    }).start();
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
      Thread.onSpinWait();
    }
  }

  private static boolean asyncThreadsIdle() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("introsvg-async-"))
        .allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING
            || !t.isAlive());
  }

  @Test
  void generateAsyncRunsPromptsConcurrentlyAndEachGetsAPng() throws Exception {
    try (MockLmdeployServer mock = MockLmdeployServer.builder().latency(Duration.ofMillis(20)).start();
        IntroSvg introSvg = IntroSvg.builder().server(mock.baseUrl()).model(mock.model()).concurrency(4).build()) {
      List<CompletableFuture<PromptResult>> futures = new ArrayList<>();
      for (String d : List.of("a red apple", "a blue cup", "a green tree", "a yellow sun")) {
        futures.add(introSvg.generateAsync(d));
      }

      for (CompletableFuture<PromptResult> f : futures) {
        PromptResult result = f.get(30, TimeUnit.SECONDS);
        assertThat(result.status()).isEqualTo(PromptResult.Status.OK);
        assertThat(result.kept().orElseThrow().png()).isNotEmpty();
      }
    }
  }

  @Test
  void aCancelledPromptIsDoneAtOnceAndSendsNothingMore() throws Exception {
    AtomicInteger arrived = new AtomicInteger();
    try (MockLmdeployServer mock = slowMock(Duration.ofSeconds(30), arrived);
        IntroSvg introSvg = IntroSvg.builder().server(mock.baseUrl()).model(mock.model()).build()) {
      CompletableFuture<PromptResult> future = introSvg.generateAsync("a slow red apple");
      await(() -> arrived.get() == 1, "the draft request reached the server");

      long t0 = System.nanoTime();
      future.cancel(true);
      await(AsyncPromptTest::asyncThreadsIdle, "the prompt's thread let go");
      double seconds = (System.nanoTime() - t0) / 1e9;

      assertThat(future).isCancelled();
      assertThat(seconds).isLessThan(2.0);
      assertThat(arrived).as("no further request for that prompt").hasValue(1);
      System.out.printf("cancelled generateAsync: its thread let go %.3f s after cancel(), 1 request in all%n", seconds);
    }
  }

  @Test
  void closeWithEightPromptsInFlightReturnsWithinTwoSecondsLeavingNoThreadOrWorker() throws Exception {
    AtomicInteger arrived = new AtomicInteger();
    try (MockLmdeployServer mock = slowMock(Duration.ofSeconds(30), arrived)) {
      IntroSvg introSvg = IntroSvg.builder().server(mock.baseUrl()).model(mock.model()).concurrency(8).build();
      List<CompletableFuture<PromptResult>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) futures.add(introSvg.generateAsync("slow icon " + i));
      await(() -> arrived.get() == 8, "8 requests in flight");

      long t0 = System.nanoTime();
      introSvg.close();
      double seconds = (System.nanoTime() - t0) / 1e9;

      assertThat(seconds).isLessThan(2.0);
      assertThat(futures).allSatisfy(f -> assertThat(f).isDone());
      assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("introsvg-async-") && t.isAlive());
      assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).as("render workers").isEmpty();
      assertThat(arrived).hasValue(8);
      System.out.printf("close() with 8 prompts in flight returned after %.3f s%n", seconds);
    }
  }
}
