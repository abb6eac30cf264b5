package io.github.introsvg.cli;

import io.github.introsvg.IntroSvg;
import io.github.introsvg.internal.Durations;
import io.github.introsvg.internal.lmdeploy.ApiKeys;
import io.github.introsvg.lmdeploy.ServerStatusListener;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.mock.LatencyModel;
import io.github.introsvg.mock.MockLmdeployServer;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** Where the model runs and how the loop behaves; shared by {@code run} and {@code generate}. */
final class ServerOptions {

  @Option(names = "--server", paramLabel = "URL", split = ",",
      description = "lmdeploy api_server (or proxy) base URL; repeat it (or separate URLs with commas) to balance over"
          + " several servers of the same model. Default: $INTROSVG_SERVER (a URL or a comma list), else "
          + IntroSvg.DEFAULT_SERVER + ".")
  List<String> server;

  @Option(names = "--per-server-concurrency", paramLabel = "N",
      description = "With several servers: requests in flight on one server at most, e.g. its --max-batch-size."
          + " Default: no limit beyond --concurrency.")
  Integer perServerConcurrency;

  @Option(names = "--mock-servers", paramLabel = "N", defaultValue = "1",
      description = "With --mock: start N mock servers and balance over them, as over N GPUs. Default: ${DEFAULT-VALUE}.")
  int mockServers;

  @Option(names = "--model", paramLabel = "NAME", description = "Served model name. Default: the one the server lists.")
  String model;

  @Option(names = "--api-key-file", paramLabel = "FILE",
      description = "File holding the server's API key. Default: $INTROSVG_API_KEY, else no key.")
  Path apiKeyFile;

  @Option(names = "--mock",
      description = "Start the built-in mock server in-process: runs the real pipeline without a GPU, with placeholder art.")
  boolean mock;

  @Option(names = "--mock-faults", paramLabel = "SPEC",
      description = "With --mock: inject faults, as mock-server --faults (e.g. 0.1, or 0.3:500,reset,proxy).")
  String mockFaults;

  @Option(names = "--no-stream", description = "Wait for whole replies instead of streaming them (SSE).")
  boolean noStream;

  @Option(names = "--render-in-process", negatable = true,
      description = "Render in this JVM instead of in worker processes, for hosts that may not start processes; a"
          + " pathological SVG then costs this JVM's time and heap (docs/library.md). Default: $INTROSVG_RENDER_IN_PROCESS"
          + " (true or false), else false.")
  Boolean renderInProcess;

  // Defaults are the library's (IntroSvg's and LoopSettings' constants): picocli shows a field's initial value as
  // ${DEFAULT-VALUE}, so the help can't drift from the builder.
  @Option(names = "--policy", paramLabel = "POLICY",
      description = "introspective (stop when satisfied, keep the best) or reference (3 rounds, keep the last). Default: ${DEFAULT-VALUE}.")
  Policy policy = LoopSettings.DEFAULT_POLICY;

  @Option(names = "--rounds", paramLabel = "N", description = "Critique-refine rounds at most. Default: ${DEFAULT-VALUE}.")
  int rounds = LoopSettings.DEFAULT_ROUNDS;

  @Option(names = "--stop-score", paramLabel = "S",
      description = "introspective stops at a critique scoring at least S (0-10). Default: ${DEFAULT-VALUE}.")
  double stopScore = LoopSettings.DEFAULT_STOP_SCORE;

  @Option(names = "--connect-timeout", paramLabel = "SECONDS",
      description = "Give up connecting after this long. Default: ${DEFAULT-VALUE}.")
  long connectTimeout = IntroSvg.DEFAULT_CONNECT_TIMEOUT.toSeconds();

  @Option(names = "--idle-timeout", paramLabel = "SECONDS",
      description = "Longest silence while a reply streams in. Default: ${DEFAULT-VALUE}.")
  long idleTimeout = IntroSvg.DEFAULT_IDLE_TIMEOUT.toSeconds();

  @Option(names = "--call-timeout", paramLabel = "SECONDS",
      description = "Longest time one call may take in all. Default: ${DEFAULT-VALUE}.")
  long callTimeout = IntroSvg.DEFAULT_CALL_TIMEOUT.toSeconds();

  @Option(names = "--max-attempts", paramLabel = "N",
      description = "Tries per call on transient server errors (5xx, resets, timeouts), with backoff. Default: ${DEFAULT-VALUE}.")
  int maxAttempts = IntroSvg.DEFAULT_MAX_ATTEMPTS;

  @Option(names = "--max-outage", paramLabel = "DURATION",
      description = "How long calls may keep failing, or wait for a server that is down or still loading, before the run"
          + " stops (resumable): minutes, or with a unit (90s, 45m, 2h). Default: ${DEFAULT-VALUE}.")
  String maxOutage = Long.toString(IntroSvg.DEFAULT_MAX_OUTAGE.toMinutes());

  /** The servers to use: --server, else $INTROSVG_SERVER (a comma list), else the default. */
  List<String> serverUrls(Map<String, String> env) {
    List<String> given = server != null ? server : List.of(env.getOrDefault("INTROSVG_SERVER", IntroSvg.DEFAULT_SERVER).split(","));
    List<String> urls = given.stream().map(String::strip).filter(u -> !u.isEmpty()).toList();
    if (urls.isEmpty()) throw new Failure.UsageException("no server URL in " + (server != null ? "--server" : "$INTROSVG_SERVER"));
    return urls;
  }

  /** Connects to the server (starting the mock first with --mock); close it to stop both. */
  Session open(Map<String, String> env, int concurrency, PrintWriter err) {
    return open(env, concurrency, err, Optional.empty());
  }

  /** As {@link #open(Map, int, PrintWriter)}; a {@code --mock} answers with the given latency model and keeps no log. */
  Session open(Map<String, String> env, int concurrency, PrintWriter err, Optional<LatencyModel> latency) {
    return open(env, concurrency, new Console(err, false), latency);
  }

  /** As {@link #open(Map, int, PrintWriter)}, with the server's outage messages going through {@code console}. */
  Session open(Map<String, String> env, int concurrency, Console console, Optional<LatencyModel> latency) {
    if (rounds < 0) throw new Failure.UsageException("--rounds must be 0 or more, not " + rounds);
    if (!(stopScore >= 0 && stopScore <= 10)) throw new Failure.UsageException("--stop-score must be between 0 and 10, not " + stopScore);
    if (mock && server != null) throw new Failure.UsageException("--mock and --server exclude each other; give one");
    if (mockFaults != null && !mock) throw new Failure.UsageException("--mock-faults needs --mock");
    if (mockServers != 1 && !mock) throw new Failure.UsageException("--mock-servers needs --mock");
    if (mockServers < 1) throw new Failure.UsageException("--mock-servers must be 1 or more, not " + mockServers);
    if (perServerConcurrency != null && perServerConcurrency < 1) {
      throw new Failure.UsageException("--per-server-concurrency must be 1 or more, not " + perServerConcurrency);
    }
    if (connectTimeout < 1 || idleTimeout < 1 || callTimeout < 0) {
      throw new Failure.UsageException("timeouts must be positive (--call-timeout 0 means none)");
    }
    Duration outage = outage(maxOutage);
    if (maxAttempts < 1) throw new Failure.UsageException("--max-attempts must be 1 or more, not " + maxAttempts);
    boolean inProcess = renderInProcess(env); // checked before any mock starts, so a bad value leaves nothing running
    List<MockLmdeployServer> mocks = new ArrayList<>();
    List<String> urls = mock ? List.of() : serverUrls(env);
    if (mock) {
      for (int i = 0; i < mockServers; i++) {
        MockLmdeployServer.Builder mockBuilder = MockLmdeployServer.builder().port(0)
            .faults(MockServerCommand.faultPlan(mockFaults, 0));
        // The log would hold every request body of the run: nothing here reads it.
        mockBuilder.keepRequestLog(false);
        latency.ifPresent(mockBuilder::latencyModel);
        mocks.add(mockBuilder.start());
      }
      urls = mocks.stream().map(MockLmdeployServer::baseUrl).toList();
      console.message("Using the built-in mock server at " + String.join(", ", urls)
          + ": its icons are placeholder art, not IntroSVG's. Pass --server URL to use a real lmdeploy.");
    }
    IntroSvg.Builder builder = IntroSvg.builder()
        .concurrency(concurrency)
        .streaming(!noStream)
        .connectTimeout(Duration.ofSeconds(connectTimeout))
        .idleTimeout(Duration.ofSeconds(idleTimeout))
        .callTimeout(Duration.ofSeconds(callTimeout))
        .retries(maxAttempts, Duration.ofSeconds(1), Duration.ofSeconds(30))
        .maxOutage(outage)
        .serverStatusListener(new ConsoleStatus(console, outage))
        .settings(LoopSettings.builder().policy(policy).rounds(rounds).stopScore(stopScore).build())
        .runInfo("server_kind", mock ? "mock (placeholder art)" : "lmdeploy");
    if (model != null) builder.model(model);
    if (inProcess) builder.renderInProcess();
    if (perServerConcurrency != null) builder.perServerConcurrency(perServerConcurrency);
    apiKey(env).ifPresent(builder::apiKey);
    try {
      return new Session(builder.servers(urls).build(), mocks, urls);
    } catch (IllegalArgumentException e) { // a setting the library refused, e.g. a malformed --server URL
      mocks.forEach(MockLmdeployServer::close);
      throw new Failure.UsageException(e.getMessage());
    }
  }

  /** --render-in-process, else $INTROSVG_RENDER_IN_PROCESS; anything but true or false there is a usage error. */
  private boolean renderInProcess(Map<String, String> env) {
    if (renderInProcess != null) return renderInProcess;
    String value = env.getOrDefault("INTROSVG_RENDER_IN_PROCESS", "false").strip().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> true;
      case "false", "" -> false;
      default -> throw new Failure.UsageException("$INTROSVG_RENDER_IN_PROCESS must be true or false, not \"" + value + "\"");
    };
  }

  /** The key from --api-key-file or the environment; a key file that is missing, unreadable or empty is a usage error. */
  private Optional<String> apiKey(Map<String, String> env) {
    try {
      return ApiKeys.resolve(Optional.empty(), Optional.ofNullable(apiKeyFile), env);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new Failure.UsageException(e.getMessage() + "; --api-key-file must name a file holding the server's key");
    }
  }

  /** --max-outage: whole minutes, or a number with the unit s, m or h. */
  static Duration outage(String text) {
    Matcher m = OUTAGE.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2) == null ? "m" : m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofMinutes(n);
      };
      if (!d.isZero()) return d;
    }
    throw new Failure.UsageException("--max-outage must be a positive number of minutes or a duration like 90s, 45m or 2h,"
        + " not \"" + text + "\"");
  }

  private static final Pattern OUTAGE = Pattern.compile("(\\d{1,9})\\s*([smh])?");

  /** Tells, on stderr, when the server stops answering, about every 30 s while that lasts, and when it is back. */
  private record ConsoleStatus(Console console, Duration maxOutage) implements ServerStatusListener {
    @Override
    public void unavailable(String url, String cause) {
      console.message("waiting for lmdeploy at " + url + ": " + shortCause(url, cause) + " (the run waits up to "
          + Durations.clock(maxOutage) + ", --max-outage)");
    }

    @Override
    public void stillUnavailable(String url, String cause, Duration soFar) {
      console.message("waiting for lmdeploy at " + url + ": " + shortCause(url, cause) + ", " + Durations.clock(soFar) + " so far");
    }

    @Override
    public void recovered(String url, Duration outage) {
      console.message("lmdeploy at " + url + " answers again after " + Durations.clock(outage) + "; carrying on.");
    }
  }

  /** A failure's message without the server's URL, which the line names already: "connection refused", "failed (HTTP 503: ...)". */
  static String shortCause(String url, String cause) {
    String unreachable = "Couldn't reach lmdeploy at " + url + " (";
    if (cause.startsWith(unreachable) && cause.endsWith(")")) return cause.substring(unreachable.length(), cause.length() - 1);
    String at = "lmdeploy at " + url + " ";
    return cause.startsWith(at) ? cause.substring(at.length()) : cause;
  }

  /** "against URL (mock), model M, policy P (N rounds, stop score S), concurrency C": what a run's start line names. */
  String describe(Session session, int concurrency) {
    String kind = session.mock() != null ? " (built-in mock)" : "";
    String stop = policy == Policy.INTROSPECTIVE ? ", stop score " + stopScore : "";
    String where = session.urls().size() == 1 ? session.urls().get(0)
        : session.urls().size() + " servers (" + String.join(", ", session.urls()) + ")";
    return "against " + where + kind + ", model " + session.introSvg().model() + ", policy "
        + policy.name().toLowerCase(Locale.ROOT) + " (" + Console.count(rounds, "round") + stop + "), concurrency " + concurrency;
  }

  /** An open client, the mocks it talks to with --mock, and the servers' URLs. */
  record Session(IntroSvg introSvg, List<MockLmdeployServer> mocks, List<String> urls) implements AutoCloseable {
    Session {
      mocks = List.copyOf(mocks);
      urls = List.copyOf(urls);
    }

    /** The first mock, or null against real servers. */
    MockLmdeployServer mock() {
      return mocks.isEmpty() ? null : mocks.get(0);
    }

    @Override
    public void close() {
      introSvg.close();
      mocks.forEach(MockLmdeployServer::close);
    }
  }
}
