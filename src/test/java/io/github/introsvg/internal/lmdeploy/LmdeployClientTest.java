package io.github.introsvg.internal.lmdeploy;

import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.fixture;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.json;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.models;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.sse;
import io.github.introsvg.testing.Ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.lmdeploy.LmdeployException;
import io.github.introsvg.lmdeploy.Sampling;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LmdeployClientTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TEXT = "Draw a café \"sign\"\n<svg> ✓";
  private static final String KEY = "sk-secret-4f2a9c";

  private MockWebServer server;
  private final CountDownLatch testOver = new CountDownLatch(1);
  private final List<LmdeployClient> clients = new ArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    testOver.countDown();
    clients.forEach(LmdeployClient::close);
    server.close();
  }

  private LmdeployClient.Builder builder() {
    return LmdeployClient.builder().baseUrl(server.url("/").toString()).idleTimeout(Duration.ofSeconds(5));
  }

  private LmdeployClient client(LmdeployClient.Builder builder) {
    LmdeployClient client = builder.build();
    clients.add(client);
    return client;
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("request reached the server").isNotNull();
    return request;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  @Timeout(10)
  void sendsTextRequestExactlyAsStreamingJson() throws Exception {
    server.enqueue(sse(fixture("stream.sse")));
    LmdeployClient client = client(builder());

    client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(6000, 0.5), 42));

    RecordedRequest request = take();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getTarget()).isEqualTo("/v1/chat/completions");
    assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
    JsonNode sent = JSON.readTree(request.getBody().utf8());
    assertThat(sent).isEqualTo(JSON.readTree(fixture("text-request.json")));
    assertThat(fieldNames(sent)).containsExactly("model", "messages", "max_tokens", "temperature", "top_p", "top_k",
        "repetition_penalty", "seed", "stream", "stream_options");
    // UTF-8, not \\u escapes; the newline and quotes JSON-escaped only.
    assertThat(request.getBody().utf8()).contains("\"Draw a café \\\"sign\\\"\\n<svg> ✓\"");
  }

  @Test
  @Timeout(10)
  void sendsImageAfterTextAsPngDataUrl() throws Exception {
    server.enqueue(json(200, fixture("completion.json")));
    LmdeployClient client = client(builder().streaming(false));

    client.complete(ChatRequest.withPng("introsvg", TEXT, "iVBORw0KGgo=", new Sampling(2048, 0.1, 0.9, 20, 1.05), 7));

    JsonNode sent = JSON.readTree(take().getBody().utf8());
    assertThat(sent).isEqualTo(JSON.readTree(fixture("image-request.json")));
    assertThat(fieldNames(sent)).containsExactly("model", "messages", "max_tokens", "temperature", "top_p", "top_k",
        "repetition_penalty", "seed", "stream");
    assertThat(fieldNames(sent.at("/messages/0/content/0"))).containsExactly("type", "text");
  }

  @Test
  @Timeout(10)
  void sendsCritiqueTemplateByteExact() throws Exception {
    String template = MockLmdeploy.resource("/io/github/introsvg/prompt/critique.txt");
    assertThat(template).contains("1. Suggestion A\n2. Suggestion B"); // the real newline the model was trained on
    server.enqueue(sse(fixture("stream.sse")));
    LmdeployClient client = client(builder());

    client.complete(ChatRequest.withPng("introsvg", template, "iVBORw0KGgo=", Sampling.of(2048, 0.1), 1));

    RecordedRequest request = take();
    assertThat(request.getBody().utf8()).contains("(e.g., \\\"1. Suggestion A\\n2. Suggestion B\\\")");
    assertThat(JSON.readTree(request.getBody().utf8()).at("/messages/0/content/0/text").asText()).isEqualTo(template);
  }

  @Test
  @Timeout(10)
  void sendsBearerKeyOnlyWhenOneIsSet() throws Exception {
    server.enqueue(sse(fixture("stream.sse")));
    server.enqueue(sse(fixture("stream.sse")));
    ChatRequest request = ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1);

    client(builder()).complete(request);
    client(builder().apiKey(KEY)).complete(request);

    assertThat(take().getHeaders().get("Authorization")).isNull();
    assertThat(take().getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
  }

  @Test
  @Timeout(10)
  void readsNonStreamingReply() throws Exception {
    server.enqueue(json(200, fixture("completion.json")));
    LmdeployClient client = client(builder().streaming(false));

    ChatReply reply = client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1));

    assertThat(reply.content()).isEqualTo("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
    assertThat(reply.finishReason()).isEqualTo("stop");
    assertThat(reply.usage()).isEqualTo(new ChatReply.Usage(120, 31));
    assertThat(reply.latency()).isPositive();
    assertThat(JSON.readTree(take().getBody().utf8()).get("stream").asBoolean()).isFalse();
  }

  @Test
  @Timeout(10)
  void accumulatesStreamedChunksUpToDone() throws Exception {
    server.enqueue(sse(fixture("stream.sse")));
    LmdeployClient client = client(builder());

    ChatReply reply = client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1));

    assertThat(reply.content()).isEqualTo("<svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"5\"/>\n</svg> ✓");
    assertThat(reply.finishReason()).isEqualTo("stop");
    assertThat(reply.usage()).isEqualTo(new ChatReply.Usage(120, 17));
    assertThat(take().getHeaders().get("Accept")).isEqualTo("text/event-stream");
  }

  @Test
  @Timeout(10)
  void keepsLengthFinishReasonAsTruncated() {
    server.enqueue(json(200, """
        {"choices":[{"message":{"content":"<svg><rect"},"finish_reason":"length"}],
         "usage":{"prompt_tokens":10,"completion_tokens":6000}}"""));
    LmdeployClient client = client(builder().streaming(false));

    ChatReply reply = client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(6000, 0.5), 1));

    assertThat(reply.finishReason()).isEqualTo("length");
    assertThat(reply.truncated()).isTrue();
  }

  @Test
  @Timeout(10)
  void keepsUnknownFinishReasonAndToleratesNulls() {
    server.enqueue(json(200, """
        {"choices":[{"message":{"content":null},"finish_reason":"content_filter","extra":1}],"unknown":{}}"""));
    server.enqueue(json(200, "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":null}]}"));
    LmdeployClient client = client(builder().streaming(false));
    ChatRequest request = ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1);

    ChatReply filtered = client.complete(request);
    ChatReply noReason = client.complete(request);

    assertThat(filtered.content()).isEmpty();
    assertThat(filtered.finishReason()).isEqualTo("content_filter");
    assertThat(filtered.usage()).isEqualTo(ChatReply.Usage.NONE);
    assertThat(noReason.finishReason()).isEqualTo("unknown");
  }

  @Test
  @Timeout(10)
  void readsProxysJsonErrorEvenWhenStreaming() {
    server.enqueue(json(200, "{\"error_code\":10402,\"text\":\"Failed to get response after a period of time\"}"));
    LmdeployClient client = client(builder());

    assertThatThrownBy(() -> client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1)))
        .isInstanceOf(LmdeployException.ServerError.class)
        .hasMessageContaining("Failed to get response after a period of time")
        .hasMessageContaining("10402");
  }

  @Test
  @Timeout(10)
  void failsOnErrorInsideStream() {
    server.enqueue(sse(fixture("stream-error.sse")));
    LmdeployClient client = client(builder());

    assertThatThrownBy(() -> client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1)))
        .isInstanceOf(LmdeployException.ServerError.class)
        .hasMessageContaining("engine crashed while decoding");
  }

  @Test
  @Timeout(10)
  void failsOnStreamEndingWithoutFinishOrDone() {
    server.enqueue(sse(fixture("stream-cut.sse")));
    LmdeployClient client = client(builder());

    assertThatThrownBy(() -> client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1)))
        .isInstanceOf(LmdeployException.Io.class)
        .hasMessageContaining("ended the stream early");
  }

  /** A body that sends {@code first}, then nothing until the test is over. */
  private MockResponseBody stallAfter(String first) {
    return new MockResponseBody() {
      @Override
      public long getContentLength() {
        return -1;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.writeUtf8(first).flush();
        try {
          testOver.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  @Test
  @Timeout(10)
  void failsWhenWholeCallOutlastsCallTimeout() {
    // Chunks keep coming faster than the idle timeout, but the whole call takes too long.
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body(stallAfter(": comment\n\n")).build());
    LmdeployClient client = client(builder().idleTimeout(Duration.ofSeconds(5)).callTimeout(Duration.ofMillis(300)));
    long start = System.nanoTime();

    assertThatThrownBy(() -> client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1)))
        .isInstanceOf(LmdeployException.Io.class)
        .hasMessageEndingWith("did not finish within the call timeout (300 ms)");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  @Timeout(10)
  void failsWithinIdleTimeoutWhenStreamGoesSilent() {
    // The first event arrives, then the server says nothing until the test is over.
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body(stallAfter(fixture("stream-cut.sse")))
        .build());
    LmdeployClient client = client(builder().idleTimeout(Duration.ofMillis(300)));
    long start = System.nanoTime();

    assertThatThrownBy(() -> client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1)))
        .isInstanceOf(LmdeployException.Io.class)
        .hasMessageContaining("sent nothing for longer than the idle timeout (300 ms)")
        .cause().isInstanceOf(SocketTimeoutException.class)
        .satisfies(cause -> assertThat(cause.getStackTrace())
            .noneMatch(frame -> frame.getMethodName().equals("readResponseHeaders"))); // silent mid-body, not before
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  @Timeout(10)
  void failsAsIoNamingTheUrlWhenNothingListens() throws Exception {
    int port = Ports.free();
    LmdeployClient client = client(LmdeployClient.builder().baseUrl("http://127.0.0.1:" + port + "/").apiKey(KEY));

    assertThatThrownBy(() -> client.complete(ChatRequest.text("introsvg", TEXT, Sampling.of(100, 0.5), 1)))
        .isInstanceOf(LmdeployException.Io.class)
        .hasMessage("Couldn't reach lmdeploy at http://127.0.0.1:" + port + " (connection refused)")
        .satisfies(e -> assertThat(((LmdeployException) e).statusCode()).isZero());
    assertThat(client.healthy()).isFalse();
  }

  @Test
  @Timeout(10)
  void listsModelsOnceEachInOrder() throws Exception {
    server.enqueue(json(200, fixture("models-proxy.json")));
    LmdeployClient client = client(builder().apiKey(KEY));

    assertThat(client.models()).containsExactly("introsvg", "qwen-vl");
    RecordedRequest request = take();
    assertThat(request.getTarget()).isEqualTo("/v1/models");
    assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
  }

  @Test
  @Timeout(10)
  void resolvesTheServedModelOrTheNamedOne() {
    server.enqueue(models("introsvg", "introsvg"));
    server.enqueue(models());
    server.enqueue(models("introsvg", "qwen-vl"));
    server.enqueue(models("introsvg", "qwen-vl"));
    server.enqueue(models("introsvg", "qwen-vl"));
    LmdeployClient client = client(builder());

    assertThat(client.resolveModel(Optional.empty())).isEqualTo("introsvg");
    assertThatThrownBy(() -> client.resolveModel(Optional.empty())).as("still loading: worth waiting for")
        .isInstanceOf(LmdeployException.ServerError.class).hasMessageContaining("lists no model yet");
    assertThatThrownBy(() -> client.resolveModel(Optional.empty())).isInstanceOf(LmdeployException.UnknownModel.class)
        .hasMessageContaining("serves several models [introsvg, qwen-vl]");
    assertThat(client.resolveModel(Optional.of("qwen-vl"))).isEqualTo("qwen-vl");
    assertThatThrownBy(() -> client.resolveModel(Optional.of("qwen"))).isInstanceOf(LmdeployException.UnknownModel.class)
        .hasMessageContaining("does not serve model \"qwen\"; it serves [introsvg, qwen-vl]");
  }

  @Test
  @Timeout(10)
  void checksHealthWithoutKey() throws Exception {
    server.enqueue(json(200, "{\"status\":\"healthy\"}"));
    server.enqueue(json(503, "{\"status\":\"initializing\"}"));
    LmdeployClient client = client(builder().apiKey(KEY));

    assertThat(client.healthy()).isTrue();
    assertThat(client.healthy()).isFalse();
    RecordedRequest request = take();
    assertThat(request.getTarget()).isEqualTo("/health");
    assertThat(request.getHeaders().get("Authorization")).isNull();
  }

  @Test
  void rejectsBaseUrlWithoutScheme() {
    assertThatThrownBy(() -> LmdeployClient.builder().baseUrl("127.0.0.1:23333"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"127.0.0.1:23333\"");
    assertThatThrownBy(() -> LmdeployClient.builder().build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void neverShowsKeyInToString() {
    LmdeployClient client = client(LmdeployClient.builder().baseUrl("http://127.0.0.1:23333").apiKey(KEY));

    assertThat(client.toString()).doesNotContain(KEY).contains("apiKey=set");
  }
}
