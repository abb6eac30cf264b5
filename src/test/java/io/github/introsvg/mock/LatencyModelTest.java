package io.github.introsvg.mock;

import static io.github.introsvg.mock.MockCalls.chat;
import static io.github.introsvg.mock.MockCalls.critiquePrompt;
import static io.github.introsvg.mock.MockCalls.foreignDataUrl;
import static io.github.introsvg.mock.MockCalls.generatePrompt;
import static io.github.introsvg.mock.MockCalls.imageRequest;
import static io.github.introsvg.mock.MockCalls.parse;
import static io.github.introsvg.mock.MockCalls.textRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

// @Isolated: measures the simulated engine's timing in real time, to within a few hundred ms.
@Isolated
class LatencyModelTest {

  @BeforeAll
  static void warmUpTheClient() {
    // The first call of a JVM pays for class loading and connection setup: keep it out of measured latencies.
    try (MockLmdeployServer plain = MockLmdeployServer.builder().start()) {
      for (int i = 0; i < 3; i++) {
        usage(chat(plain, textRequest(plain, "warm up", i, 10)));
      }
    }
  }

  private static MockLmdeployServer serverWith(LatencyModel model) {
    return MockLmdeployServer.builder().seed(5).latencyModel(model).start();
  }

  private static JsonNode usage(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(200);
    return parse(response.body()).path("usage");
  }

  @Test
  void aggregateRateFallsPerSequenceAsTheBatchFillsAndIdealUsesAFullBatch() {
    LatencyModel model = LatencyModel.builder().slots(64).decodeRate(60).saturation(64).prefillRate(20_000)
        .timeScale(0.01).build();
    assertThat(model.aggregateRate(1)).isCloseTo(60.0 / (1 + 1 / 64.0), within(1e-9));
    assertThat(model.aggregateRate(64)).isCloseTo(1920.0, within(1e-9)); // each sequence at r / 2
    // 20,000 prompt tokens = 1 s; 192,000 decoded tokens at 1,920 tok/s = 100 s; x 0.01.
    assertThat(model.idealWallTime(20_000, 192_000)).isEqualTo(Duration.ofMillis(1010));
    assertThatThrownBy(() -> LatencyModel.builder().slots(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencyModel.builder().svgTokens(10, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencyModel.builder().timeScale(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @Timeout(10)
  void oneRequestTakesPrefillPlusItsTokensAtTheSingleSequenceRate() {
    LatencyModel model = LatencyModel.builder().slots(4).decodeRate(60).saturation(64).prefillRate(20_000)
        .chatTokens(600, 600).timeScale(0.01).build();
    try (MockLmdeployServer server = serverWith(model)) {
      long start = System.nanoTime();
      JsonNode usage = usage(chat(server, textRequest(server, "hello there", 1, 6000)));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      int prompt = usage.path("prompt_tokens").asInt();
      assertThat(usage.path("completion_tokens").asInt()).isEqualTo(600);
      double simulated = prompt / 20_000.0 + 600 * (1 + 1 / 64.0) / 60.0; // about 10.16 s
      Duration expected = Duration.ofNanos(Math.round(simulated * 0.01 * 1e9));
      // Lower bound exact; the upper one generous, since a loaded 2-core machine delays threads.
      assertThat(took).isBetween(expected.minusMillis(1), expected.plusMillis(1_000));

      EngineStats stats = server.engineStats().orElseThrow();
      assertThat(stats.requests()).isEqualTo(1);
      assertThat(stats.queued()).isZero();
      assertThat(stats.promptTokens()).isEqualTo(prompt);
      assertThat(stats.decodedTokens()).isEqualTo(600);
      assertThat(stats.busyWallTime().toNanos()).isCloseTo(expected.toNanos(), within(10_000L));
      assertThat(stats.idealWallTime()).isEqualTo(model.idealWallTime(prompt, 600));
      // Alone in a batch of 4 slots the engine runs at a fraction of its full-batch throughput.
      assertThat(stats.idealWallTime()).isLessThan(stats.busyWallTime().dividedBy(3));
    }
  }

  @Test
  @Timeout(10)
  void requestBeyondTheSlotsWaitsInTheQueueForAFreeSlot() throws Exception {
    // k huge: the per-sequence rate does not depend on the batch, so only the queue shapes the timing.
    LatencyModel model = LatencyModel.builder().slots(2).decodeRate(60).saturation(1e12).chatTokens(300, 300)
        .timeScale(0.02).build(); // 300 tokens at 60 tok/s = 5 s simulated = 100 ms
    try (MockLmdeployServer server = serverWith(model)) {
      List<CompletableFuture<Long>> calls = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        long seed = i;
        calls.add(CompletableFuture.supplyAsync(() -> {
          long start = System.nanoTime();
          usage(chat(server, textRequest(server, "hi", seed, 6000)));
          return (System.nanoTime() - start) / 1_000_000;
        }));
      }
      List<Long> millis = new ArrayList<>();
      for (CompletableFuture<Long> call : calls) {
        millis.add(call.get(8, TimeUnit.SECONDS));
      }
      millis.sort(null);
      assertThat(millis.get(0)).isBetween(99L, 1_000L);
      assertThat(millis.get(2)).as("latencies %s", millis).isGreaterThanOrEqualTo(millis.get(0) + 60);
      EngineStats stats = server.engineStats().orElseThrow();
      assertThat(stats.queued()).isEqualTo(1);
      assertThat(stats.requests()).isEqualTo(3);
      assertThat(stats.decodedTokens()).isEqualTo(900);
      // Two sequences share 300 steps, then the queued one decodes alone for about 300 more.
      // (Arrival spread adds to it on a loaded machine, hence the generous upper bound.)
      assertThat(stats.busyWallTime()).isBetween(Duration.ofMillis(195), Duration.ofMillis(500));
    }
  }

  @Test
  @Timeout(20)
  void replyLengthsAreDrawnWithinEachRolesRange() {
    LatencyModel model = LatencyModel.builder().timeScale(1e-5).build();
    try (MockLmdeployServer server = serverWith(model)) {
      Set<Integer> svgLengths = new HashSet<>();
      Set<Integer> critiqueLengths = new HashSet<>();
      for (long seed = 0; seed < 12; seed++) {
        int svg = usage(chat(server, textRequest(server, generatePrompt("a blue cat"), seed, 6000)))
            .path("completion_tokens").asInt();
        int critique = usage(chat(server, imageRequest(server, critiquePrompt("a blue cat"), foreignDataUrl(), seed)))
            .path("completion_tokens").asInt();
        assertThat(svg).isBetween(600, 2000);
        assertThat(critique).isBetween(150, 300);
        svgLengths.add(svg);
        critiqueLengths.add(critique);
      }
      assertThat(svgLengths).hasSizeGreaterThan(6);
      assertThat(critiqueLengths).hasSizeGreaterThan(6);
      // max_tokens still caps the reply.
      assertThat(usage(chat(server, textRequest(server, generatePrompt("a blue cat"), 0, 100)))
          .path("completion_tokens").asInt()).isEqualTo(100);
    }
  }

  @Test
  @Timeout(20)
  void sameSeedGivesSameLengthsAndContentAnotherSeedOtherLengths() {
    LatencyModel.Builder base = LatencyModel.builder().timeScale(1e-5);
    try (MockLmdeployServer a = serverWith(base.seed(1).build());
        MockLmdeployServer b = serverWith(base.seed(1).build());
        MockLmdeployServer c = serverWith(base.seed(2).build());
        MockLmdeployServer plain = MockLmdeployServer.builder().seed(5).start()) {
      List<Integer> fromA = new ArrayList<>();
      List<Integer> fromB = new ArrayList<>();
      List<Integer> fromC = new ArrayList<>();
      for (long seed = 0; seed < 6; seed++) {
        HttpResponse<String> answer = chat(a, textRequest(a, generatePrompt("a green tree"), seed, 6000));
        fromA.add(usage(answer).path("completion_tokens").asInt());
        fromB.add(usage(chat(b, textRequest(b, generatePrompt("a green tree"), seed, 6000)))
            .path("completion_tokens").asInt());
        fromC.add(usage(chat(c, textRequest(c, generatePrompt("a green tree"), seed, 6000)))
            .path("completion_tokens").asInt());
        // The latency model changes timing and usage, never the content.
        assertThat(MockCalls.content(answer))
            .isEqualTo(MockCalls.content(chat(plain, textRequest(plain, generatePrompt("a green tree"), seed, 6000))));
      }
      assertThat(fromA).isEqualTo(fromB).isNotEqualTo(fromC);
      assertThat(a.engineStats().orElseThrow().decodedTokens())
          .isEqualTo(fromA.stream().mapToLong(Integer::longValue).sum());
      assertThat(plain.engineStats()).isEmpty();
    }
  }
}
