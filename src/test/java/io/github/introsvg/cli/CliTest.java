package io.github.introsvg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.mock.MockLmdeployServer;
import io.github.introsvg.testing.Ports;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  // In-process rendering: these tests are about the CLI and OUT, not the renderer, and a worker JVM per run costs
  // about a second of CPU (RenderInProcessOptionTest and the render tests cover the workers).
  static final Map<String, String> IN_PROCESS = Map.of("INTROSVG_RENDER_IN_PROCESS", "true");

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int cli(Map<String, String> env, String... args) {
    return Cli.execute(args, new PrintWriter(out), new PrintWriter(err), env);
  }

  private int cli(String... args) {
    return cli(IN_PROCESS, args);
  }

  private Path csv(String text) throws Exception {
    return Files.writeString(dir.resolve("prompts.csv"), text);
  }

  @Test
  void runWithMockCompletesEveryRowInTheReferenceLayoutPlusResults() throws Exception {
    Path prompts = csv("id,desc\napple,a red apple\ncup,\"a cup, \"\"hot\"\"\"\nsun,a yellow sun\n");
    Path out = dir.resolve("out");

    int code = cli("run", prompts.toString(), "-o", out.toString(), "--mock", "--concurrency", "2");

    assertThat(code).as(err.toString()).isZero();
    for (String id : List.of("apple", "cup", "sun")) {
      assertThat(out.resolve("final_svgs/" + id + ".svg")).content().startsWith("<svg").endsWith("</svg>");
      assertThat(JSON.readTree(out.resolve("final_svgs/" + id + ".json").toFile()).get("score").isNumber()).isTrue();
      assertThat(png(out.resolve("final_pngs/" + id + ".png")).getWidth()).isEqualTo(200);
      assertThat(out.resolve("intermediate_files/00_initial_drafts/" + id + ".svg")).exists();
      assertThat(out.resolve("intermediate_files/01_iteration/critique_pngs/" + id + ".png")).exists();
      assertThat(out.resolve("traces/" + id + ".json")).exists();
    }
    List<JsonNode> results = jsonLines(out.resolve("results.jsonl"));
    assertThat(results).extracting(r -> r.get("status").asText()).containsOnly("ok");
    assertThat(results).extracting(r -> r.get("id").asText()).containsExactlyInAnyOrder("apple", "cup", "sun");
    JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
    assertThat(summary.get("ok").asInt()).isEqualTo(3);
    assertThat(summary.get("status").asText()).isEqualTo("complete");
    assertThat(summary.get("server_kind").asText()).contains("mock");
    assertThat(summary.get("retries").isIntegralNumber()).isTrue();
    assertThat(err.toString()).contains("placeholder art").contains("[3/3]");
    try (Stream<Path> files = Files.walk(out)) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
    }
  }

  @Test
  void referencePolicyCreatesEveryIterationFolder() throws Exception {
    Path out = dir.resolve("out");

    int code = cli("run", csv("id,desc\na,a red apple\n").toString(), "-o", out.toString(), "--mock", "--policy", "reference");

    assertThat(code).as(err.toString()).isZero();
    for (int round = 1; round <= 3; round++) {
      assertThat(out.resolve("intermediate_files/0" + round + "_iteration/critique_pngs/a.png")).exists();
      assertThat(out.resolve("intermediate_files/0" + round + "_iteration/refined_svgs/a.svg")).exists();
    }
    assertThat(jsonLines(out.resolve("results.jsonl")).get(0).get("calls").asInt()).isEqualTo(8);
  }

  @Test
  void unsafeIdWritesNothingOutsideOut() throws Exception {
    Path out = dir.resolve("a/b/out");
    Files.createDirectories(out);

    int code = cli("run", csv("id,desc\n../../etc/x,a key\n/abs/y,a lock\n").toString(), "-o", out.toString(), "--mock");

    assertThat(code).as(err.toString()).isZero();
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile))
          .allMatch(p -> p.startsWith(out) || p.equals(dir.resolve("prompts.csv")));
    }
    assertThat(out.resolve("file_names.csv")).content().contains("\"../../etc/x\",etc_x-");
    assertThat(err.toString()).contains("not safe as a file name");
  }

  @Test
  void invalidRowsAreReportedAndTheRestRunsWithExitCode1() throws Exception {
    Path out = dir.resolve("out");

    int code = cli("run", csv("id,desc\nok,a star\n,no id\nok,duplicate\n").toString(), "-o", out.toString(), "--mock");

    assertThat(code).isEqualTo(ExitCodes.INCOMPLETE);
    assertThat(err.toString()).contains("skipped row 3: empty or missing id").contains("skipped row 4 (id ok): duplicate id");
    assertThat(jsonLines(out.resolve("results.jsonl"))).extracting(r -> r.get("status").asText())
        .containsExactlyInAnyOrder("ok", "invalid", "invalid");
  }

  @Test
  void unreachableServerIsWaitedForUpToMaxOutageThenExitCode3() throws Exception {
    int port = Ports.free();
    String url = "http://127.0.0.1:" + port;

    int code = cli("run", csv("id,desc\na,b\n").toString(), "-o", dir.resolve("out").toString(), "--server", url,
        "--max-outage", "1s");

    assertThat(code).isEqualTo(ExitCodes.SERVER_UNREACHABLE);
    assertThat(err.toString().lines()).containsExactly(
        "waiting for lmdeploy at " + url + ": connection refused (the run waits up to 0:01, --max-outage)",
        "introsvg-client: lmdeploy at " + url + " kept failing for 1 s (last: Couldn't reach lmdeploy at " + url
            + " (connection refused)). The prompts already done are kept; when the server is back, run the same"
            + " command again to resume.");
  }

  @Test
  void aServerAnswering503AfterEveryRetryIsExitCode3SaidOnce() throws Exception {
    try (MockWebServer loading = new MockWebServer()) {
      loading.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          return new MockResponse.Builder().code(503).body("{\"message\":\"loading\",\"object\":\"error\",\"code\":503}").build();
        }
      });
      loading.start();

      int code = cli("run", csv("id,desc\na,b\n").toString(), "-o", dir.resolve("out").toString(),
          "--server", loading.url("/").toString(), "--max-outage", "1s");

      assertThat(code).isEqualTo(ExitCodes.SERVER_UNREACHABLE);
      assertThat(err.toString()).contains("failed (HTTP 503: loading) (the run waits up to 0:01, --max-outage)")
          .contains("kept failing for 1 s");
      assertThat(err.toString().split("introsvg-client: ", -1)).as("the error is said once").hasSize(2);
    }
  }

  @Test
  void fourShardsOfOneCsvProcessEveryRowExactlyOnceInAll() throws Exception {
    StringBuilder rows = new StringBuilder("id,desc\n");
    for (int i = 0; i < 12; i++) rows.append("icon-").append(i).append(",a small thing ").append(i).append('\n');
    Path prompts = csv(rows.toString());
    List<String> done = new java.util.ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      Path out = dir.resolve("shard-" + i);
      assertThat(cli("run", prompts.toString(), "-o", out.toString(), "--mock", "--shard", i + "/4"))
          .as(err.toString()).isZero();
      jsonLines(out.resolve("results.jsonl")).forEach(r -> done.add(r.get("id").asText()));
    }

    assertThat(done).hasSize(12).doesNotHaveDuplicates();
    assertThat(cli("run", prompts.toString(), "-o", dir.resolve("x").toString(), "--mock", "--shard", "0/4"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--shard must be I/N with 1 <= I <= N");
  }

  @Test
  void aMissingOrEmptyApiKeyFileIsAUsageError() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty-key"), " \n");
    Path prompts = csv("id,desc\na,b\n");

    assertThat(cli("run", prompts.toString(), "-o", dir.resolve("o").toString(), "--mock", "--api-key-file",
        dir.resolve("no-such-key").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("no-such-key").contains("--api-key-file must name a file");
    assertThat(cli("run", prompts.toString(), "-o", dir.resolve("o").toString(), "--mock", "--api-key-file",
        empty.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("empty-key is empty");
  }

  @Test
  void serverUrlComesFromEnvironmentWhenNotGiven() throws Exception {
    try (MockLmdeployServer mock = MockLmdeployServer.builder().start()) {
      int code = cli(Map.of("INTROSVG_SERVER", mock.baseUrl()), "generate", "a red apple");

      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString()).startsWith("<svg");
      assertThat(err.toString()).containsPattern("score \\d+\\.\\d \\(candidate \\d of \\d, \\d+ calls\\)");
      assertThat(mock.requests()).isNotEmpty();
    }
  }

  @Test
  @Timeout(60)
  void runBalancesOverServersGivenAsACommaListInTheEnvironmentOrAsRepeatedServerOptions() throws Exception {
    Path prompts = csv("id,desc\na,a red apple\nb,a blue cup\nc,a sun\nd,a moon\n");
    try (MockLmdeployServer one = MockLmdeployServer.builder().start();
        MockLmdeployServer two = MockLmdeployServer.builder().start()) {
      int code = cli(Map.of("INTROSVG_SERVER", one.baseUrl() + ", " + two.baseUrl()), "run", prompts.toString(),
          "-o", dir.resolve("env").toString(), "--concurrency", "4");

      assertThat(code).as(err.toString()).isZero();
      assertThat(err.toString()).contains("against 2 servers (" + one.baseUrl() + ", " + two.baseUrl() + ")");
      assertThat(one.requests()).anyMatch(r -> r.path().equals("/v1/chat/completions"));
      assertThat(two.requests()).anyMatch(r -> r.path().equals("/v1/chat/completions"));

      one.clearRequests();
      two.clearRequests();
      code = cli("run", prompts.toString(), "-o", dir.resolve("opts").toString(), "--concurrency", "4",
          "--server", one.baseUrl(), "--server", two.baseUrl(), "--per-server-concurrency", "2");

      assertThat(code).as(err.toString()).isZero();
      assertThat(one.requests()).anyMatch(r -> r.path().equals("/v1/chat/completions"));
      assertThat(two.requests()).anyMatch(r -> r.path().equals("/v1/chat/completions"));
    }
  }

  @Test
  void theSameServerTwiceIsAUsageError() {
    assertThat(cli("generate", "x", "--server", "http://127.0.0.1:1", "--server", "http://127.0.0.1:1"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("a server URL is given twice");
  }

  @Test
  void wrongApiKeyAndUnknownModelAreRefusedWithExitCode4() throws Exception {
    try (MockLmdeployServer mock = MockLmdeployServer.builder().apiKeys(List.of("right")).start()) {
      Path keyFile = Files.writeString(dir.resolve("key"), "wrong\n");

      assertThat(cli("generate", "x", "--server", mock.baseUrl(), "--api-key-file", keyFile.toString()))
          .isEqualTo(ExitCodes.SERVER_REFUSED);
      assertThat(err.toString()).contains("refused the API key").doesNotContain("wrong");

      err.getBuffer().setLength(0);
      assertThat(cli(Map.of("INTROSVG_API_KEY", "right"), "generate", "x", "--server", mock.baseUrl(), "--model", "gpt-9"))
          .isEqualTo(ExitCodes.SERVER_REFUSED);
      assertThat(err.toString()).contains("does not serve model \"gpt-9\"; it serves [").contains("--model");
    }
  }

  @Test
  void generateWritesTheKeptSvgToAFile() throws Exception {
    Path svg = dir.resolve("apple.svg");

    assertThat(cli("generate", "a red apple", "-o", svg.toString(), "--mock")).as(err.toString()).isZero();

    assertThat(svg).content().startsWith("<svg").endsWith("</svg>");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void renderWritesThePngTheCriticSees() throws Exception {
    Path svg = Files.writeString(dir.resolve("in.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 20 20\"><rect x=\"5\" y=\"5\" width=\"10\" height=\"10\" fill=\"red\"/></svg>");
    Path png = dir.resolve("out.png");

    assertThat(cli("render", svg.toString(), "-o", png.toString())).as(err.toString()).isZero();

    BufferedImage image = png(png);
    assertThat(image.getWidth()).isEqualTo(200);
    assertThat(image.getHeight()).isEqualTo(200);
    assertThat(image.getRGB(0, 0) & 0xffffff).isEqualTo(0xffffff);
    assertThat(image.getRGB(100, 100) & 0xffffff).isEqualTo(0xff0000);
  }

  @Test
  void renderOfBrokenSvgIsExitCode6AndMissingFileIsExitCode2() throws Exception {
    Path broken = Files.writeString(dir.resolve("broken.svg"), "this is not svg");
    assertThat(cli("render", broken.toString(), "-o", dir.resolve("x.png").toString())).isEqualTo(ExitCodes.RENDER_FAILED);
    assertThat(cli("render", dir.resolve("missing.svg").toString(), "-o", dir.resolve("x.png").toString()))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("missing.svg: does not exist");
  }

  @Test
  void badCommandLinesAreUsageErrors() throws Exception {
    Path prompts = csv("id,desc\na,b\n");
    assertThat(cli()).isEqualTo(ExitCodes.USAGE);
    assertThat(cli("run", prompts.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(cli("run", prompts.toString(), "-o", "x", "--concurrency", "0", "--mock")).isEqualTo(ExitCodes.USAGE);
    assertThat(cli("run", prompts.toString(), "-o", "x", "--policy", "greedy")).isEqualTo(ExitCodes.USAGE);
    assertThat(cli("run", prompts.toString(), "-o", "x", "--mock", "--stop-score", "11")).isEqualTo(ExitCodes.USAGE);
    assertThat(cli("run", prompts.toString(), "-o", "x", "--server", "not a url")).isEqualTo(ExitCodes.USAGE);
    assertThat(cli("run", prompts.toString(), "-o", "x", "--mock", "--max-outage", "0")).isEqualTo(ExitCodes.USAGE);
    assertThat(cli("run", prompts.toString(), "-o", "x", "--mock", "--max-outage", "soon")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--max-outage must be a positive number of minutes or a duration like 90s");
    assertThat(cli("run", dir.resolve("nope.csv").toString(), "-o", dir.resolve("o").toString(), "--mock"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("nope.csv: does not exist");
  }

  @Test
  void aSubcommandAfterALeadingOptionGetsTheStreamsTheSettingsAndTheInheritedOption() throws Exception {
    assertThat(cli("--verbose", "run", "--help")).isZero();
    assertThat(out.toString()).startsWith("Usage: introsvg-client run ").contains("--verbose");

    assertThat(cli("--verbose", "run", csv("id,desc\na,b\n").toString(), "-o", "x", "--policy", "GREEDY"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("introsvg-client: Invalid value for option '--policy'")
        .contains("(case-insensitive)").contains("Try 'introsvg-client run --help'.");
  }

  @Test
  void everySubcommandIsListedUnderItsOwnName() {
    Cli.SUBCOMMANDS.forEach((name, command) ->
        assertThat(command.getAnnotation(picocli.CommandLine.Command.class).name()).isEqualTo(name));
  }

  @Test
  void helpForOneSubcommandAndAnUnknownOneStillSeeEverySubcommand() {
    assertThat(cli("help", "bench")).isZero();
    assertThat(out.toString()).startsWith("Usage: introsvg-client bench ");
    assertThat(cli("rnu")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Unmatched argument at index 0: 'rnu'");
    assertThat(cli("--verbose")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("Missing command: one of run, report, generate, bench, mock-server, render, help");
  }

  @Test
  void helpListsExitCodes() {
    assertThat(cli("--help")).isZero();
    assertThat(out.toString()).contains("Exit codes:").contains("75").contains("130").contains("run").contains("mock-server");
  }

  private static BufferedImage png(Path file) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(file)));
  }

  private static List<JsonNode> jsonLines(Path file) throws Exception {
    return Files.readAllLines(file).stream().map(line -> {
      try {
        return JSON.readTree(line);
      } catch (Exception e) {
        throw new AssertionError(line, e);
      }
    }).toList();
  }
}
