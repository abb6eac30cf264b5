package io.github.introsvg.cli;

import io.github.introsvg.IntroSvg;
import io.github.introsvg.lmdeploy.ApiKeys;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.mock.MockLmdeployServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the model runs and how the loop behaves; shared by {@code run} and {@code generate}. */
final class ServerOptions {

  @Option(names = "--server", paramLabel = "URL",
      description = "lmdeploy api_server (or proxy) base URL. Default: $INTROSVG_SERVER, else " + IntroSvg.DEFAULT_SERVER + ".")
  String server;

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

  @Option(names = "--policy", paramLabel = "POLICY", defaultValue = "introspective",
      description = "introspective (stop when satisfied, keep the best) or reference (3 rounds, keep the last). Default: ${DEFAULT-VALUE}.")
  Policy policy;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Critique-refine rounds at most. Default: ${DEFAULT-VALUE}.")
  int rounds;

  @Option(names = "--stop-score", paramLabel = "S", defaultValue = "9.0",
      description = "introspective stops at a critique scoring at least S (0-10). Default: ${DEFAULT-VALUE}.")
  double stopScore;

  String serverUrl(Map<String, String> env) {
    if (server != null) return server;
    return env.getOrDefault("INTROSVG_SERVER", IntroSvg.DEFAULT_SERVER);
  }

  /** Connects to the server (starting the mock first with --mock); close it to stop both. */
  Session open(Map<String, String> env, int concurrency, PrintWriter err) {
    if (rounds < 0) throw new Failure.UsageException("--rounds must be 0 or more, not " + rounds);
    if (!(stopScore >= 0 && stopScore <= 10)) throw new Failure.UsageException("--stop-score must be between 0 and 10, not " + stopScore);
    if (mock && server != null) throw new Failure.UsageException("--mock and --server exclude each other; give one");
    if (mockFaults != null && !mock) throw new Failure.UsageException("--mock-faults needs --mock");
    MockLmdeployServer mockServer = null;
    String url = serverUrl(env);
    if (mock) {
      mockServer = MockLmdeployServer.builder().port(0).faults(MockServerCommand.faultPlan(mockFaults, 0)).start();
      url = mockServer.baseUrl();
      err.println("Using the built-in mock server at " + url
          + ": its icons are placeholder art, not IntroSVG's. Pass --server URL to use a real lmdeploy.");
    }
    IntroSvg.Builder builder = IntroSvg.builder()
        .server(url)
        .concurrency(concurrency)
        .streaming(!noStream)
        .settings(LoopSettings.builder().policy(policy).rounds(rounds).stopScore(stopScore).build())
        .runInfo("server_kind", mock ? "mock (placeholder art)" : "lmdeploy");
    if (model != null) builder.model(model);
    Optional<String> key = ApiKeys.resolve(Optional.empty(), Optional.ofNullable(apiKeyFile), env);
    key.ifPresent(builder::apiKey);
    return new Session(builder.build(), mockServer, url);
  }

  /** An open client, and the mock it talks to when there is one. */
  record Session(IntroSvg introSvg, MockLmdeployServer mock, String url) implements AutoCloseable {
    @Override
    public void close() {
      introSvg.close();
      if (mock != null) mock.close();
    }
  }
}
