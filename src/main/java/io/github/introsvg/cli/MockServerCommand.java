package io.github.introsvg.cli;

import io.github.introsvg.mock.FaultPlan;
import io.github.introsvg.mock.MockLmdeployServer;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "mock-server", mixinStandardHelpOptions = true,
    description = "Serve the lmdeploy stand-in (OpenAI-compatible, placeholder art) until Ctrl-C.")
final class MockServerCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "23333", description = "Port on 127.0.0.1. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--model", defaultValue = "IntroSVG-Qwen2.5-VL-7B", description = "Served model name. Default: ${DEFAULT-VALUE}.")
  String model;

  @Option(names = "--api-key", paramLabel = "KEY", description = "Require this bearer key on /v1/* (like lmdeploy --api-keys).")
  List<String> apiKeys = List.of();

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the mock's answers. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--faults", paramLabel = "SPEC",
      description = "Inject faults into chat completions: RATE (e.g. 0.1) or RATE:KIND,... with kinds 500, 503, reset,"
          + " stall[=2s], truncated, malformed, proxy, midstream. Seeded by --seed.")
  String faults;

  @Spec CommandSpec spec;

  static FaultPlan faultPlan(String spec, long seed) {
    if (spec == null) return FaultPlan.none();
    try {
      return FaultPlan.parse(spec, seed);
    } catch (IllegalArgumentException e) {
      throw new Failure.UsageException("--faults " + spec + ": " + e.getMessage());
    }
  }

  @Override
  public Integer call() {
    if (port < 0 || port > 65535) throw new Failure.UsageException("--port must be 0-65535, not " + port);
    MockLmdeployServer server;
    try {
      server = MockLmdeployServer.builder().port(port).model(model).apiKeys(apiKeys).seed(seed)
          .faults(faultPlan(faults, seed)).keepRequestLog(false).start(); // a long-lived server: keep no bodies
    } catch (UncheckedIOException e) {
      throw new Failure.UsageException("can't listen on 127.0.0.1:" + port + " (" + e.getMessage() + "); choose another --port");
    }
    spec.commandLine().getErr().println("Mock lmdeploy serving '" + model + "' at " + server.baseUrl()
        + " (placeholder art, not IntroSVG's). Ctrl-C stops it.");
    spec.commandLine().getErr().flush();
    try {
      new CountDownLatch(1).await(); // until Ctrl-C interrupts this thread (see Main)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      server.close();
    }
    return ExitCodes.INTERRUPTED;
  }
}
