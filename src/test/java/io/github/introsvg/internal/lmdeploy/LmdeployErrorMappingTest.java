package io.github.introsvg.internal.lmdeploy;

import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.fixture;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.flatError;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.json;
import static io.github.introsvg.internal.lmdeploy.MockLmdeploy.models;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.introsvg.lmdeploy.LmdeployException;
import io.github.introsvg.lmdeploy.Sampling;
import java.time.Duration;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every error shape lmdeploy, its proxy, FastAPI or a front proxy sends, and the exception it becomes. */
class LmdeployErrorMappingTest {

  private static final String KEY = "sk-secret-4f2a9c";
  private static final ChatRequest REQUEST = ChatRequest.text("introsvg", "Draw a cat", Sampling.of(100, 0.5), 1);

  private MockWebServer server;
  private LmdeployClient client;

  @BeforeEach
  void start() throws Exception {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    if (client != null) client.close();
    server.close();
  }

  private LmdeployException failure(MockResponse response, boolean streaming) {
    server.enqueue(response);
    server.enqueue(models("introsvg")); // answers the served-models lookup a 404 makes
    client = LmdeployClient.builder().baseUrl(server.url("/").toString()).apiKey(KEY).streaming(streaming)
        .idleTimeout(Duration.ofSeconds(5)).build();
    return catchThrowableOfType(LmdeployException.class, () -> client.complete(REQUEST));
  }

  static Stream<Arguments> errorShapes() {
    String html = fixture("bad-gateway.html");
    return Stream.of(
        Arguments.of("v0.16 validation", 400, flatError(400, "The temperature must be in [0, 2]"),
            LmdeployException.BadRequest.class, "The temperature must be in [0, 2]"),
        Arguments.of("v0.16 prompt too long", 400,
            flatError(400, "Input length (20000) must be smaller than the model context length (16384)."),
            LmdeployException.ContextTooLong.class, "Input length (20000)"),
        Arguments.of("nested prompt too long", 400,
            "{\"error\":{\"message\":\"The input must be smaller than the model context length (16384).\"}}",
            LmdeployException.ContextTooLong.class, "model context length"),
        Arguments.of("OpenAI-worded prompt too long", 400,
            "{\"error\":{\"message\":\"This model's maximum context length is 16384 tokens. However, you requested"
                + " 20000 tokens (19000 in the messages, 1000 in the completion). Please reduce the length of the"
                + " messages or completion.\",\"type\":\"invalid_request_error\",\"param\":\"messages\","
                + "\"code\":\"context_length_exceeded\"}}",
            LmdeployException.ContextTooLong.class, "maximum context length is 16384 tokens"),
        Arguments.of("FastAPI validation", 422,
            "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"messages\"],\"msg\":\"Field required\",\"input\":{}}]}",
            LmdeployException.BadRequest.class, "messages: Field required"),
        Arguments.of("unauthorized", 401, flatError(401, "Unauthorized."),
            LmdeployException.Unauthorized.class, "refused the API key (HTTP 401: Unauthorized.)"),
        Arguments.of("unknown model", 404, flatError(404, "The model 'qwen' does not exist."),
            LmdeployException.UnknownModel.class, "does not serve model \"introsvg\"; it serves [introsvg]"),
        Arguments.of("timeout", 408, "{\"detail\":\"timeout\"}", LmdeployException.ServerError.class, "HTTP 408"),
        Arguments.of("session busy", 409, flatError(409, "The session is busy."),
            LmdeployException.ServerError.class, "HTTP 409: The session is busy."),
        Arguments.of("rate limited", 429, "slow down", LmdeployException.ServerError.class, "HTTP 429: slow down"),
        Arguments.of("engine error", 500, flatError(500, "Engine failed"),
            LmdeployException.ServerError.class, "HTTP 500: Engine failed"),
        Arguments.of("asleep", 503, flatError(503, "The engine is sleeping."),
            LmdeployException.ServerError.class, "HTTP 503"),
        Arguments.of("nginx page", 502, html, LmdeployException.ServerError.class,
            "HTTP 502: 502 Bad Gateway nginx/1.24.0"),
        Arguments.of("other 4xx", 418, "teapot", LmdeployException.BadRequest.class, "HTTP 418: teapot"),
        Arguments.of("proxy timeout in 200", 200,
            "{\"error_code\":10402,\"text\":\"Failed to get response after a period of time\"}",
            LmdeployException.ServerError.class, "HTTP 200 with error code 10402"),
        Arguments.of("relayed error in 200", 200, flatError(500, "Engine failed"),
            LmdeployException.ServerError.class, "Engine failed"),
        Arguments.of("relayed unknown model in 200", 200, flatError(404, "The model 'x' does not exist."),
            LmdeployException.UnknownModel.class, "does not serve model \"introsvg\""),
        Arguments.of("relayed prompt too long in 200", 200,
            flatError(400, "Input length (20000) must be smaller than the model context length (16384)."),
            LmdeployException.ContextTooLong.class, "Input length"),
        Arguments.of("pre-v0.16 prompt too long", 200,
            "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"length\"}],"
                + "\"usage\":{\"prompt_tokens\":20000,\"completion_tokens\":0}}",
            LmdeployException.ContextTooLong.class, "no generated token"),
        Arguments.of("not JSON", 200, "<html>It works!</html>", LmdeployException.InvalidResponse.class,
            "not a JSON object"),
        Arguments.of("no choices", 200, "{\"id\":\"x\",\"choices\":[]}", LmdeployException.InvalidResponse.class,
            "without choices"),
        Arguments.of("missing choices", 200, "{\"id\":\"x\"}", LmdeployException.InvalidResponse.class,
            "without choices"),
        Arguments.of("content of wrong type", 200, "{\"choices\":[{\"message\":{\"content\":42}}]}",
            LmdeployException.InvalidResponse.class, "content is not a string"),
        Arguments.of("engine error finish", 200,
            "{\"choices\":[{\"message\":{\"content\":\"<svg></svg>\"},\"finish_reason\":\"error\"}]}",
            LmdeployException.ServerError.class, "finish_reason \"error\""),
        Arguments.of("aborted finish", 200,
            "{\"choices\":[{\"message\":{\"content\":\"{}\"},\"finish_reason\":\"abort\"}]}",
            LmdeployException.ServerError.class, "finish_reason \"abort\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errorShapes")
  @Timeout(10)
  void mapsErrorToItsException(String shape, int status, String body, Class<? extends LmdeployException> type,
      String messagePart) {
    // OkHttp itself repeats a request answered 408 once, so a lasting 408 is two of them.
    if (status == 408) server.enqueue(json(status, body));
    LmdeployException e = failure(json(status, body), false);

    String baseUrl = server.url("/").toString().replaceAll("/$", "");
    assertThat(e).isInstanceOf(type).hasMessageContaining(messagePart).hasMessageContaining(baseUrl);
    assertThat(e.statusCode()).isEqualTo(status);
    assertThat(e.getMessage()).doesNotContain(KEY);
  }

  @Test
  @Timeout(10)
  void keepsBodyExcerptOfHtmlErrorPage() {
    LmdeployException e = failure(new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
        .body(fixture("bad-gateway.html") + "x".repeat(2000)).build(), true);

    assertThat(e).isInstanceOf(LmdeployException.ServerError.class);
    assertThat(e.bodyExcerpt()).startsWith("<html>").contains("502 Bad Gateway").hasSizeLessThan(310);
  }

  @Test
  @Timeout(10)
  void mapsStatusTheSameWhenStreaming() {
    LmdeployException e = failure(json(400, flatError(400,
        "Input length (20000) must be smaller than the model context length (16384).")), true);

    assertThat(e).isInstanceOf(LmdeployException.ContextTooLong.class);
  }

  @Test
  @Timeout(10)
  void redactsKeyEchoedByServer() {
    LmdeployException e = failure(json(401, flatError(401, "Invalid key " + KEY)), false);

    assertThat(e).isInstanceOf(LmdeployException.Unauthorized.class);
    assertThat(e.getMessage()).doesNotContain(KEY).contains("Invalid key ***");
    assertThat(e.bodyExcerpt()).doesNotContain(KEY);
  }

  @Test
  @Timeout(10)
  void saysWhenKeyIsMissing() {
    server.enqueue(json(401, flatError(401, "Unauthorized.")));
    client = LmdeployClient.builder().baseUrl(server.url("/").toString()).build();

    LmdeployException e = catchThrowableOfType(LmdeployException.class, () -> client.complete(REQUEST));

    assertThat(e).isInstanceOf(LmdeployException.Unauthorized.class).hasMessageContaining("none is set");
  }

  @Test
  @Timeout(20)
  void refusesBodyLargerThanCap() {
    String huge = "{\"choices\":[{\"message\":{\"content\":\"" + "a".repeat((int) ReplyReader.MAX_BODY_BYTES) + "\"}}]}";

    LmdeployException e = failure(json(200, huge), false);

    assertThat(e).isInstanceOf(LmdeployException.InvalidResponse.class).hasMessageContaining("larger than");
  }
}
