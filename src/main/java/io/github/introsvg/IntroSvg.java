package io.github.introsvg;

import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.Prompt;
import io.github.introsvg.batch.Shard;
import io.github.introsvg.internal.Defaults;
import io.github.introsvg.internal.batch.BatchRunner;
import io.github.introsvg.internal.batch.PromptCsv;
import io.github.introsvg.internal.lmdeploy.LmdeployClient;
import io.github.introsvg.internal.lmdeploy.ResilientChatClient;
import io.github.introsvg.internal.loop.RefinementLoop;
import io.github.introsvg.internal.loop.TurnJournal;
import io.github.introsvg.internal.render.BoundedRenderer;
import io.github.introsvg.internal.render.IsolatedRenderer;
import io.github.introsvg.internal.render.JsvgRenderer;
import io.github.introsvg.lmdeploy.ServerStatusListener;
import io.github.introsvg.lmdeploy.Sleeper;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.loop.TurnListener;
import io.github.introsvg.render.SvgRenderer;
import io.github.introsvg.report.IntrospectionGain;
import io.github.introsvg.report.LiveReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The library's front door: IntroSVG's generate -> render -> critique -> refine loop against one lmdeploy
 * server. Thread-safe; close it to release its connections.
 *
 * <pre>{@code
 * try (IntroSvg introSvg = IntroSvg.builder().server("http://gpu-host:23333").build()) {
 *   PromptResult icon = introSvg.generate("a red apple with a green leaf");
 *   Files.writeString(Path.of("apple.svg"), icon.kept().orElseThrow().svg());
 * }
 * }</pre>
 */
public final class IntroSvg implements AutoCloseable {

  /** lmdeploy's default port on this machine. */
  public static final String DEFAULT_SERVER = "http://127.0.0.1:23333";
  /** Prompts in flight at once, and the connection pool's size. */
  public static final int DEFAULT_CONCURRENCY = Defaults.MAX_CONNECTIONS;
  /** Give up connecting to a server after this long. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Defaults.CONNECT_TIMEOUT;
  /** Longest silence tolerated while a reply streams in. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Defaults.IDLE_TIMEOUT;
  /** Longest time one call may take in all. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Defaults.CALL_TIMEOUT;
  /** Tries per call, the first included, on transient failures. */
  public static final int DEFAULT_MAX_ATTEMPTS = Defaults.MAX_ATTEMPTS;
  /** The first wait before a retry; later waits grow from it. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Defaults.INITIAL_BACKOFF;
  /** The longest wait between two tries. */
  public static final Duration DEFAULT_MAX_BACKOFF = Defaults.MAX_BACKOFF;
  /** How long calls may keep failing, or wait for a server that is down or loading, before they give up. */
  public static final Duration DEFAULT_MAX_OUTAGE = Defaults.MAX_OUTAGE;
  /** Least time between two refreshes of a batch's {@code report.html}. */
  public static final Duration DEFAULT_REPORT_INTERVAL = Defaults.REPORT_INTERVAL;

  private final List<String> servers;
  private final ResilientChatClient resilient;
  private final SvgRenderer renderer;
  private final Optional<IsolatedRenderer> ownedRenderer; // the default one, which this instance must close
  private final LoopSettings settings;
  private final int concurrency;
  private final Clock clock;
  private final Map<String, String> runInfo;
  private final Duration reportInterval;
  private volatile RefinementLoop loop; // built on first use: finding the model asks the server
  private final Optional<String> configuredModel;
  private final AsyncPrompts async;
  private final TurnListener turnListener;

  private IntroSvg(Builder b) {
    this.servers = b.servers;
    this.concurrency = b.concurrency;
    this.settings = b.settings.toBuilder().policy(b.policy != null ? b.policy : b.settings.policy()).build();
    this.clock = b.clock;
    this.configuredModel = Optional.ofNullable(b.model);
    this.turnListener = b.turnListener;
    this.runInfo = new LinkedHashMap<>(b.runInfo);
    this.reportInterval = b.reportInterval;
    LmdeployClient.Builder client = LmdeployClient.builder()
        .maxConnections(b.concurrency)
        .streaming(b.streaming)
        .connectTimeout(b.connectTimeout)
        .idleTimeout(b.idleTimeout)
        .callTimeout(b.callTimeout);
    if (b.apiKey != null) client.apiKey(b.apiKey);
    // One client per server; a single URL (an api_server or lmdeploy's proxy) is the one-lane case.
    this.resilient = ResilientChatClient.builder(client, b.servers)
        .perServerCalls(b.perServerConcurrency)
        .maxAttempts(b.maxAttempts)
        .initialBackoff(b.initialBackoff)
        .maxBackoff(b.maxBackoff)
        .maxOutage(b.maxOutage)
        .trialCalls(b.concurrency) // after an outage, a restarted server gets every waiting prompt at once
        .listener(b.statusListener)
        .clock(b.clock)
        .sleeper(b.sleeper)
        .build();
    this.async = new AsyncPrompts(b.concurrency, resilient::cancel);
    // Starts no process: workers start on the first renders that need them.
    this.ownedRenderer = b.renderer == null ? Optional.of(IsolatedRenderer.create()) : Optional.empty();
    this.renderer = b.renderer == null ? ownedRenderer.get() : BoundedRenderer.perCore(b.renderer);
  }

  /** A builder with the {@code DEFAULT_*} settings above and {@link LoopSettings#defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The model name requests go to: the one configured, else the one the server serves; the first use asks the
   * server (and waits for it, up to the maximum outage).
   */
  public String model() {
    return loop().model();
  }

  /**
   * Runs the loop for one description on the calling thread; the prompt's id (which seeds its turns) is derived
   * from the text.
   *
   * @throws io.github.introsvg.loop.PromptInterruptedException when {@link #close()} stopped it
   */
  public PromptResult generate(String description) {
    return generate(idOf(description), description);
  }

  /** Runs the loop for one prompt with a caller-chosen id (the same id and text reproduce the same requests). */
  public PromptResult generate(String id, String description) {
    Objects.requireNonNull(id, "id == null");
    Objects.requireNonNull(description, "description == null");
    return loop().run(id, description, TurnJournal.NONE, () -> false, turnListener);
  }

  /**
   * Runs the loop for one description on this instance's own threads, at most the builder's concurrency at a
   * time (the rest queue). Cancelling the future stops the prompt: its HTTP call in flight is aborted and no
   * further turn is sent.
   */
  public CompletableFuture<PromptResult> generateAsync(String description) {
    return generateAsync(idOf(description), description);
  }

  /** As {@link #generateAsync(String)}, with a caller-chosen id. */
  public CompletableFuture<PromptResult> generateAsync(String id, String description) {
    Objects.requireNonNull(id, "id == null");
    Objects.requireNonNull(description, "description == null");
    return async.submit(stop -> loop().run(id, description, TurnJournal.NONE, stop, turnListener));
  }

  private static String idOf(String description) {
    Objects.requireNonNull(description, "description == null");
    return UUID.nameUUIDFromBytes(description.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /**
   * Runs every row of a prompts CSV ({@code id,desc}) into {@code outDir}, with at most the builder's
   * concurrency in flight; the CLI's {@code run} command is this method. {@code outDir/report.html} is refreshed
   * as prompts finish (see {@link Builder#reportInterval}) and written once more at the end. When {@code outDir} holds a journal of
   * the same run, it resumes: finished prompts are skipped and no answered turn is asked again.
   *
   * @throws io.github.introsvg.batch.ResumeConflictException when {@code outDir} holds a run with other settings
   * @throws io.github.introsvg.batch.BatchInterruptedException when the calling thread is interrupted
   */
  public BatchSummary runBatch(Path promptsCsv, Path outDir, BatchListener listener) {
    return runBatch(promptsCsv, outDir, listener, false);
  }

  /**
   * As {@link #runBatch(Path, Path, BatchListener)}; {@code startOver} moves an earlier run's files in
   * {@code outDir} (journal, results, outputs) to {@code outDir/previous-<time>/} and starts afresh.
   */
  public BatchSummary runBatch(Path promptsCsv, Path outDir, BatchListener listener, boolean startOver) {
    return runBatch(promptsCsv, outDir, listener, startOver, Shard.ALL);
  }

  /**
   * As {@link #runBatch(Path, Path, BatchListener, boolean)}, for the rows {@code shard} takes: N machines given
   * the same CSV and shards 1/N .. N/N, each with its own {@code outDir}, process every row exactly once in all.
   */
  public BatchSummary runBatch(Path promptsCsv, Path outDir, BatchListener listener, boolean startOver, Shard shard) {
    Objects.requireNonNull(promptsCsv, "promptsCsv == null");
    Objects.requireNonNull(shard, "shard == null");
    return runBatch(PromptCsv.read(promptsCsv).shard(shard), outDir, listener, startOver);
  }

  /**
   * As {@link #runBatch(Path, Path, BatchListener)}, for prompts from the application instead of a CSV: the same
   * checks per prompt (empty, duplicate or over-long ones are reported to {@code listener} and skipped), the same
   * output files and the same resume, as long as a resumed run is given the same prompts in the same order.
   */
  public BatchSummary runBatch(Iterable<Prompt> prompts, Path outDir, BatchListener listener) {
    return runBatch(PromptCsv.of(prompts), outDir, listener, false);
  }

  /** As {@link #runBatch(Iterable, Path, BatchListener)}, for a stream of prompts (read once, in order). */
  public BatchSummary runBatch(Stream<Prompt> prompts, Path outDir, BatchListener listener) {
    Objects.requireNonNull(prompts, "prompts == null");
    return runBatch(prompts::iterator, outDir, listener);
  }

  private BatchSummary runBatch(PromptCsv.Contents prompts, Path outDir, BatchListener listener, boolean startOver) {
    Supplier<Map<String, Object>> info = () -> {
      Map<String, Object> facts = new LinkedHashMap<>();
      facts.put("server", String.join(",", servers));
      facts.put("model", loop().model());
      facts.put("retries", resilient.retries());
      facts.put("outages", resilient.outages());
      facts.putAll(runInfo);
      facts.put("introspection", IntrospectionGain.of(outDir).summaryFields()); // read when results.jsonl is complete
      return facts;
    };
    // The loop (and so the model, which may wait for a loading server) is made once the run owns OUT.
    try (LiveReport report = new LiveReport(outDir, listener, reportInterval)) {
      return new BatchRunner(this::loop, concurrency, info, clock).run(prompts, outDir, report, startOver);
    }
  }

  private RefinementLoop loop() {
    RefinementLoop l = loop;
    if (l == null) {
      synchronized (this) {
        if (loop == null) {
          // Waited for like any call: the server may still be loading its weights.
          String model = resilient.discoverModel(configuredModel);
          loop = new RefinementLoop(resilient, renderer, model, settings, clock);
        }
        l = loop;
      }
    }
    return l;
  }

  /** Requests repeated after a transient failure so far (retries of every call through this instance). */
  public long retries() {
    return resilient.retries();
  }

  /**
   * Cancels every prompt in flight (asynchronous ones, and the calls of {@code generate} and {@code runBatch} on
   * other threads, which then end as interrupted), and releases connections, threads and render workers; returns
   * within about 2 s.
   */
  @Override
  public void close() {
    resilient.close(); // first: aborts every call in flight on every server, so the threads below finish promptly
    async.close();
    ownedRenderer.ifPresent(IsolatedRenderer::close);
  }

  /** Configures an {@link IntroSvg}; every setting has a default, the {@code DEFAULT_*} constants above. */
  public static final class Builder {
    private List<String> servers = List.of(DEFAULT_SERVER);
    private int perServerConcurrency = Integer.MAX_VALUE;
    private String model;
    private String apiKey;
    private int concurrency = DEFAULT_CONCURRENCY;
    private Policy policy;
    private LoopSettings settings = LoopSettings.defaults();
    private boolean streaming = true;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration maxOutage = DEFAULT_MAX_OUTAGE;
    private ServerStatusListener statusListener = new ServerStatusListener() {};
    private TurnListener turnListener = TurnListener.NONE;
    private SvgRenderer renderer;
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private final Map<String, String> runInfo = new LinkedHashMap<>();
    private Duration reportInterval = DEFAULT_REPORT_INTERVAL;

    private Builder() {}

    /** Base URL of lmdeploy's api_server (or its proxy); default {@value IntroSvg#DEFAULT_SERVER}. */
    public Builder server(String url) {
      return servers(List.of(Objects.requireNonNull(url, "url == null")));
    }

    /**
     * Several api_servers serving the same model (one per GPU or GPU group, or per host): each request goes to
     * the one with the fewest requests outstanding; each has its own circuit breaker, so a dead server is
     * routed around and probed back in. The first use checks that they all serve the same model.
     */
    public Builder servers(List<String> urls) {
      List<String> copy = List.copyOf(Objects.requireNonNull(urls, "urls == null"));
      if (copy.isEmpty()) throw new IllegalArgumentException("no server URL given");
      if (new HashSet<>(copy).size() != copy.size()) throw new IllegalArgumentException("a server URL is given twice: " + copy);
      this.servers = copy;
      return this;
    }

    /**
     * Requests in flight on one server at most (with {@link #servers}); default no limit beyond {@link
     * #concurrency}. Set it near the server's max batch size to keep a survivor from queueing every prompt when
     * the others are down.
     */
    public Builder perServerConcurrency(int calls) {
      if (calls < 1) throw new IllegalArgumentException("perServerConcurrency < 1: " + calls);
      this.perServerConcurrency = calls;
      return this;
    }

    /** The served model name; default: ask the server ({@code GET /v1/models}). */
    public Builder model(String model) {
      this.model = Objects.requireNonNull(model, "model == null");
      return this;
    }

    /** Sent as {@code Authorization: Bearer}; never logged. */
    public Builder apiKey(String apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey == null");
      return this;
    }

    /** Prompts in flight at once; also the connection pool's size. Default {@value IntroSvg#DEFAULT_CONCURRENCY}. */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) throw new IllegalArgumentException("concurrency < 1: " + concurrency);
      this.concurrency = concurrency;
      return this;
    }

    /** Shortcut for the policy of {@link #settings}; default {@link Policy#INTROSPECTIVE}. */
    public Builder policy(Policy policy) {
      this.policy = Objects.requireNonNull(policy, "policy == null");
      return this;
    }

    /** Rounds, stop score, attempts and sampling per role; default {@link LoopSettings#defaults()}. */
    public Builder settings(LoopSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings == null");
      return this;
    }

    /** Stream replies (SSE, the default) or wait for whole responses. */
    public Builder streaming(boolean streaming) {
      this.streaming = streaming;
      return this;
    }

    /** Give up connecting to a server after this long; default {@link IntroSvg#DEFAULT_CONNECT_TIMEOUT} (10 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "timeout == null");
      return this;
    }

    /** Longest silence tolerated while a reply streams in; default {@link IntroSvg#DEFAULT_IDLE_TIMEOUT} (120 s). */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = Objects.requireNonNull(timeout, "timeout == null");
      return this;
    }

    /** Longest time one call may take in all; default {@link IntroSvg#DEFAULT_CALL_TIMEOUT} (30 min). */
    public Builder callTimeout(Duration timeout) {
      this.callTimeout = Objects.requireNonNull(timeout, "timeout == null");
      return this;
    }

    /**
     * How often a call that failed transiently (5xx, 408/409/429, connection errors, errors inside a reply) is
     * tried in all, default {@value IntroSvg#DEFAULT_MAX_ATTEMPTS}; waits grow from {@code initialBackoff} (1 s) to
     * {@code maxBackoff} (30 s) with jitter, and honour {@code Retry-After}. 4xx errors are never retried.
     */
    public Builder retries(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
      if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts < 1: " + maxAttempts);
      this.maxAttempts = maxAttempts;
      this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff == null");
      this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff == null");
      return this;
    }

    /**
     * How long calls may keep failing, or wait for a server that is down or still loading, before they end with
     * {@code ServerUnavailable} (a batch then stops, resumable); default 30 min.
     */
    public Builder maxOutage(Duration maxOutage) {
      this.maxOutage = Objects.requireNonNull(maxOutage, "maxOutage == null");
      return this;
    }

    /**
     * Told of every turn of {@link #generate} and {@link #generateAsync} prompts (role, attempt, latency, tokens,
     * score) as it is decided; a batch's turns go to its {@code BatchListener}.
     */
    public Builder turnListener(TurnListener listener) {
      this.turnListener = Objects.requireNonNull(listener, "listener == null");
      return this;
    }

    /** Told when the server stops answering, about every 30 s while that lasts, and when it is back. */
    public Builder serverStatusListener(ServerStatusListener listener) {
      this.statusListener = Objects.requireNonNull(listener, "listener == null");
      return this;
    }

    /**
     * The SVG renderer. Default: a renderer that renders in worker processes (at most one per
     * core, started on the first renders that need them) so that a pathological SVG from the model costs at
     * most 5 s and a capped heap, never this JVM. A renderer given here runs at most one render per core at a
     * time. For rendering in this JVM, see {@link #renderInProcess()}.
     */
    public Builder renderer(SvgRenderer renderer) {
      this.renderer = Objects.requireNonNull(renderer, "renderer == null");
      return this;
    }

    /**
     * Renders in this JVM, for hosts that may not start processes. Still enforced: the 256 KiB input cap, no
     * external fetches, nesting and {@code <use>} limits, the embedded-image size cap, one render per core.
     * Not bounded: a render's time and heap, so a pathological SVG from the model can take seconds of a core and
     * this JVM's heap (docs/library.md, docs/rendering.md).
     */
    public Builder renderInProcess() {
      return renderer(new JsvgRenderer());
    }

    /**
     * The time of the run's records, and what outages are measured on ({@link #maxOutage}, retry backoff, how long
     * a server's breaker stays open, when it is probed); default the system's. Tests pass one with {@link #sleeper}.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock == null");
      return this;
    }

    /** What waits between tries and between probes of a server that is down; default {@link Sleeper#SYSTEM}. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper == null");
      return this;
    }

    /** An extra fact recorded in {@code summary.json} (e.g. {@code "server_kind": "mock"}). */
    public Builder runInfo(String key, String value) {
      runInfo.put(Objects.requireNonNull(key, "key == null"), Objects.requireNonNull(value, "value == null"));
      return this;
    }

    /**
     * Least time between two refreshes of {@code OUT/report.html} while a batch runs; default {@link
     * IntroSvg#DEFAULT_REPORT_INTERVAL}. A refresh also waits 20 times as long as the last one took.
     */
    public Builder reportInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval == null");
      if (interval.isNegative()) throw new IllegalArgumentException("interval < 0: " + interval);
      this.reportInterval = interval;
      return this;
    }

    /** Builds the client; connects to no server and starts no process until the first prompt. */
    public IntroSvg build() {
      return new IntroSvg(this);
    }
  }
}
