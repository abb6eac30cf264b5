package io.github.introsvg.deploy;

import io.github.introsvg.testing.Ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * lmdeploy-launch.sh as an operator runs it, on a host without GPUs: fake {@code nvidia-smi},
 * {@code lmdeploy} and {@code docker} executables come first on PATH. The fake lmdeploy records its argv,
 * {@code CUDA_VISIBLE_DEVICES} and pids, starts a stand-in engine worker in its process group, then runs
 * {@link FakeLmdeploy}; the fake docker records its argv and runs the command after the image.
 */
// Methods run side by side: each has its own fakes, records and ports, and mostly waits on the script and its children.
@Execution(ExecutionMode.CONCURRENT)
class LaunchScriptTest {

  private static final Path SCRIPT = Path.of("lmdeploy-launch.sh").toAbsolutePath();
  private static final String IMAGE = "openmmlab/lmdeploy:v0.16.0-cu12.8";
  private static final String NAME = "IntroSVG-Qwen2.5-VL-7B";
  /** The script's own settings: whatever the machine running the tests has set must not leak in. */
  private static final List<String> SCRIPT_ENV = List.of("MODEL_PATH", "MODEL_NAME", "TP", "REPLICAS", "PORT", "PROXY",
      "PROXY_PORT", "DOCKER", "LMDEPLOY_IMAGE", "SESSION_LEN", "MAX_BATCH", "CACHE_MAX_ENTRY_COUNT", "API_KEY_FILE",
      "API_KEY", "BACKEND", "SERVER_NAME", "WAIT_SECONDS", "POLL_SECONDS", "STOP_SECONDS", "LOG_DIR", "LOG_FILE", "ADVERTISED_HOST",
      "CUDA_VISIBLE_DEVICES", "HF_HOME");

  @TempDir Path dir;
  private Path bin;
  private Path records;
  private final List<Process> scripts = new ArrayList<>();

  @BeforeEach
  void fakes() throws IOException {
    bin = Files.createDirectories(dir.resolve("bin"));
    records = Files.createDirectories(dir.resolve("records"));
    gpus(4);
    executable("lmdeploy", """
        #!/bin/sh
        rec="$FAKE_RECORD_DIR/lmdeploy-$$"
        sleep 300 &
        {
          echo "pid=$$"
          echo "worker=$!"
          echo "cvd=${CUDA_VISIBLE_DEVICES-(unset)}"
          for a in "$@"; do echo "arg=$a"; done
        } > "$rec.tmp"
        mv "$rec.tmp" "$rec"
        # C1 only, serial GC: a stand-in answering a few requests starts faster so, on a 2-core machine
        exec "$FAKE_JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$FAKE_CP" io.github.introsvg.deploy.FakeLmdeploy "$@"
        """);
    executable("docker", """
        #!/bin/sh
        rec="$FAKE_RECORD_DIR/docker-$$"
        {
          echo "pid=$$"
          for a in "$@"; do echo "arg=$a"; done
        } > "$rec.tmp"
        mv "$rec.tmp" "$rec"
        if [ "$1" = run ]; then
          while [ $# -gt 0 ] && [ "$1" != "%s" ]; do shift; done
          shift
          exec "$@"
        fi
        """.formatted(IMAGE));
  }

  @AfterEach
  void killLeftovers() throws IOException {
    scripts.forEach(Process::destroyForcibly);
    for (Invocation started : invocations("lmdeploy-")) {
      ProcessHandle.of(started.pid()).ifPresent(ProcessHandle::destroyForcibly);
      started.worker().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  // --- dry runs: the exact commands ---

  @Test
  @Timeout(30)
  void dryRunOfOneServerUsesEveryGpu() throws Exception {
    Result result = run("--dry-run", "--model", "M");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.commands()).containsExactly(
        "CUDA_VISIBLE_DEVICES=0,1,2,3 " + apiServer("M", 23333, 4),
        "java -jar target/introsvg-client.jar run prompts.csv -o out --server http://gpu-host:23333 --concurrency 1024");
  }

  @Test
  @Timeout(30)
  void dryRunWithTp4StartsOneServerOnFourGpus() throws Exception {
    Result result = run("--dry-run", "--model", "M", "--tp", "4");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.commands()).filteredOn(line -> line.contains("api_server"))
        .containsExactly("CUDA_VISIBLE_DEVICES=0,1,2,3 " + apiServer("M", 23333, 4));
  }

  @Test
  @Timeout(30)
  void dryRunWithFourReplicasStartsOneServerPerGpuOnConsecutivePorts() throws Exception {
    Result result = run("--dry-run", "--model", "M", "--replicas", "4");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.commands()).containsExactly(
        "CUDA_VISIBLE_DEVICES=0 " + apiServer("M", 23333, 1),
        "CUDA_VISIBLE_DEVICES=1 " + apiServer("M", 23334, 1),
        "CUDA_VISIBLE_DEVICES=2 " + apiServer("M", 23335, 1),
        "CUDA_VISIBLE_DEVICES=3 " + apiServer("M", 23336, 1),
        "java -jar target/introsvg-client.jar run prompts.csv -o out --server http://gpu-host:23333"
            + " --server http://gpu-host:23334 --server http://gpu-host:23335 --server http://gpu-host:23336 --concurrency 4096");
  }

  @Test
  @Timeout(30)
  void dryRunWithTwoReplicasOfTp2SplitsTheGpusInPairs() throws Exception {
    Result result = run("--dry-run", "--model", "M", "--replicas", "2", "--tp", "2");

    assertThat(result.commands()).filteredOn(line -> line.contains("api_server")).containsExactly(
        "CUDA_VISIBLE_DEVICES=0,1 " + apiServer("M", 23333, 2),
        "CUDA_VISIBLE_DEVICES=2,3 " + apiServer("M", 23334, 2));
  }

  @Test
  @Timeout(30)
  void dryRunWithProxyStartsItFirstRegistersEveryServerAndPointsTheClientAtIt() throws Exception {
    Result result = run("--dry-run", "--model", "M", "--replicas", "2", "--proxy");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.commands()).containsExactly(
        "lmdeploy serve proxy --server-name 0.0.0.0 --server-port 8000 --routing-strategy min_expected_latency --disable-cache-status",
        "CUDA_VISIBLE_DEVICES=0,1 " + apiServer("M", 23333, 2),
        "CUDA_VISIBLE_DEVICES=2,3 " + apiServer("M", 23334, 2),
        "curl -fsS -X POST http://127.0.0.1:8000/nodes/add -H 'Content-Type: application/json' -d "
            + "'{\"url\":\"http://127.0.0.1:23333\",\"status\":{\"models\":[\"" + NAME + "\"]}}'",
        "curl -fsS -X POST http://127.0.0.1:8000/nodes/add -H 'Content-Type: application/json' -d "
            + "'{\"url\":\"http://127.0.0.1:23334\",\"status\":{\"models\":[\"" + NAME + "\"]}}'",
        "java -jar target/introsvg-client.jar run prompts.csv -o out --server http://gpu-host:8000 --concurrency 2048");
  }

  @Test
  @Timeout(30)
  void dryRunWithDockerRunsThePinnedImageWithTheModelDirectoryMounted() throws Exception {
    Path model = Files.createDirectories(dir.resolve("models/IntroSVG-Qwen2.5-VL-7B"));

    Result result = run("--dry-run", "--docker", "--model", model.toString(), "--replicas", "2", "--tp", "2",
        "--max-batch-size", "256", "--cache-max-entry-count", "0.5", "--session-len", "12000", "--port", "24000");

    String mount = model + ":/models/IntroSVG-Qwen2.5-VL-7B:ro";
    String settings = " --max-batch-size 256 --cache-max-entry-count 0.5";
    assertThat(result.commands()).containsExactly(
        "docker run --rm --name introsvg-lmdeploy-24000 --runtime nvidia --gpus '\"device=0,1\"' --ipc=host --network host -v "
            + mount + " " + IMAGE + " " + apiServer("/models/IntroSVG-Qwen2.5-VL-7B", 24000, 2).replace("16384", "12000") + settings,
        "docker run --rm --name introsvg-lmdeploy-24001 --runtime nvidia --gpus '\"device=2,3\"' --ipc=host --network host -v "
            + mount + " " + IMAGE + " " + apiServer("/models/IntroSVG-Qwen2.5-VL-7B", 24001, 2).replace("16384", "12000") + settings,
        "java -jar target/introsvg-client.jar run prompts.csv -o out --server http://gpu-host:24000"
            + " --server http://gpu-host:24001 --concurrency 512");
  }

  @Test
  @Timeout(30)
  void dryRunStartsNothingAndNeedsNoLmdeployOrDocker() throws Exception {
    Files.delete(bin.resolve("lmdeploy"));
    Files.delete(bin.resolve("docker"));

    Result local = run("--dry-run", "--replicas", "4", "--proxy");
    Result docker = run("--dry-run", "--replicas", "4", "--docker");

    assertThat(local.code()).as(local.err()).isZero();
    assertThat(docker.code()).as(docker.err()).isZero();
    try (Stream<Path> recorded = Files.list(records)) {
      assertThat(recorded).isEmpty();
    }
  }

  @Test
  @Timeout(30)
  void apiKeyGoesToEveryServerButNeverIntoPrintedCommands() throws Exception {
    Path keyFile = Files.writeString(dir.resolve("api-key"), "s3cret-key\n");

    Result result = run("--dry-run", "--model", "M", "--replicas", "2", "--proxy", "--api-key-file", keyFile.toString());

    assertThat(result.out()).doesNotContain("s3cret-key");
    assertThat(result.commands()).filteredOn(line -> line.startsWith("CUDA") || line.contains("serve proxy"))
        .hasSize(3).allSatisfy(line -> assertThat(line).endsWith(" --api-keys \"$(cat " + keyFile + ")\""));
    assertThat(result.commands()).last().asString().contains("--api-key-file " + keyFile);
  }

  @Test
  @Timeout(30)
  void refusesMoreGpusThanTheHostHas() throws Exception {
    Result result = run("--dry-run", "--replicas", "2", "--tp", "4");

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("--replicas 2 x --tp 4 needs 8 GPUs; found 4");
  }

  @Test
  @Timeout(30)
  void aHostWithoutGpusIsRefused() throws Exception {
    gpus(0);

    Result result = run("--dry-run");

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("no GPU found by nvidia-smi");
  }

  @Test
  @Timeout(30)
  void unknownOptionsAreUsageErrors() throws Exception {
    Result result = run("--dry-run", "--replica", "2");

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("unknown option --replica");
  }

  // --- real starts against fake servers ---

  @Test
  @Timeout(90)
  void startsFourReplicasWaitsForHealthPrintsEveryServerAndSigtermStopsThemAll() throws Exception {
    int port = freePorts(4);
    Running launch = start(Map.of("FAKE_HEALTH_503", "2"), "--model", "M", "--replicas", "4", "--port", Integer.toString(port));

    launch.awaitLine(line -> line.startsWith("Ctrl-C stops every server"));

    List<Invocation> servers = invocations("lmdeploy-");
    assertThat(servers).extracting(Invocation::cudaVisibleDevices).containsExactly("0", "1", "2", "3");
    assertThat(servers).extracting(Invocation::commandLine).containsExactly(
        IntStream.range(0, 4).mapToObj(i -> apiServer("M", port + i, 1)).toArray(String[]::new));
    String servedAt = IntStream.range(0, 4).mapToObj(i -> "--server http://gpu-host:" + (port + i)).collect(Collectors.joining(" "));
    assertThat(launch.out()).contains("  java -jar target/introsvg-client.jar run prompts.csv -o out " + servedAt + " --concurrency 4096");
    assertThat(launch.out()).contains("server 4/4 on port " + (port + 3) + " is serving '" + NAME + "'");
    assertThat(launch.process().isAlive()).isTrue();

    signal("TERM", launch.process()); // not Process.destroy(): that also closes the pipes the script reports on

    assertThat(launch.process().waitFor(40, TimeUnit.SECONDS)).isTrue();
    assertThat(launch.process().exitValue()).isEqualTo(143);
    assertAllGone(servers);
  }

  @Test
  @Timeout(90)
  void proxyRegistersEveryHealthyServerAndCtrlCStopsProxyAndServers() throws Exception {
    int port = freePorts(3);
    Running launch = start(Map.of(), "--model", "M", "--replicas", "2", "--tp", "2", "--proxy",
        "--port", Integer.toString(port), "--proxy-port", Integer.toString(port + 2));

    launch.awaitLine(line -> line.startsWith("Ctrl-C stops every server"));

    List<Invocation> started = invocations("lmdeploy-");
    assertThat(started).extracting(Invocation::commandLine).containsExactlyInAnyOrder(
        "lmdeploy serve proxy --server-name 0.0.0.0 --server-port " + (port + 2)
            + " --routing-strategy min_expected_latency --disable-cache-status",
        apiServer("M", port, 2), apiServer("M", port + 1, 2));
    assertThat(Files.readAllLines(records.resolve("proxy-nodes"))).containsExactly(
        "{\"url\":\"http://127.0.0.1:" + port + "\",\"status\":{\"models\":[\"" + NAME + "\"]}}",
        "{\"url\":\"http://127.0.0.1:" + (port + 1) + "\",\"status\":{\"models\":[\"" + NAME + "\"]}}");
    assertThat(launch.out()).contains("--server http://gpu-host:" + (port + 2) + " --concurrency 2048");

    assumeSigintNotIgnored();
    signal("INT", launch.process()); // what Ctrl-C delivers to the script

    assertThat(launch.process().waitFor(40, TimeUnit.SECONDS)).isTrue();
    assertThat(launch.process().exitValue()).isEqualTo(130);
    assertAllGone(started);
  }

  @Test
  @Timeout(90)
  void dockerStartsThePinnedImagePerGpuGroupAndStopsTheContainersOnSigterm() throws Exception {
    int port = freePorts(2);
    Running launch = start(Map.of(), "--docker", "--model", "gitcat404/IntroSVG-Qwen2.5-VL-7B", "--replicas", "2",
        "--port", Integer.toString(port));

    launch.awaitLine(line -> line.startsWith("Ctrl-C stops every server"));

    List<Invocation> runs = invocations("docker-");
    String cache = dir.resolve("home/.cache/huggingface") + ":/root/.cache/huggingface";
    assertThat(runs).extracting(Invocation::commandLine).containsExactly(
        IntStream.range(0, 2).mapToObj(i -> "run --rm --name introsvg-lmdeploy-" + (port + i) + " --runtime nvidia"
            + " --gpus \"device=" + (2 * i) + "," + (2 * i + 1) + "\" --ipc=host --network host -v " + cache + " " + IMAGE
            + " " + apiServer("gitcat404/IntroSVG-Qwen2.5-VL-7B", port + i, 2)).toArray(String[]::new));
    assertThat(invocations("lmdeploy-")).extracting(Invocation::cudaVisibleDevices).containsOnly("(unset)");

    signal("TERM", launch.process());

    assertThat(launch.process().waitFor(40, TimeUnit.SECONDS)).isTrue();
    assertThat(launch.process().exitValue()).isEqualTo(143);
    assertThat(invocations("docker-")).extracting(Invocation::commandLine).contains(
        "stop -t 30 introsvg-lmdeploy-" + port, "stop -t 30 introsvg-lmdeploy-" + (port + 1));
    assertAllGone(invocations("lmdeploy-"));
  }

  @Test
  @Timeout(90)
  void aServerThatDiesWhileLoadingStopsTheOthersAndFails() throws Exception {
    int port = freePorts(2);
    Running launch = start(Map.of("FAKE_FAIL_PORT", Integer.toString(port + 1), "FAKE_HEALTH_503", "1000000"),
        "--model", "M", "--replicas", "2", "--port", Integer.toString(port));

    assertThat(launch.process().waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(launch.process().exitValue()).as(launch.err()).isEqualTo(1);
    assertThat(launch.err()).contains("server 2/2 on port " + (port + 1) + " exited during start-up")
        .contains("CUDA out of memory while loading");
    assertAllGone(invocations("lmdeploy-"));
  }

  @Test
  @Timeout(90)
  void waitsForModelsWithTheKeyAndNeverPrintsIt() throws Exception {
    int port = freePorts(1);
    Path keyFile = Files.writeString(dir.resolve("api-key"), "s3cret-key\n");
    Running launch = start(Map.of(), "--model", "M", "--port", Integer.toString(port), "--api-key-file", keyFile.toString());

    launch.awaitLine(line -> line.startsWith("Ctrl-C stops every server"));

    List<Invocation> servers = invocations("lmdeploy-");
    assertThat(servers).extracting(Invocation::commandLine)
        .containsExactly(apiServer("M", port, 4) + " --api-keys s3cret-key");
    assertThat(launch.out() + launch.err()).doesNotContain("s3cret-key");

    launch.process().destroy(); // SIGTERM with the output pipes closed, as when the terminal goes away

    assertThat(launch.process().waitFor(40, TimeUnit.SECONDS)).isTrue();
    assertAllGone(servers);
  }

  // --- lint ---

  @Test
  @Timeout(60)
  void isShellcheckClean() throws Exception {
    boolean installed = Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "shellcheck")));
    if (!installed) {
      // CI installs it (.ci/run); a developer's machine may not have it.
      assertThat(System.getenv("CI")).as("shellcheck must be installed in CI (apt-get install -y shellcheck)").isNotEqualTo("true");
      assumeTrue(false, "shellcheck is not installed (apt-get install -y shellcheck); skipping the lint of lmdeploy-launch.sh");
    }
    Process shellcheck = new ProcessBuilder("shellcheck", SCRIPT.toString()).redirectErrorStream(true).start();
    String report = new String(shellcheck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(shellcheck.waitFor()).as(report).isZero();
    assertThat(report).isEmpty();
  }

  // --- helpers ---

  private static String apiServer(String model, int port, int tp) {
    return "lmdeploy serve api_server " + model + " --server-name 0.0.0.0 --server-port " + port + " --model-name " + NAME
        + " --backend pytorch --tp " + tp + " --session-len 16384";
  }

  private void gpus(int count) throws IOException {
    StringBuilder list = new StringBuilder();
    for (int i = 0; i < count; i++) list.append("GPU ").append(i).append(": NVIDIA H100 80GB HBM3 (UUID: GPU-0000000").append(i).append(")\n");
    executable("nvidia-smi", "#!/bin/sh\n[ \"$1\" = --list-gpus ] || exit 9\nprintf '%s' '" + list + "'\n");
  }

  private void executable(String name, String text) throws IOException {
    Path file = bin.resolve(name);
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private ProcessBuilder script(Map<String, String> extraEnv, String... args) {
    List<String> command = new ArrayList<>();
    command.add(SCRIPT.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    Map<String, String> env = builder.environment();
    SCRIPT_ENV.forEach(env::remove);
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("HOME", dir.resolve("home").toString());
    env.put("ADVERTISED_HOST", "gpu-host");
    env.put("LOG_DIR", dir.resolve("logs").toString());
    env.put("POLL_SECONDS", "0.1");
    env.put("WAIT_SECONDS", "60");
    env.put("FAKE_RECORD_DIR", records.toString());
    env.put("FAKE_JAVA", ProcessHandle.current().info().command().orElse("java"));
    env.put("FAKE_CP", testClasses());
    env.putAll(extraEnv);
    return builder;
  }

  private Result run(String... args) throws Exception {
    Process process = script(Map.of(), args).start();
    scripts.add(process);
    process.getOutputStream().close();
    Collector out = new Collector(process.getInputStream());
    Collector err = new Collector(process.getErrorStream());
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("lmdeploy-launch.sh finished").isTrue();
    return new Result(process.exitValue(), out.all(), err.all());
  }

  private Running start(Map<String, String> extraEnv, String... args) throws IOException {
    Process process = script(extraEnv, args).start();
    scripts.add(process);
    process.getOutputStream().close();
    return new Running(process, new Collector(process.getInputStream()), new Collector(process.getErrorStream()));
  }

  /**
   * A shell started with SIGINT ignored cannot trap it, and children inherit the ignoring: so when this JVM was
   * started that way (Maven in the background of a script without job control, nohup), Ctrl-C can't be tested.
   */
  private static void assumeSigintNotIgnored() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        long ignored = Long.parseLong(line.substring("SigIgn:".length()).trim(), 16);
        Assumptions.assumeTrue((ignored & (1L << 1)) == 0, "SIGINT is ignored in this JVM (started in the background"
            + " without job control?), so the script can't trap Ctrl-C; run Maven in the foreground");
      }
    }
  }

  private static void signal(String name, Process process) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor()).isZero();
  }

  /** Every recorded process (server and its stand-in engine worker) has exited. */
  private static void assertAllGone(List<Invocation> started) throws Exception {
    assertThat(started).isNotEmpty();
    for (Invocation invocation : started) {
      awaitGone(invocation.pid());
      if (invocation.worker().isPresent()) awaitGone(invocation.worker().get());
    }
  }

  private static void awaitGone(long pid) throws Exception {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) return;
    try {
      handle.get().onExit().get(20, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      // An exited orphan stays a zombie until its reaper waits for it: it is gone all the same.
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      assertThat(stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)).as("state of pid " + pid).isEqualTo("Z");
    }
  }

  private List<Invocation> invocations(String prefix) throws IOException {
    try (Stream<Path> files = Files.list(records)) {
      return files.filter(f -> f.getFileName().toString().startsWith(prefix) && !f.toString().endsWith(".tmp"))
          .map(Invocation::read)
          .sorted(Comparator.comparing(Invocation::commandLine))
          .toList();
    }
  }

  private static String testClasses() {
    try {
      return Path.of(FakeLmdeploy.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first of {@code count} consecutive ports nothing listens on. */
  private static int freePorts(int count) {
    return Ports.free(count);
  }

  /** One recorded run of a fake executable. */
  record Invocation(long pid, Optional<Long> worker, String cudaVisibleDevices, List<String> args) {
    static Invocation read(Path file) {
      try {
        List<String> lines = Files.readAllLines(file);
        long pid = 0;
        Optional<Long> worker = Optional.empty();
        String cvd = "";
        List<String> args = new ArrayList<>();
        for (String line : lines) {
          String value = line.substring(line.indexOf('=') + 1);
          if (line.startsWith("pid=")) pid = Long.parseLong(value);
          else if (line.startsWith("worker=")) worker = Optional.of(Long.parseLong(value));
          else if (line.startsWith("cvd=")) cvd = value;
          else if (line.startsWith("arg=")) args.add(value);
        }
        return new Invocation(pid, worker, cvd, args);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** lmdeploy's argv as an operator would type it (the fake docker's without "docker"). */
    String commandLine() {
      String joined = String.join(" ", args);
      return args.get(0).equals("serve") ? "lmdeploy " + joined : joined;
    }
  }

  record Result(int code, String out, String err) {
    /** The printed commands, without the comment lines. */
    List<String> commands() {
      return out.lines().filter(line -> !line.startsWith("#") && !line.isBlank()).toList();
    }
  }

  record Running(Process process, Collector stdout, Collector stderr) {
    String out() {
      return process.isAlive() ? stdout.soFar() : stdout.all();
    }

    String err() {
      return process.isAlive() ? stderr.soFar() : stderr.all();
    }

    void awaitLine(Predicate<String> wanted) throws InterruptedException {
      Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
      while (true) {
        Duration left = Duration.between(Instant.now(), deadline);
        String line = left.isNegative() ? null : stdout.lines().poll(left.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null || line.equals(Collector.EOF)) {
          fail("lmdeploy-launch.sh printed no such line; stdout:%n%s%nstderr:%n%s", out(), err());
        }
        if (wanted.test(line)) return;
      }
    }
  }

  /** Reads a stream on its own thread: every line into a queue, and all of it for the failure message. */
  static final class Collector {
    static final String EOF = "\u0000EOF";
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer all = new StringBuffer();
    private final Thread reader;

    Collector(InputStream stream) {
      reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            all.append(line).append('\n');
            lines.add(line);
          }
        } catch (IOException e) {
          all.append("(read failed: ").append(e).append(")\n");
        } finally {
          lines.add(EOF);
        }
      }, "collector");
      reader.setDaemon(true);
      reader.start();
    }

    BlockingQueue<String> lines() {
      return lines;
    }

    String soFar() {
      return all.toString();
    }

    /** Everything, once the process has ended (waits for the reader to reach the end). */
    String all() {
      try {
        reader.join(Duration.ofSeconds(5).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return all.toString();
    }
  }
}
