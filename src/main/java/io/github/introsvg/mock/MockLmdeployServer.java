package io.github.introsvg.mock;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for {@code lmdeploy serve api_server} (v0.16 wire format) on 127.0.0.1 that answers IntroSVG's
 * prompts with deterministic placeholder art and critiques; thread-safe, handles requests concurrently.
 */
public final class MockLmdeployServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MockLmdeployServer.class);
  private static final Duration PORT_RELEASE_WAIT = Duration.ofSeconds(2);
  private static final Duration PORT_RELEASE_POLL = Duration.ofMillis(5);

  static {
    // The JDK server writes headers and body separately; with Nagle on, the second small write waits for the
    // client's delayed ACK: 40 ms added to every reply. Read once, when the JDK's server config loads.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final String model;
  private final boolean keepLog;
  private final Builder config;
  private final BatchEngine engine; // null without a latency model
  private final MockHandler handler;
  private final List<Entry> recorded = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A finished request with its arrival number, so snapshots keep arrival order under concurrency. */
  private record Entry(long sequence, RecordedRequest request) {}

  private MockLmdeployServer(Builder builder) {
    this.model = builder.model;
    this.keepLog = builder.keepLog;
    this.config = builder.copy();
    AtomicInteger threads = new AtomicInteger();
    // Cached daemon threads: a benchmark may hold hundreds of slow (latency) requests in flight at once.
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "mock-lmdeploy-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), builder.port), 1024);
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("Couldn't bind the mock lmdeploy server to 127.0.0.1:" + builder.port, e);
    }
    server.setExecutor(executor);
    this.engine = builder.latencyModel == null ? null : new BatchEngine(builder.latencyModel, "mock-lmdeploy-engine");
    this.handler = new MockHandler(builder, engine, this::record);
    server.createContext("/", handler);
    server.start();
    log.info("Mock lmdeploy server serving '{}' at {}", model, baseUrl());
  }

  /** A builder with lmdeploy-like defaults: any free port, model "IntroSVG-Qwen2.5-VL-7B", no auth. */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** The port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The served model name: the only one {@code /v1/chat/completions} accepts. */
  public String model() {
    return model;
  }

  /** Every finished request so far (rejected ones included), in arrival order. */
  public List<RecordedRequest> requests() {
    List<Entry> copy;
    synchronized (recorded) {
      copy = new ArrayList<>(recorded);
    }
    copy.sort(Comparator.comparingLong(Entry::sequence));
    List<RecordedRequest> out = new ArrayList<>(copy.size());
    copy.forEach(e -> out.add(e.request()));
    return List.copyOf(out);
  }

  /** Forgets the requests recorded so far. */
  public void clearRequests() {
    synchronized (recorded) {
      recorded.clear();
    }
  }

  /** Stops listening, drops open connections and frees the port before it returns; calling it again does nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      // HttpServer.stop waits for its dispatcher to release the port, but gives up at once when the caller is
      // interrupted, before or during the call: a restart on the same port would then fail to bind. So the port is
      // waited for here, and the interrupt given back to the caller afterwards.
      boolean interrupted = Thread.interrupted();
      try {
        server.stop(0);
        interrupted |= Thread.interrupted();
        interrupted |= awaitReleased(server.getAddress());
      } finally {
        if (interrupted) Thread.currentThread().interrupt();
      }
      if (engine != null) {
        engine.close();
      }
      executor.shutdownNow();
      log.info("Mock lmdeploy server at 127.0.0.1:{} stopped", server.getAddress().getPort());
    }
  }

  /** Until {@code address} can be bound again, for up to 2 s; returns whether this thread was interrupted meanwhile. */
  private static boolean awaitReleased(InetSocketAddress address) {
    boolean interrupted = false;
    long deadline = System.nanoTime() + PORT_RELEASE_WAIT.toNanos();
    while (true) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true); // as HttpServer binds: connections in TIME_WAIT don't hold the port
        probe.bind(address);
        return interrupted;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) return interrupted;
        LockSupport.parkNanos(PORT_RELEASE_POLL.toNanos());
        interrupted |= Thread.interrupted(); // parkNanos returns at once while the flag is set
      }
    }
  }

  /** When the first chat completion request arrived, if one has: how long a client took to its first question. */
  public Optional<Instant> firstChatRequestAt() {
    return handler.firstChatRequestAt();
  }

  /** What the simulated batching engine has done so far; empty without {@link Builder#latencyModel}. */
  public Optional<EngineStats> engineStats() {
    return engine == null ? Optional.empty() : Optional.of(engine.stats());
  }

  /**
   * Simulates a server restart: closes this server (dropping open connections) and starts a new one with the
   * same configuration and seed on the same port, with an empty request log and arrival numbers from 0.
   *
   * @throws UncheckedIOException when the port can't be bound again
   */
  public MockLmdeployServer restart() {
    int samePort = port();
    close();
    return config.copy().port(samePort).start();
  }

  private void record(long sequence, RecordedRequest request) {
    if (!keepLog) return;
    synchronized (recorded) {
      recorded.add(new Entry(sequence, request));
    }
  }

  /** Configures and starts a {@link MockLmdeployServer}. */
  public static final class Builder {
    int port = 0;
    String model = "IntroSVG-Qwen2.5-VL-7B";
    List<String> apiKeys = List.of();
    long seed = 0L;
    Duration latency = Duration.ZERO;
    FaultPlan faults = FaultPlan.none();
    LatencyModel latencyModel; // null: answer at once (after latency)
    boolean keepLog = true;

    private Builder() {}

    private Builder copy() {
      Builder copy = new Builder();
      copy.port = port;
      copy.model = model;
      copy.apiKeys = apiKeys;
      copy.seed = seed;
      copy.latency = latency;
      copy.faults = faults;
      copy.latencyModel = latencyModel;
      copy.keepLog = keepLog;
      return copy;
    }

    /** The port to bind on 127.0.0.1; 0 (the default) picks any free port. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** The served model name, as lmdeploy's {@code --model-name}. */
    public Builder model(String servedName) {
      Objects.requireNonNull(servedName, "servedName == null");
      if (servedName.isBlank()) {
        throw new IllegalArgumentException("servedName is blank");
      }
      this.model = servedName;
      return this;
    }

    /** Keys accepted as {@code Authorization: Bearer <key>} on {@code /v1/*}; empty (the default) = no auth. */
    public Builder apiKeys(List<String> keys) {
      this.apiKeys = List.copyOf(Objects.requireNonNull(keys, "keys == null"));
      return this;
    }

    /** Seeds every answer; the same seed and request give the same reply. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Delay before each chat completion is answered (before the first byte when streaming); default zero. */
    public Builder latency(Duration perRequest) {
      Objects.requireNonNull(perRequest, "perRequest == null");
      if (perRequest.isNegative()) {
        throw new IllegalArgumentException("latency is negative: " + perRequest);
      }
      this.latency = perRequest;
      return this;
    }

    /**
     * Whether {@link #requests()} keeps every request (the default, for tests); a long run turns it off,
     * since the log holds every body, images included.
     */
    public Builder keepRequestLog(boolean keep) {
      this.keepLog = keep;
      return this;
    }

    /** Which requests get an injected fault instead of an answer; default none. */
    public Builder faults(FaultPlan plan) {
      this.faults = Objects.requireNonNull(plan, "plan == null");
      return this;
    }

    /**
     * Times chat completions with a simulated continuous-batching GPU (each server gets its own engine);
     * applied after {@link #latency}. Default none: answers come at once.
     */
    public Builder latencyModel(LatencyModel model) {
      this.latencyModel = Objects.requireNonNull(model, "model == null");
      return this;
    }

    /**
     * Binds and starts the server.
     *
     * @throws UncheckedIOException when the port can't be bound
     */
    public MockLmdeployServer start() {
      return new MockLmdeployServer(this);
    }
  }
}
