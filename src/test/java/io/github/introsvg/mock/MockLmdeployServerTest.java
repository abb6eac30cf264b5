package io.github.introsvg.mock;

import io.github.introsvg.testing.Ports;
import static io.github.introsvg.mock.MockCalls.JSON;
import static io.github.introsvg.mock.MockCalls.chat;
import static io.github.introsvg.mock.MockCalls.get;
import static io.github.introsvg.mock.MockCalls.parse;
import static io.github.introsvg.mock.MockCalls.post;
import static io.github.introsvg.mock.MockCalls.textRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MockLmdeployServerTest {

  private static MockLmdeployServer server;

  @BeforeAll
  static void startServer() {
    server = MockLmdeployServer.builder().seed(7).start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  @Timeout(10)
  void servesHealthAndTheModelList() {
    HttpResponse<String> health = get(server, "/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(parse(health.body()).path("status").asText()).isEqualTo("healthy");

    HttpResponse<String> models = get(server, "/v1/models");
    assertThat(models.statusCode()).isEqualTo(200);
    JsonNode root = parse(models.body());
    assertThat(root.path("object").asText()).isEqualTo("list");
    JsonNode card = root.path("data").path(0);
    assertThat(card.path("id").asText()).isEqualTo("IntroSVG-Qwen2.5-VL-7B").isEqualTo(server.model());
    assertThat(card.path("object").asText()).isEqualTo("model");
    assertThat(card.path("owned_by").asText()).isEqualTo("lmdeploy");
    assertThat(card.path("root").asText()).isEqualTo(server.model());
    assertThat(card.get("parent").isNull()).isTrue();
    assertThat(card.path("permission").isArray()).isTrue();
    assertThat(card.path("created").isIntegralNumber()).isTrue();
    assertThat(server.baseUrl()).isEqualTo("http://127.0.0.1:" + server.port());
  }

  @Test
  @Timeout(10)
  void answersUnknownPathsWithFlatNotFoundBody() {
    HttpResponse<String> response = get(server, "/v1/completions-nope");
    assertThat(response.statusCode()).isEqualTo(404);
    assertFlatError(response, 404);
    assertThat(get(server, "/").statusCode()).isEqualTo(404);
  }

  @Test
  @Timeout(10)
  void answersChatCompletionInLmdeployShape() {
    HttpResponse<String> response = chat(server, textRequest(server, "Hello there", 1, 100));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode root = parse(response.body());
    assertThat(root.path("id").asText()).startsWith("chatcmpl-");
    assertThat(root.path("object").asText()).isEqualTo("chat.completion");
    assertThat(root.path("created").asLong()).isPositive();
    assertThat(root.path("model").asText()).isEqualTo(server.model());
    JsonNode choice = root.path("choices").path(0);
    assertThat(choice.path("index").asInt()).isZero();
    assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
    assertThat(choice.path("message").path("content").asText()).isNotBlank();
    assertThat(choice.get("logprobs").isNull()).isTrue();
    assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
    JsonNode usage = root.path("usage");
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(3); // "Hello there": 11 chars
    assertThat(usage.path("completion_tokens").asInt())
        .isEqualTo((choice.path("message").path("content").asText().length() + 3) / 4);
    assertThat(usage.path("total_tokens").asInt())
        .isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());
  }

  @Test
  @Timeout(10)
  void streamsChunksThenUsageThenDone() {
    ObjectNode body = textRequest(server, MockCalls.generatePrompt("a red apple"), 3, 6000).put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    HttpResponse<String> response = chat(server, body);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");

    List<String> events = events(response.body());
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(MockCalls::parse).toList();
    JsonNode usageChunk = chunks.get(chunks.size() - 1);
    assertThat(usageChunk.path("choices").isArray()).isTrue();
    assertThat(usageChunk.path("choices").isEmpty()).isTrue();
    assertThat(usageChunk.path("usage").path("completion_tokens").asInt()).isPositive();

    List<JsonNode> contentChunks = chunks.subList(0, chunks.size() - 1);
    assertThat(contentChunks.size()).isGreaterThan(3);
    StringBuilder content = new StringBuilder();
    for (int i = 0; i < contentChunks.size(); i++) {
      JsonNode chunk = contentChunks.get(i);
      assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(chunk.path("model").asText()).isEqualTo(server.model());
      JsonNode choice = chunk.path("choices").path(0);
      assertThat(choice.path("delta").path("role").asText()).isEqualTo("assistant");
      boolean last = i == contentChunks.size() - 1;
      assertThat(choice.get("finish_reason").isNull()).isEqualTo(!last);
      content.append(choice.path("delta").path("content").asText());
    }
    assertThat(contentChunks).anyMatch(c -> c.path("choices").path(0).path("delta").path("content").asText().isEmpty());
    assertThat(contentChunks.get(contentChunks.size() - 1).path("choices").path(0).path("finish_reason").asText())
        .isEqualTo("stop");

    // Streaming delivers exactly what the non-streaming answer holds.
    String whole = MockCalls.content(chat(server, textRequest(server, MockCalls.generatePrompt("a red apple"), 3, 6000)));
    assertThat(content.toString()).isEqualTo(whole);
    assertThat(usageChunk.path("usage").path("completion_tokens").asInt()).isEqualTo((whole.length() + 3) / 4);
  }

  @Test
  @Timeout(10)
  void streamsWithoutUsageChunkUnlessAsked() {
    HttpResponse<String> response = chat(server, textRequest(server, "hi", 0, 50).put("stream", true));
    List<String> events = events(response.body());
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    assertThat(events.subList(0, events.size() - 1))
        .allMatch(e -> parse(e).path("choices").size() == 1 && !parse(e).has("usage"));
  }

  @Test
  @Timeout(10)
  void requiresBearerKeyOnV1RoutesButNotOnHealth() {
    try (MockLmdeployServer secured = MockLmdeployServer.builder().apiKeys(List.of("k1", "k2")).start()) {
      HttpResponse<String> missing = get(secured, "/v1/models");
      assertThat(missing.statusCode()).isEqualTo(401);
      assertThat(assertFlatError(missing, 401).path("message").asText()).isEqualTo("Unauthorized.");
      assertThat(get(secured, "/v1/models", "Authorization", "Bearer nope").statusCode()).isEqualTo(401);
      assertThat(chat(secured, textRequest(secured, "hi", 0, 10)).statusCode()).isEqualTo(401);

      assertThat(get(secured, "/v1/models", "Authorization", "Bearer k2").statusCode()).isEqualTo(200);
      assertThat(post(secured, "/v1/chat/completions", textRequest(secured, "hi", 0, 10).toString(),
          "Authorization", "Bearer k1").statusCode()).isEqualTo(200);
      assertThat(get(secured, "/health").statusCode()).isEqualTo(200);
    }
  }

  @Test
  @Timeout(10)
  void rejectsUnknownModelWith404() {
    ObjectNode body = textRequest(server, "hi", 0, 10).put("model", "gpt-4o");
    HttpResponse<String> response = chat(server, body);
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(assertFlatError(response, 404).path("message").asText()).isEqualTo("The model 'gpt-4o' does not exist.");
  }

  static Stream<Arguments> malformedRequests() {
    String model = "IntroSVG-Qwen2.5-VL-7B";
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    String image = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
        + "\"text\":\"look\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"%s\"}}]}]}";
    return Stream.of(
        Arguments.of("not JSON", "{\"model\": "),
        Arguments.of("JSON but not an object", "[1,2]"),
        Arguments.of("messages missing", "{\"model\":\"" + model + "\"}"),
        Arguments.of("messages empty", "{\"model\":\"" + model + "\",\"messages\":[]}"),
        Arguments.of("temperature above 2", "{\"model\":\"" + model + "\",\"temperature\":2.5," + messages + "}"),
        Arguments.of("temperature negative", "{\"model\":\"" + model + "\",\"temperature\":-0.1," + messages + "}"),
        Arguments.of("temperature a string", "{\"model\":\"" + model + "\",\"temperature\":\"hot\"," + messages + "}"),
        Arguments.of("top_p zero", "{\"model\":\"" + model + "\",\"top_p\":0," + messages + "}"),
        Arguments.of("top_p above 1", "{\"model\":\"" + model + "\",\"top_p\":1.5," + messages + "}"),
        Arguments.of("max_tokens zero", "{\"model\":\"" + model + "\",\"max_tokens\":0," + messages + "}"),
        Arguments.of("max_tokens fractional", "{\"model\":\"" + model + "\",\"max_tokens\":1.5," + messages + "}"),
        Arguments.of("top_k negative", "{\"model\":\"" + model + "\",\"top_k\":-1," + messages + "}"),
        Arguments.of("content a number", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":42}]}"),
        Arguments.of("message without role", "{\"model\":\"" + model + "\",\"messages\":[{\"content\":\"hi\"}]}"),
        Arguments.of("unknown part type", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
            + "\"content\":[{\"type\":\"audio\",\"audio\":\"x\"}]}]}"),
        Arguments.of("image over http", String.format(image, "http://example.com/a.png")),
        Arguments.of("image gif data URL", String.format(image, "data:image/gif;base64,R0lGODlhAQABAAAAACw=")),
        Arguments.of("image not base64", String.format(image, "data:image/png;base64,@@@@")),
        Arguments.of("image not an image", String.format(image, "data:image/png;base64,aGVsbG8gd29ybGQ=")),
        Arguments.of("stream not a boolean", "{\"model\":\"" + model + "\",\"stream\":\"yes\"," + messages + "}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRequests")
  @Timeout(10)
  void rejectsMalformedRequestWith400(String why, String body) {
    HttpResponse<String> response = post(server, "/v1/chat/completions", body);
    assertThat(response.statusCode()).as(why).isEqualTo(400);
    assertThat(assertFlatError(response, 400).path("message").asText()).isNotBlank();
  }

  @Test
  @Timeout(10)
  void refusesImageClaimingHugeDimensionsBeforeDecodingIt() throws Exception {
    java.awt.image.BufferedImage tiny = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(tiny, "png", out);
    byte[] png = out.toByteArray();
    // IHDR starts at byte 8: length(4) "IHDR"(4) width(4) height(4) ...; claim 100000x100000 and fix the CRC.
    java.nio.ByteBuffer.wrap(png).putInt(16, 100_000).putInt(20, 100_000);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(png, 12, 17);
    java.nio.ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
    String url = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png);
    HttpResponse<String> response = chat(server, MockCalls.imageRequest(server, "look", url, 0));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(assertFlatError(response, 400).path("message").asText()).contains("too large");
  }

  @Test
  @Timeout(10)
  void answersWrongMethodOnKnownRouteWith405() {
    HttpResponse<String> response = get(server, "/v1/chat/completions");
    assertThat(response.statusCode()).isEqualTo(405);
    assertFlatError(response, 405);
  }

  @Test
  @Timeout(10)
  void turnsInternalFailureInto500WithFlatBody() {
    FaultPlan broken = (request, sequence) -> {
      throw new IllegalStateException("boom");
    };
    try (MockLmdeployServer failing = MockLmdeployServer.builder().faults(broken).start()) {
      HttpResponse<String> response = chat(failing, textRequest(failing, "hi", 0, 10));
      assertThat(response.statusCode()).isEqualTo(500);
      assertThat(assertFlatError(response, 500).path("message").asText()).doesNotContain("boom", "Exception");
      assertThat(failing.requests()).extracting(RecordedRequest::status).containsExactly(500);
    }
  }

  @Test
  @Timeout(20)
  void refusesOversizedBodyWith413() {
    String huge = "{\"model\":\"x\",\"pad\":\"" + "a".repeat(MockHandler.MAX_BODY_BYTES) + "\"}";
    HttpResponse<String> response = post(server, "/v1/chat/completions", huge);
    assertThat(response.statusCode()).isEqualTo(413);
    assertFlatError(response, 413);
    assertThat(get(server, "/health").statusCode()).isEqualTo(200);
  }

  @Test
  @Timeout(10)
  void recordsEveryRequestWithTheStatusSent() {
    try (MockLmdeployServer fresh = MockLmdeployServer.builder().start()) {
      get(fresh, "/health", "X-Trace", "abc");
      chat(fresh, textRequest(fresh, "hi", 0, 10).put("model", "other"));
      chat(fresh, textRequest(fresh, "hi", 0, 10));

      List<RecordedRequest> requests = fresh.requests();
      assertThat(requests).extracting(RecordedRequest::method).containsExactly("GET", "POST", "POST");
      assertThat(requests).extracting(RecordedRequest::path)
          .containsExactly("/health", "/v1/chat/completions", "/v1/chat/completions");
      assertThat(requests).extracting(RecordedRequest::status).containsExactly(200, 404, 200);
      assertThat(requests.get(0).headers()).containsEntry("x-trace", "abc");
      assertThat(requests.get(0).header("X-Trace")).isEqualTo("abc");
      assertThat(requests.get(2).body()).isEqualTo(textRequest(fresh, "hi", 0, 10).toString());

      fresh.clearRequests();
      assertThat(fresh.requests()).isEmpty();
    }
  }

  @Test
  @Timeout(10)
  void injectsPlannedHttpErrorAndLogsIt() {
    FaultPlan everySecondChat = (request, sequence) ->
        request.path().equals("/v1/chat/completions") && sequence % 2 == 1
            ? Optional.of(Fault.httpError(503)) : Optional.empty();
    try (MockLmdeployServer faulty = MockLmdeployServer.builder().faults(everySecondChat).start()) {
      assertThat(chat(faulty, textRequest(faulty, "hi", 0, 10)).statusCode()).isEqualTo(200);
      HttpResponse<String> failed = chat(faulty, textRequest(faulty, "hi", 0, 10));
      assertThat(failed.statusCode()).isEqualTo(503);
      assertFlatError(failed, 503);
      assertThat(faulty.requests()).extracting(RecordedRequest::status).containsExactly(200, 503);
      assertThat(faulty.requests().get(1).body()).contains("\"hi\"");
    }
  }

  @Test
  void randomFaultPlanIsSeededAndHitsOnlyChatCompletions() {
    RecordedRequest chatCall = new RecordedRequest("POST", "/v1/chat/completions", java.util.Map.of(), "{}", 0);
    RecordedRequest health = new RecordedRequest("GET", "/health", java.util.Map.of(), "", 0);
    List<Fault> kinds = List.of(Fault.httpError(500), Fault.httpError(503));
    FaultPlan a = FaultPlan.random(0.3, 42, kinds);
    FaultPlan b = FaultPlan.random(0.3, 42, kinds);
    FaultPlan c = FaultPlan.random(0.3, 43, kinds);
    List<Optional<Fault>> fromA = new ArrayList<>();
    List<Optional<Fault>> fromB = new ArrayList<>();
    List<Optional<Fault>> fromC = new ArrayList<>();
    for (long seq = 0; seq < 1000; seq++) {
      fromA.add(a.faultFor(chatCall, seq));
      fromB.add(b.faultFor(chatCall, seq));
      fromC.add(c.faultFor(chatCall, seq));
      assertThat(a.faultFor(health, seq)).isEmpty();
    }
    assertThat(fromA).isEqualTo(fromB).isNotEqualTo(fromC);
    long hits = fromA.stream().filter(Optional::isPresent).count();
    assertThat(hits).isBetween(230L, 370L);
    assertThat(fromA).contains(Optional.of(Fault.httpError(500)), Optional.of(Fault.httpError(503)));
    assertThatThrownBy(() -> FaultPlan.random(1.5, 0, kinds)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Fault.httpError(200)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @Timeout(10)
  void handlesRequestsConcurrently() throws Exception {
    int parallel = 6;
    CountDownLatch arrived = new CountDownLatch(parallel);
    // Each request waits until all have arrived: a serial server would never get there and answer 500.
    FaultPlan barrier = (request, sequence) -> {
      arrived.countDown();
      try {
        return arrived.await(5, TimeUnit.SECONDS) ? Optional.empty() : Optional.of(Fault.httpError(500));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of(Fault.httpError(500));
      }
    };
    try (MockLmdeployServer concurrent = MockLmdeployServer.builder().faults(barrier).start()) {
      List<CompletableFuture<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < parallel; i++) {
        long seed = i;
        calls.add(CompletableFuture.supplyAsync(
            () -> chat(concurrent, textRequest(concurrent, "hi", seed, 10)).statusCode()));
      }
      for (CompletableFuture<Integer> call : calls) {
        assertThat(call.get(8, TimeUnit.SECONDS)).isEqualTo(200);
      }
    }
  }

  @Test
  @Timeout(10)
  void delaysEachChatCompletionByTheLatency() {
    try (MockLmdeployServer slow = MockLmdeployServer.builder().latency(Duration.ofMillis(300)).start()) {
      long start = System.nanoTime();
      assertThat(chat(slow, textRequest(slow, "hi", 0, 10)).statusCode()).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
  }

  @Test
  @Timeout(10)
  void closesPromptlyAndIdempotentlyAndFreesThePort() {
    MockLmdeployServer temporary = MockLmdeployServer.builder().port(Ports.free()).start();
    int port = temporary.port();
    assertThatThrownBy(() -> MockLmdeployServer.builder().port(port).start())
        .isInstanceOf(UncheckedIOException.class);
    long start = System.nanoTime();
    temporary.close();
    temporary.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10)); // not HttpServer.stop's grace
    assertThatThrownBy(() -> get(temporary, "/health")).hasCauseInstanceOf(ConnectException.class);
    try (MockLmdeployServer again = MockLmdeployServer.builder().port(port).start()) {
      assertThat(again.port()).isEqualTo(port);
    }
  }

  @Test
  @Timeout(10)
  void freesThePortEvenWhenClosedFromAnInterruptedThread() {
    for (int i = 0; i < 20; i++) {
      MockLmdeployServer temporary = MockLmdeployServer.builder().port(Ports.free()).start();
      int port = temporary.port();
      Thread.currentThread().interrupt(); // as a caller cancelled half-way would be
      try {
        temporary.close();
        assertThat(Thread.currentThread().isInterrupted()).as("close keeps the caller's interrupt").isTrue();
      } finally {
        Thread.interrupted();
      }
      try (MockLmdeployServer again = MockLmdeployServer.builder().port(port).start()) {
        assertThat(again.port()).isEqualTo(port);
      }
    }
  }

  @Test
  @Timeout(10)
  void freesThePortEvenWhenInterruptedWhileClosing() {
    Thread closer = Thread.currentThread();
    for (int i = 0; i < 20; i++) {
      MockLmdeployServer temporary = MockLmdeployServer.builder().port(Ports.free()).start();
      int port = temporary.port();
      AtomicBoolean closed = new AtomicBoolean();
      Thread interrupter = new Thread(() -> {
        while (!closed.get()) {
          closer.interrupt(); // a stray interrupt, whenever it comes
          Thread.onSpinWait();
        }
      });
      interrupter.start();
      try {
        temporary.close();
      } finally {
        closed.set(true);
        while (interrupter.isAlive()) Thread.onSpinWait(); // not join(): its last interrupt may still come
        Thread.interrupted();
      }
      try (MockLmdeployServer again = MockLmdeployServer.builder().port(port).start()) {
        assertThat(again.port()).isEqualTo(port);
      }
    }
  }

  private static JsonNode assertFlatError(HttpResponse<String> response, int status) {
    JsonNode error = parse(response.body());
    assertThat(error.path("message").isTextual()).isTrue();
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").asInt()).isEqualTo(status);
    assertThat(error.has("param") && error.get("param").isNull()).isTrue();
    assertThat(error.path("object").asText()).isEqualTo("error");
    return error;
  }

  /** The {@code data:} payloads of an SSE body, checking the framing on the way. */
  static List<String> events(String body) {
    assertThat(body).endsWith("\n\n");
    List<String> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      assertThat(block).startsWith("data: ");
      events.add(block.substring("data: ".length()));
    }
    return events;
  }

}
