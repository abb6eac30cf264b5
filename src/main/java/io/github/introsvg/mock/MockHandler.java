package io.github.introsvg.mock;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.github.introsvg.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes, authenticates, validates and answers every request; records each with the status it sent. */
final class MockHandler implements HttpHandler {

  /** Bodies above this are refused with 413: a critique with a 200x200 PNG is a few tens of kilobytes. */
  static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
  /** How much of an oversized body is read and dropped so the client can see the 413 before we close. */
  private static final long MAX_DRAIN_BYTES = 64L * 1024 * 1024;
  /** Tokens Qwen2.5-VL spends on a 200x200 image: 49 patches plus 2 markers. */
  static final int IMAGE_TOKENS = 51;

  interface Recorder {
    void record(long sequence, RecordedRequest request);
  }

  private static final Logger log = LoggerFactory.getLogger(MockHandler.class);
  private static final String CHAT_PATH = "/v1/chat/completions";

  private final ObjectMapper json = Json.MAPPER;
  private final AtomicLong sequence = new AtomicLong();
  private final String model;
  private final List<String> apiKeys;
  private final Duration latency;
  private final FaultPlan faults;
  private final MockModel mockModel;
  private final Recorder recorder;
  private final LatencyModel latencyModel; // null without one
  private final BatchEngine engine; // null without a latency model
  private final long createdAt = System.currentTimeMillis() / 1000;
  private final AtomicReference<Instant> firstChatRequest = new AtomicReference<>();

  MockHandler(MockLmdeployServer.Builder builder, BatchEngine engine, Recorder recorder) {
    this.model = builder.model;
    this.apiKeys = builder.apiKeys;
    this.latency = builder.latency;
    this.faults = builder.faults;
    this.mockModel = new MockModel(json, builder.seed);
    this.recorder = recorder;
    this.latencyModel = builder.latencyModel;
    this.engine = engine;
  }

  /** When the first chat completion request arrived (its headers were read), if one has. */
  Optional<Instant> firstChatRequestAt() {
    return Optional.ofNullable(firstChatRequest.get());
  }

  @Override
  public void handle(HttpExchange exchange) {
    long seq = sequence.getAndIncrement();
    String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    String path = exchange.getRequestURI().getPath();
    log.debug("request #{} {} {} arrived", seq, method, path);
    if (path.equals(CHAT_PATH) && firstChatRequest.get() == null) firstChatRequest.compareAndSet(null, Instant.now());
    Map<String, String> headers = new LinkedHashMap<>();
    exchange.getRequestHeaders().forEach((name, values) ->
        headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
    RecordedRequest request = new RecordedRequest(method, path, headers, "", 0);
    Response response = new Response(exchange, method, seq, request);
    try {
      byte[] body = readBody(exchange.getRequestBody());
      if (body == null) {
        response.error(413, "Request body is larger than " + MAX_BODY_BYTES + " bytes.");
        return;
      }
      request = new RecordedRequest(method, path, headers, new String(body, StandardCharsets.UTF_8), 0);
      response.request = request;
      Optional<Fault> fault = faults.faultFor(request, seq);
      if (fault.isPresent() && injectBeforeRouting(fault.get(), response)) {
        return;
      }
      route(request, seq, response, fault);
    } catch (RejectedRequest e) {
      response.error(e.status(), e.getMessage());
    } catch (IOException e) {
      log.debug("Mock request #{} {} {}: connection failed: {}", seq, method, path, e.toString());
    } catch (RuntimeException e) {
      log.warn("Mock request #{} {} {} failed", seq, method, path, e);
      if (!response.started()) {
        response.error(500, "Internal error in the mock server.");
      }
    } finally {
      exchange.close();
      response.recordOnce(); // a request whose connection failed before any status was sent
    }
  }

  private void route(RecordedRequest request, long seq, Response response, Optional<Fault> fault)
      throws IOException {
    String path = request.path();
    if (path.equals("/health")) {
      requireMethod(request, "GET");
      response.json(200, json.createObjectNode().put("status", "healthy"));
      return;
    }
    if (!path.startsWith("/v1/")) {
      throw new RejectedRequest(404, "Not Found: " + path);
    }
    if (!apiKeys.isEmpty() && !authorised(request.header("authorization"))) {
      throw new RejectedRequest(401, "Unauthorized.");
    }
    switch (path) {
      case "/v1/models" -> {
        requireMethod(request, "GET");
        response.json(200, models());
      }
      case CHAT_PATH -> {
        requireMethod(request, "POST");
        chat(ChatCall.parse(json, request.body(), model), seq, response, fault);
      }
      default -> throw new RejectedRequest(404, "Not Found: " + path);
    }
  }

  private boolean authorised(String header) {
    return header != null && apiKeys.stream().anyMatch(key -> header.equals("Bearer " + key));
  }

  private static void requireMethod(RecordedRequest request, String method) {
    // HEAD is GET without a body, as uvicorn treats it for probes.
    boolean headForGet = method.equals("GET") && request.method().equals("HEAD");
    if (!request.method().equals(method) && !headForGet) {
      throw new RejectedRequest(405, "Method Not Allowed");
    }
  }

  private ObjectNode models() {
    ObjectNode root = json.createObjectNode().put("object", "list");
    ObjectNode card = root.putArray("data").addObject();
    card.put("id", model).put("object", "model").put("created", createdAt).put("owned_by", "lmdeploy")
        .put("root", model).putNull("parent");
    card.putArray("permission");
    return root;
  }

  /**
   * Answers a valid chat completion, injecting {@code fault} when it is one that shapes the reply itself.
   * The reply never depends on the fault plan, so a retried request gets what an unfaulted one would have.
   */
  private void chat(ChatCall call, long seq, Response response, Optional<Fault> fault) throws IOException {
    if (!latency.isZero() && !sleep(latency)) {
      return; // the server is closing: drop the connection without an answer
    }
    Fault injected = fault.orElse(null);
    if (injected instanceof Fault.MalformedCritique && !mockModel.isCritique(call)) {
      injected = null; // only a critique can be malformed JSON; the rest answer normally, unrecorded
    }
    if (injected instanceof Fault.MidStreamError && !call.stream()) {
      response.inject(injected);
      response.error(500, "Injected fault: engine error.");
      return;
    }
    if (injected != null) {
      response.inject(injected);
    }
    String full = injected instanceof Fault.MalformedCritique
        ? mockModel.malformedCritique(call) : mockModel.reply(call);
    int limit = call.maxTokens().orElse(Integer.MAX_VALUE);
    String content = full;
    String finish = "stop";
    if (tokens(full.length()) > limit) {
      content = cut(full, (int) Math.min(full.length(), 4L * limit));
      finish = "length";
    }
    if (injected instanceof Fault.Truncated) {
      content = cut(content, (int) (content.length() * 0.4));
      finish = "length";
    }
    int promptTokens = tokens(call.promptChars()) + IMAGE_TOKENS * call.imageCount();
    int completionTokens = Math.min(tokens(content.length()), limit);
    if (engine != null) {
      // The content stays the mock's own; the drawn length sets the usage and the simulated decode time.
      int drawn = Math.min(latencyModel.replyTokens(MockModel.role(call), Hashing.of(response.request.body())), limit);
      if (injected instanceof Fault.Truncated) {
        drawn = Math.max(1, (int) (drawn * 0.4));
      } else if (injected instanceof Fault.MidStreamError) {
        drawn = Math.max(1, drawn / 2);
      }
      completionTokens = drawn;
      try {
        if (!engine.run(promptTokens, drawn)) {
          return; // the server is closing
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    ObjectNode usage = json.createObjectNode().put("prompt_tokens", promptTokens)
        .put("total_tokens", promptTokens + completionTokens).put("completion_tokens", completionTokens);
    String id = "chatcmpl-" + seq;
    long created = System.currentTimeMillis() / 1000;
    if (!call.stream()) {
      ObjectNode root = head(id, "chat.completion", created);
      ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
      choice.putObject("message").put("role", "assistant").put("content", content);
      choice.putNull("logprobs");
      choice.put("finish_reason", finish);
      root.set("usage", usage);
      response.json(200, root);
      return;
    }
    OutputStream out = response.startEventStream();
    List<String> pieces = split(content, Hashing.random(seq, Hashing.of(content)));
    // lmdeploy may send empty-content chunks; the first one here is one, so clients must cope.
    send(out, chunk(id, created, "", null));
    if (injected instanceof Fault.MidStreamError) {
      for (int i = 0; i < pieces.size() / 2; i++) {
        send(out, chunk(id, created, pieces.get(i), null));
      }
      // What lmdeploy's api_server yields when the engine fails mid-generation; then the stream just ends.
      ObjectNode error = json.createObjectNode();
      error.putObject("error").put("message", "engine error").put("type", "internal_error").put("code", 500);
      send(out, json.writeValueAsString(error));
      return;
    }
    for (int i = 0; i < pieces.size(); i++) {
      send(out, chunk(id, created, pieces.get(i), i == pieces.size() - 1 ? finish : null));
    }
    if (pieces.isEmpty()) {
      send(out, chunk(id, created, "", finish));
    }
    if (call.includeUsage()) {
      ObjectNode last = head(id, "chat.completion.chunk", created);
      last.putArray("choices");
      last.set("usage", usage);
      send(out, json.writeValueAsString(last));
    }
    send(out, "[DONE]");
  }

  private ObjectNode head(String id, String object, long created) {
    return json.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model);
  }

  private String chunk(String id, long created, String content, String finish) throws IOException {
    ObjectNode root = head(id, "chat.completion.chunk", created);
    ArrayNode choices = root.putArray("choices");
    ObjectNode choice = choices.addObject().put("index", 0);
    choice.putObject("delta").put("role", "assistant").put("content", content);
    choice.putNull("logprobs");
    choice.put("finish_reason", finish);
    return json.writeValueAsString(root);
  }

  private static void send(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Cuts {@code content} into pieces of 8..40 characters, never between a surrogate pair. */
  private static List<String> split(String content, SplittableRandom random) {
    List<String> pieces = new java.util.ArrayList<>();
    int start = 0;
    while (start < content.length()) {
      int end = Math.min(content.length(), start + 8 + random.nextInt(33));
      if (end < content.length() && Character.isHighSurrogate(content.charAt(end - 1))) {
        end++;
      }
      pieces.add(content.substring(start, end));
      start = end;
    }
    return pieces;
  }

  /** The first {@code length} characters of {@code text}, never ending inside a surrogate pair. */
  private static String cut(String text, int length) {
    int end = length;
    if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  /**
   * Injects a fault that happens before the request reaches the model (so before auth and validation, as a
   * crashed engine or a proxy would); returns false for faults that shape a valid chat reply instead.
   */
  private boolean injectBeforeRouting(Fault fault, Response response) throws IOException {
    if (fault instanceof Fault.HttpError error) {
      response.inject(fault);
      response.error(error.status(), "Injected fault: HTTP " + error.status() + ".");
      return true;
    }
    if (fault instanceof Fault.ConnectionReset) {
      response.inject(fault);
      response.abort();
      return true;
    }
    if (fault instanceof Fault.Stall stall) {
      response.inject(fault);
      response.recordOnce(); // before the silence, so a client that timed out finds it in the log
      sleep(stall.silence());
      response.abort();
      return true;
    }
    if (fault instanceof Fault.ProxyError) {
      response.inject(fault);
      // lmdeploy's proxy_server answers its own request timeout with 200 and this body.
      response.json(200, json.createObjectNode().put("error_code", 10402).put("text", "Request timed out"));
      return true;
    }
    return false;
  }

  /** Sleeps; false when interrupted, which means the server is closing. */
  private static boolean sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** About one token per four characters, as for English text and SVG markup. */
  static int tokens(long chars) {
    return (int) Math.min(Integer.MAX_VALUE, (chars + 3) / 4);
  }

  /** The body, or null when it exceeds {@link #MAX_BODY_BYTES} (the excess is drained, within reason). */
  private static byte[] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length <= MAX_BODY_BYTES) {
      return body;
    }
    long drained = 0;
    byte[] sink = new byte[64 * 1024];
    int n;
    while (drained < MAX_DRAIN_BYTES && (n = in.read(sink)) > 0) {
      drained += n;
    }
    return null;
  }

  /**
   * One exchange's response: records the request with its status as the status is sent, before the body,
   * so a client that has read a reply always finds its request in the log.
   */
  private final class Response {
    private final HttpExchange exchange;
    private final boolean head;
    private final long sequence;
    private RecordedRequest request;
    private int status;
    private boolean recorded;
    private boolean aborted;

    Response(HttpExchange exchange, String method, long sequence, RecordedRequest request) {
      this.exchange = exchange;
      this.head = method.equals("HEAD");
      this.sequence = sequence;
      this.request = request;
    }

    void recordOnce() {
      if (!recorded) {
        recorded = true;
        recorder.record(sequence, request.withStatus(status));
      }
    }

    boolean started() {
      return status != 0 || aborted;
    }

    void inject(Fault fault) {
      request = request.withFault(fault);
    }

    /** Records the request with no status, then closes the connection without sending a byte. */
    void abort() {
      aborted = true;
      recordOnce();
      // Closing an exchange whose headers were never sent closes its connection: the client reads EOF.
      exchange.close();
    }

    int status() {
      return status;
    }

    /** lmdeploy v0.16's flat error body. */
    void error(int code, String message) {
      ObjectNode body = json.createObjectNode().put("message", message).put("type", "invalid_request_error")
          .put("code", code).putNull("param").put("object", "error");
      try {
        json(code, body);
      } catch (IOException e) {
        log.debug("Couldn't send error {}: {}", code, e.toString());
      }
    }

    void json(int code, ObjectNode body) throws IOException {
      byte[] bytes = json.writeValueAsBytes(body);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      status = code;
      recordOnce();
      if (head) {
        exchange.sendResponseHeaders(code, -1);
        return;
      }
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }

    OutputStream startEventStream() throws IOException {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      status = 200;
      recordOnce();
      exchange.sendResponseHeaders(200, 0);
      return exchange.getResponseBody();
    }
  }
}
