package io.github.introsvg.mock;

import io.github.introsvg.testing.Ports;
import static io.github.introsvg.mock.MockCalls.chat;
import static io.github.introsvg.mock.MockCalls.content;
import static io.github.introsvg.mock.MockCalls.critiquePrompt;
import static io.github.introsvg.mock.MockCalls.foreignDataUrl;
import static io.github.introsvg.mock.MockCalls.generatePrompt;
import static io.github.introsvg.mock.MockCalls.imageRequest;
import static io.github.introsvg.mock.MockCalls.parse;
import static io.github.introsvg.mock.MockCalls.textRequest;
import static io.github.introsvg.mock.MockLmdeployServerTest.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MockFaultsTest {

  private static final String APPLE = "a red apple with a green leaf";

  /** Injects {@code fault} into every chat completion whose arrival number is in {@code sequences}. */
  private static FaultPlan at(Fault fault, long... sequences) {
    return (request, sequence) -> request.path().equals("/v1/chat/completions")
        && Arrays.stream(sequences).anyMatch(s -> s == sequence) ? Optional.of(fault) : Optional.empty();
  }

  private static MockLmdeployServer serverWith(FaultPlan plan) {
    return MockLmdeployServer.builder().seed(11).faults(plan).start();
  }

  private static ObjectNode generate(MockLmdeployServer server) {
    return textRequest(server, generatePrompt(APPLE), 5, 6000);
  }

  private static ObjectNode streaming(ObjectNode body) {
    return body.put("stream", true);
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 503})
  @Timeout(10)
  void injectsHttpErrorWithFlatBodyAndRecordsItsKind(int status) {
    try (MockLmdeployServer server = serverWith(at(Fault.httpError(status), 0))) {
      HttpResponse<String> failed = chat(server, generate(server));
      assertThat(failed.statusCode()).isEqualTo(status);
      assertThat(parse(failed.body()).path("code").asInt()).isEqualTo(status);
      assertThat(parse(failed.body()).path("object").asText()).isEqualTo("error");
      assertThat(chat(server, generate(server)).statusCode()).isEqualTo(200);
      assertThat(server.requests()).extracting(RecordedRequest::fault)
          .containsExactly(Optional.of(Fault.httpError(status)), Optional.empty());
      assertThat(server.requests().get(0).fault().map(Fault::kind)).hasValue(Integer.toString(status));
    }
  }

  @Test
  @Timeout(10)
  void connectionResetGivesTheClientAnIoErrorAndNoStatus() {
    try (MockLmdeployServer server = serverWith(at(Fault.connectionReset(), 0))) {
      assertThatThrownBy(() -> chat(server, generate(server)))
          .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(IOException.class);
      // Recorded before the connection closed, and not silently retried by the client.
      assertThat(server.requests()).singleElement().satisfies(r -> {
        assertThat(r.status()).isZero();
        assertThat(r.fault()).hasValue(Fault.connectionReset());
      });
      assertThat(chat(server, generate(server)).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @Timeout(10)
  void stallSendsNothingForItsDurationThenCloses() {
    try (MockLmdeployServer server = serverWith(at(Fault.stall(Duration.ofMillis(200)), 0))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> chat(server, generate(server))).hasCauseInstanceOf(IOException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
      assertThat(server.requests()).singleElement().satisfies(r -> {
        assertThat(r.status()).isZero();
        assertThat(r.fault().map(Fault::kind)).hasValue("stall");
      });
    }
  }

  @Test
  @Timeout(10)
  void stalledRequestIsLoggedWhileTheClientTimesOut() throws Exception {
    try (MockLmdeployServer server = serverWith(at(Fault.stall(Duration.ofSeconds(30)), 0))) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/chat/completions"))
          .timeout(Duration.ofMillis(300)).POST(HttpRequest.BodyPublishers.ofString(generate(server).toString()))
          .build();
      HttpClient client = HttpClient.newHttpClient();
      assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(HttpTimeoutException.class);
      assertThat(server.requests()).singleElement()
          .satisfies(r -> assertThat(r.fault()).hasValue(Fault.stall(Duration.ofSeconds(30))));
    } // close() interrupts the stalled handler: this test ends well within its timeout
  }

  @Test
  @Timeout(10)
  void truncatedCutsTheNormalReplyAtFortyPercentWithFinishReasonLength() {
    try (MockLmdeployServer server = serverWith(at(Fault.truncated(), 1))) {
      String whole = content(chat(server, generate(server).put("seed", 6))); // seq 0, unfaulted
      HttpResponse<String> cut = chat(server, generate(server).put("seed", 6)); // seq 1
      JsonNode choice = parse(cut.body()).path("choices").path(0);
      String content = choice.path("message").path("content").asText();
      assertThat(cut.statusCode()).isEqualTo(200);
      assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
      assertThat(whole).startsWith(content);
      assertThat(content.length()).isBetween((int) (whole.length() * 0.4) - 1, (int) (whole.length() * 0.4));
      assertThat(parse(cut.body()).path("usage").path("completion_tokens").asInt())
          .isEqualTo((content.length() + 3) / 4);

      List<String> events = events(chat(server, streaming(generate(server).put("seed", 6))).body()); // seq 2
      assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
      StringBuilder streamed = new StringBuilder();
      String finish = null;
      for (String event : events.subList(0, events.size() - 1)) {
        JsonNode c = parse(event).path("choices").path(0);
        streamed.append(c.path("delta").path("content").asText());
        finish = c.path("finish_reason").isNull() ? finish : c.path("finish_reason").asText();
      }
      assertThat(streamed.toString()).isEqualTo(whole); // seq 2 is not faulted
      assertThat(finish).isEqualTo("stop");
      assertThat(server.requests()).extracting(r -> r.fault().map(Fault::kind).orElse("-"))
          .containsExactly("-", "truncated", "-");
    }
  }

  @Test
  @Timeout(10)
  void truncatedStreamEndsWithFinishReasonLength() {
    try (MockLmdeployServer server = serverWith(at(Fault.truncated(), 1))) {
      String whole = content(chat(server, generate(server)));
      List<String> events = events(chat(server, streaming(generate(server))).body());
      StringBuilder streamed = new StringBuilder();
      String finish = null;
      for (String event : events.subList(0, events.size() - 1)) {
        JsonNode c = parse(event).path("choices").path(0);
        streamed.append(c.path("delta").path("content").asText());
        finish = c.path("finish_reason").isNull() ? finish : c.path("finish_reason").asText();
      }
      assertThat(finish).isEqualTo("length");
      assertThat(whole).startsWith(streamed.toString());
      assertThat(streamed.length()).isBetween((int) (whole.length() * 0.4) - 1, (int) (whole.length() * 0.4));
    }
  }

  @Test
  @Timeout(15)
  void malformedCritiqueBreaksOnlyTheCritiqueJson() {
    FaultPlan always = (request, sequence) -> request.path().equals("/v1/chat/completions")
        ? Optional.of(Fault.malformedCritique()) : Optional.empty();
    try (MockLmdeployServer clean = MockLmdeployServer.builder().seed(11).start();
        MockLmdeployServer server = serverWith(always)) {
      String good = content(chat(clean, imageRequest(clean, critiquePrompt(APPLE), foreignDataUrl(), 3)));
      String bad = content(chat(server, imageRequest(server, critiquePrompt(APPLE), foreignDataUrl(), 3)));
      assertThat(MockCalls.critiqueOf(good).path("score").isNumber()).isTrue();
      assertThat(bad).contains("\"score\"").doesNotContain("}").doesNotContain("suggestions");
      assertThatThrownBy(() -> MockCalls.JSON.readTree(bad.substring(bad.indexOf('{'))))
          .isInstanceOf(IOException.class);

      // Other roles answer exactly as an unfaulted server, and no fault is recorded for them.
      assertThat(content(chat(server, generate(server)))).isEqualTo(content(chat(clean, generate(clean))));
      assertThat(server.requests()).extracting(RecordedRequest::fault)
          .containsExactly(Optional.of(Fault.malformedCritique()), Optional.empty());
    }
  }

  @Test
  @Timeout(10)
  void proxyErrorAnswers200WithTheProxyTimeoutBody() {
    try (MockLmdeployServer server = serverWith(at(Fault.proxyError(), 0))) {
      HttpResponse<String> response = chat(server, streaming(generate(server)));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(parse(response.body())).isEqualTo(parse("{\"error_code\":10402,\"text\":\"Request timed out\"}"));
      assertThat(server.requests()).singleElement().satisfies(r -> {
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.fault().map(Fault::kind)).hasValue("proxy");
      });
    }
  }

  @Test
  @Timeout(10)
  void midStreamErrorSendsSomeContentThenAnErrorEventAndEnds() {
    try (MockLmdeployServer server = serverWith(at(Fault.midStreamError(), 1, 2))) {
      String whole = content(chat(server, generate(server)));
      List<String> events = events(chat(server, streaming(generate(server))).body());
      assertThat(events).doesNotContain("[DONE]");
      JsonNode error = parse(events.get(events.size() - 1));
      assertThat(error).isEqualTo(parse(
          "{\"error\":{\"message\":\"engine error\",\"type\":\"internal_error\",\"code\":500}}"));
      StringBuilder partial = new StringBuilder();
      for (String event : events.subList(0, events.size() - 1)) {
        JsonNode choice = parse(event).path("choices").path(0);
        assertThat(choice.get("finish_reason").isNull()).isTrue();
        partial.append(choice.path("delta").path("content").asText());
      }
      assertThat(partial.length()).isPositive().isLessThan(whole.length());
      assertThat(whole).startsWith(partial.toString());

      HttpResponse<String> plain = chat(server, generate(server));
      assertThat(plain.statusCode()).isEqualTo(500);
      assertThat(server.requests()).extracting(RecordedRequest::status).containsExactly(200, 200, 500);
      assertThat(server.requests()).extracting(r -> r.fault().map(Fault::kind).orElse("-"))
          .containsExactly("-", "midstream", "midstream");
    }
  }

  @Test
  @Timeout(20)
  void retriedRequestGetsTheAnswerAnUnfaultedServerGives() {
    List<Fault> kinds = Fault.transportOnly(Duration.ofMillis(50));
    // Each transport fault once, in turn, then normal answers.
    FaultPlan plan = (request, sequence) ->
        sequence < kinds.size() ? Optional.of(kinds.get((int) sequence)) : Optional.empty();
    try (MockLmdeployServer clean = MockLmdeployServer.builder().seed(11).start();
        MockLmdeployServer server = serverWith(plan)) {
      String expected = content(chat(clean, generate(clean)));
      String got = null;
      for (int attempt = 0; attempt < 40 && got == null; attempt++) {
        try {
          HttpResponse<String> r = chat(server, generate(server));
          JsonNode root = parse(r.body());
          if (r.statusCode() == 200 && root.has("choices")) {
            got = content(r);
          }
        } catch (UncheckedIOException e) {
          // reset or stall: retry
        }
      }
      assertThat(got).isEqualTo(expected);
      List<Optional<Fault>> expectedFaults = new ArrayList<>();
      kinds.forEach(kind -> expectedFaults.add(Optional.of(kind)));
      expectedFaults.add(Optional.empty());
      assertThat(server.requests()).extracting(RecordedRequest::fault).containsExactlyElementsOf(expectedFaults);
    }
  }

  @Test
  void randomPlanDrawsTheSameFaultsForTheSameSeedAndCoversEveryKind() {
    RecordedRequest call = new RecordedRequest("POST", "/v1/chat/completions", Map.of(), "{}", 0);
    FaultPlan a = FaultPlan.parse("0.5:500,503,reset,stall=2s,truncated,malformed,proxy,midstream", 9);
    FaultPlan b = FaultPlan.parse("0.5:500,503,reset,stall=2s,truncated,malformed,proxy,midstream", 9);
    List<Optional<Fault>> fromA = new ArrayList<>();
    List<Optional<Fault>> fromB = new ArrayList<>();
    for (long seq = 0; seq < 2000; seq++) {
      fromA.add(a.faultFor(call, seq));
      fromB.add(b.faultFor(call, seq));
    }
    assertThat(fromA).isEqualTo(fromB);
    Map<String, Long> byKind = fromA.stream().flatMap(Optional::stream)
        .collect(Collectors.groupingBy(Fault::kind, Collectors.counting()));
    assertThat(byKind).containsOnlyKeys("500", "503", "reset", "stall", "truncated", "malformed", "proxy",
        "midstream");
    assertThat(byKind.values()).allSatisfy(n -> assertThat(n).isBetween(70L, 180L)); // 1000 / 8 each
    assertThat(fromA).contains(Optional.of(Fault.stall(Duration.ofSeconds(2))));
  }

  @Test
  void parsesBareRateAsEveryKindButStall() {
    RecordedRequest call = new RecordedRequest("POST", "/v1/chat/completions", Map.of(), "{}", 0);
    FaultPlan parsed = FaultPlan.parse(" 0.1 ", 4);
    FaultPlan explicit = FaultPlan.random(0.1, 4, List.of(Fault.httpError(500), Fault.httpError(503),
        Fault.connectionReset(), Fault.truncated(), Fault.malformedCritique(), Fault.proxyError(),
        Fault.midStreamError()));
    for (long seq = 0; seq < 500; seq++) {
      assertThat(parsed.faultFor(call, seq)).isEqualTo(explicit.faultFor(call, seq));
    }
    FaultPlan none = FaultPlan.parse("0", 4);
    for (long seq = 0; seq < 100; seq++) {
      assertThat(none.faultFor(call, seq)).isEmpty();
    }
    FaultPlan transport = FaultPlan.parse("1:transport,stall=150ms,429", 4);
    Function<Long, Fault> at = seq -> transport.faultFor(call, seq).orElseThrow();
    List<Fault> seen = new ArrayList<>();
    for (long seq = 0; seq < 300; seq++) {
      seen.add(at.apply(seq));
    }
    assertThat(seen).containsAll(Fault.transportOnly()).contains(Fault.stall(Duration.ofMillis(150)),
        Fault.httpError(429)).doesNotContain(Fault.truncated(), Fault.malformedCritique());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "abc | rate \"abc\" is not a number",
      "NaN | rate NaN is not within [0, 1]",
      "1.5 | rate 1.5 is not within [0, 1]",
      "-0.1 | rate -0.1 is not within [0, 1]",
      "0.3: | a fault kind is empty",
      "'0.3:500,,503' | a fault kind is empty",
      "'0.3:500,foo' | unknown fault kind \"foo\"",
      "0.3:200 | HTTP status 200 is not an error status",
      "0.3:stall=2h | stall duration \"2h\" is not like 200ms",
      "0.3:stall= | stall duration \"\" is not like"})
  void rejectsBadSpecsNamingTheBadPart(String spec, String problem) {
    assertThatThrownBy(() -> FaultPlan.parse(spec, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Bad fault spec \"" + spec + "\": " + problem);
  }

  @Test
  @Timeout(15)
  void restartRebindsTheSamePortWithTheSameSeedAndDropsOpenConnections() throws Exception {
    FaultPlan stallThird = at(Fault.stall(Duration.ofSeconds(30)), 2);
    MockLmdeployServer first = MockLmdeployServer.builder().port(Ports.free()).seed(21).faults(stallThird).start();
    int port = first.port();
    String before = content(chat(first, generate(first)));
    assertThat(chat(first, generate(first)).statusCode()).isEqualTo(200); // keep-alive connections stay open
    CompletableFuture<HttpResponse<String>> stalled = CompletableFuture.supplyAsync(() -> chat(first, generate(first)));
    while (first.requests().size() < 3) {
      Thread.onSpinWait(); // the stalled request is logged as its silence starts
    }
    try (MockLmdeployServer second = first.restart()) {
      assertThatThrownBy(() -> stalled.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IOException.class);
      assertThat(second.port()).isEqualTo(port);
      assertThat(second.requests()).isEmpty();
      assertThat(content(chat(second, generate(second)))).isEqualTo(before);
    }
    // A plain close then port(samePort) works at once too, after the server closed live connections itself.
    try (MockLmdeployServer third = MockLmdeployServer.builder().port(port).seed(21).start()) {
      assertThat(content(chat(third, generate(third)))).isEqualTo(before);
    }
  }
}
