package io.github.introsvg.internal.lmdeploy;

import io.github.introsvg.internal.Defaults;
import io.github.introsvg.internal.GapTimer;
import io.github.introsvg.lmdeploy.LmdeployException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chat completions against one {@code lmdeploy serve api_server} (or its proxy) over its OpenAI-compatible
 * HTTP API; thread-safe, one connection pool per instance. See docs/lmdeploy-client.md.
 */
public final class LmdeployClient implements ChatClient, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LmdeployClient.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  /** Idle connections are dropped before lmdeploy's 5 s keep-alive ends: a stale reused one fails a POST. */
  static final long POOL_KEEP_ALIVE_SECONDS = 4;

  private final String baseUrl;
  private final String apiKey; // null when none
  private final boolean streaming;
  private final Duration connectTimeout;
  private final OkHttpClient http;
  private final HttpUrl chatUrl;
  private final HttpUrl modelsUrl;
  private final HttpUrl healthUrl;
  private final Failures failures;
  private final ReplyReader reader;
  /** Set once the server answers in HTTP/1.0 without keep-alive: it closes each connection after its reply. */
  private volatile boolean oneRequestPerConnection;
  private final AtomicBoolean staleConnectionsDropped = new AtomicBoolean();
  /** The call each thread is making, so that a cancelled prompt (or close()) can abort it mid-read. */
  private final Map<Thread, Call> inFlight = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private LmdeployClient(Builder b) {
    this.baseUrl = b.baseUrl;
    this.apiKey = b.apiKey;
    this.streaming = b.streaming;
    this.connectTimeout = b.connectTimeout;
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(b.maxConnections);
    dispatcher.setMaxRequestsPerHost(b.maxConnections);
    OkHttpClient.Builder http = new OkHttpClient.Builder();
    // A plain-http server (lmdeploy's own default) needs no TLS: without it OkHttp skips loading the JDK's
    // trust store and TLS classes, a few hundred milliseconds before the first request.
    if (HttpUrl.get(b.baseUrl).scheme().equals("http")) http.connectionSpecs(List.of(ConnectionSpec.CLEARTEXT));
    this.http = http
        .connectionPool(new ConnectionPool(b.maxConnections, POOL_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS))
        .dispatcher(dispatcher)
        .socketFactory(new NoDelaySocketFactory())
        // Every retry is ResilientChatClient's, counted and bounded: OkHttp must not repeat a POST on its own.
        .retryOnConnectionFailure(false)
        .addInterceptor(this::closingConnectionsOfHttp10Servers)
        .connectTimeout(b.connectTimeout)
        .readTimeout(b.idleTimeout)
        .writeTimeout(b.idleTimeout)
        .callTimeout(b.callTimeout)
        .build();
    this.chatUrl = HttpUrl.get(baseUrl + "/v1/chat/completions");
    this.modelsUrl = HttpUrl.get(baseUrl + "/v1/models");
    this.healthUrl = HttpUrl.get(baseUrl + "/health");
    this.failures = new Failures(baseUrl, apiKey, b.idleTimeout, b.callTimeout, this::servedModelsQuietly);
    this.reader = new ReplyReader(failures);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The served model names ({@code GET /v1/models}, {@code data[].id}), de-duplicated in order. */
  public List<String> models() {
    Request request = authorized(new Request.Builder().url(modelsUrl).get()).build();
    boolean replyStarted = false;
    Call call = started(http.newCall(request));
    try (Response response = call.execute()) {
      replyStarted = true;
      BufferedSource source = ReplyReader.capped(response.body().source());
      if (!response.isSuccessful()) throw failures.forStatus(response.code(), ReplyReader.readErrorBody(source), null);
      return reader.models(source.readByteArray());
    } catch (ReplyReader.BodyTooLarge e) {
      throw failures.invalid("a model list larger than " + ReplyReader.MAX_BODY_BYTES + " bytes", 200, null);
    } catch (IOException e) {
      throw failures.io(e, replyStarted, call.isCanceled());
    } finally {
      inFlight.remove(Thread.currentThread(), call);
    }
  }

  /**
   * Registers {@code call} as the current thread's, so {@link #cancel(Thread)} can abort it; an interrupt that came
   * before the registration cancels it at once (a blocked socket read never sees an interrupt).
   */
  private Call started(Call call) {
    if (closed) call.cancel();
    inFlight.put(Thread.currentThread(), call);
    if (Thread.currentThread().isInterrupted()) call.cancel();
    return call;
  }

  /** Aborts the call {@code thread} is making, if any: it then fails with {@link LmdeployException.Interrupted}. */
  public void cancel(Thread thread) {
    Call call = inFlight.get(thread);
    if (call != null) call.cancel();
  }

  /**
   * The model to send requests to, checked against what the server serves.
   *
   * @param wanted the model the user named; empty to take the one the server serves
   * @throws LmdeployException.ServerError when the server lists no model yet (a proxy without nodes, a server
   *     still registering): worth waiting for
   * @throws LmdeployException.UnknownModel when it does not serve {@code wanted}, or serves several models and
   *     none was named
   */
  public String resolveModel(Optional<String> wanted) {
    List<String> models = models();
    if (models.isEmpty()) {
      throw new LmdeployException.ServerError("lmdeploy at " + baseUrl + " lists no model yet (GET /v1/models)", 200, "");
    }
    if (wanted.isPresent()) {
      if (models.contains(wanted.get())) return wanted.get();
      throw new LmdeployException.UnknownModel("lmdeploy at " + baseUrl + " does not serve model \"" + wanted.get()
          + "\"; it serves " + models, 404, String.join(", ", models));
    }
    if (models.size() == 1) return models.get(0);
    throw new LmdeployException.UnknownModel("lmdeploy at " + baseUrl + " serves several models " + models
        + "; name one explicitly", 200, String.join(", ", models));
  }

  /** True when {@code GET /health} answers 200 (it needs no key); false on any other status or failure. */
  public boolean healthy() {
    return healthStatus() == 200;
  }

  /** The status {@code GET /health} answers, or -1 when it fails; quick even with a long call timeout. */
  int healthStatus() {
    return quickStatus(new Request.Builder().url(healthUrl).get().build());
  }

  /** The status {@code GET /v1/models} answers (with the key), or -1 when it fails; the proxy's health check. */
  int modelsStatus() {
    return quickStatus(authorized(new Request.Builder().url(modelsUrl).get()).build());
  }

  private int quickStatus(Request request) {
    Call call = http.newCall(request);
    // A health check must answer quickly even if the long call timeout for completions is configured.
    call.timeout().timeout(connectTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
    try (Response response = call.execute()) {
      return response.code();
    } catch (IOException | RuntimeException e) {
      log.debug("health check {} of {} failed: {}", request.url().encodedPath(), baseUrl, e.toString());
      return -1;
    }
  }

  /** The base URL as configured, without a trailing '/'. */
  String baseUrl() {
    return baseUrl;
  }

  @Override
  public ChatReply complete(ChatRequest request) {
    Objects.requireNonNull(request, "request == null");
    long encoding = System.nanoTime();
    byte[] body = ChatBodies.chatCompletion(request, streaming);
    GapTimer.spent(GapTimer.Part.ENCODE, System.nanoTime() - encoding);
    Request.Builder builder = new Request.Builder().url(chatUrl).post(RequestBody.create(body, JSON));
    if (streaming) builder.header("Accept", "text/event-stream");
    Request httpRequest = authorized(builder).build();
    log.debug("POST {} model={} image={} textChars={} maxTokens={} stream={}", chatUrl, request.model(),
        request.pngBase64().isPresent(), request.text().length(), request.sampling().maxTokens(), streaming);

    long start = System.nanoTime();
    boolean replyStarted = false;
    Call call = started(http.newCall(httpRequest));
    GapTimer.requestSending();
    try (Response response = call.execute()) {
      replyStarted = true;
      BufferedSource source = ReplyReader.capped(response.body().source());
      if (!response.isSuccessful()) {
        byte[] errorBody = ReplyReader.readErrorBody(source);
        log.debug("lmdeploy answered HTTP {}: {}", response.code(), failures.excerpt(errorBody));
        throw failures.forStatus(response.code(), errorBody, request.model(), response.header("Retry-After"));
      }
      ReplyReader.Reply reply = streaming
          ? reader.stream(source, request.model())
          : reader.completion(source.readByteArray(), request.model());
      GapTimer.replyArrived();
      Duration latency = Duration.ofNanos(System.nanoTime() - start);
      log.debug("reply model={} finish={} promptTokens={} completionTokens={} chars={} latency={}ms", request.model(),
          reply.finishReason(), reply.usage().promptTokens(), reply.usage().completionTokens(), reply.content().length(),
          latency.toMillis());
      return new ChatReply(reply.content(), reply.finishReason(), reply.usage(), latency);
    } catch (ReplyReader.BodyTooLarge e) {
      throw failures.invalid("a reply larger than " + ReplyReader.MAX_BODY_BYTES + " bytes", 200, null);
    } catch (IOException e) {
      throw failures.io(e, replyStarted, call.isCanceled());
    } finally {
      inFlight.remove(Thread.currentThread(), call);
    }
  }

  /** Aborts every call in flight (they fail with {@code Interrupted}), refuses new ones, drops pooled connections. */
  @Override
  public void close() {
    closed = true;
    inFlight.values().forEach(Call::cancel);
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /**
   * A server that answers in HTTP/1.0 (Python's http.server, some proxies) closes the connection after each
   * reply without sending {@code Connection: close}, and OkHttp would pool that connection and send the next
   * request on a dead socket: a failed turn and a retry every time. Once such a reply is seen, every request
   * asks for {@code Connection: close}, which keeps its connection out of the pool, and the connections already
   * pooled are dropped.
   */
  private Response closingConnectionsOfHttp10Servers(Interceptor.Chain chain) throws IOException {
    Request request = chain.request();
    if (oneRequestPerConnection) {
      if (staleConnectionsDropped.compareAndSet(false, true)) http.connectionPool().evictAll();
      request = request.newBuilder().header("Connection", "close").build();
    }
    Response response = chain.proceed(request);
    if (response.protocol() == Protocol.HTTP_1_0 && !"keep-alive".equalsIgnoreCase(response.header("Connection"))
        && !oneRequestPerConnection) {
      log.debug("{} answers in HTTP/1.0 without keep-alive: one request per connection from now on", baseUrl);
      oneRequestPerConnection = true;
    }
    return response;
  }

  @Override
  public String toString() {
    return "LmdeployClient{" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "set") + ", streaming=" + streaming + "}";
  }

  private Request.Builder authorized(Request.Builder builder) {
    return apiKey == null ? builder : builder.header("Authorization", "Bearer " + apiKey);
  }

  /** For a 404's message; never fails. */
  private Optional<List<String>> servedModelsQuietly(String requestedModel) {
    try {
      return Optional.of(models());
    } catch (LmdeployException e) {
      log.debug("could not list the models of {}: {}", baseUrl, e.getMessage());
      return Optional.empty();
    }
  }

  // From internal.Defaults, the one home of every default.
  public static final int DEFAULT_MAX_CONNECTIONS = Defaults.MAX_CONNECTIONS;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Defaults.CONNECT_TIMEOUT;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Defaults.IDLE_TIMEOUT;
  public static final Duration DEFAULT_CALL_TIMEOUT = Defaults.CALL_TIMEOUT;

  /** Configures a client; only {@link #baseUrl} is required. */
  public static final class Builder {
    private String baseUrl;
    private String apiKey;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private boolean streaming = true;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;

    private Builder() {}

    /** The server's root, e.g. {@code http://127.0.0.1:23333}; a trailing '/' is dropped. */
    public Builder baseUrl(String url) {
      Objects.requireNonNull(url, "url == null");
      String trimmed = url.strip();
      while (trimmed.endsWith("/")) trimmed = trimmed.substring(0, trimmed.length() - 1);
      HttpUrl parsed = HttpUrl.parse(trimmed);
      if (parsed == null) {
        throw new IllegalArgumentException("Not an http(s) URL for lmdeploy: \"" + url + "\" (expected e.g. http://127.0.0.1:23333)");
      }
      if (parsed.query() != null || parsed.fragment() != null) {
        throw new IllegalArgumentException("The lmdeploy URL must not have a query or fragment: \"" + url + "\"");
      }
      this.baseUrl = trimmed;
      return this;
    }

    /** Sent as {@code Authorization: Bearer <key>}; null or blank means none. */
    public Builder apiKey(String key) {
      this.apiKey = key == null || key.isBlank() ? null : key.strip();
      return this;
    }

    /** The expected number of concurrent calls: the connection pool and dispatcher are sized to it. */
    public Builder maxConnections(int n) {
      if (n < 1) throw new IllegalArgumentException("maxConnections < 1: " + n);
      this.maxConnections = n;
      return this;
    }

    /** Whether replies are streamed (SSE, the default) or come as one JSON body. */
    public Builder streaming(boolean streaming) {
      this.streaming = streaming;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** The longest silence allowed while waiting for the reply's first byte or between stream chunks. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idleTimeout");
      return this;
    }

    /** The longest a whole call may take; zero for no limit. */
    public Builder callTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout == null");
      if (timeout.isNegative()) throw new IllegalArgumentException("callTimeout < 0: " + timeout);
      this.callTimeout = timeout;
      return this;
    }

    public LmdeployClient build() {
      if (baseUrl == null) throw new IllegalStateException("baseUrl is required");
      return new LmdeployClient(this);
    }

    /** A client for {@code url} with these settings; this builder's own base URL stays as it was. */
    LmdeployClient buildFor(String url) {
      String own = baseUrl;
      try {
        return baseUrl(url).build();
      } finally {
        baseUrl = own;
      }
    }

    private static Duration positive(Duration timeout, String name) {
      Objects.requireNonNull(timeout, "timeout == null");
      if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException(name + " <= 0: " + timeout);
      return timeout;
    }
  }
}
