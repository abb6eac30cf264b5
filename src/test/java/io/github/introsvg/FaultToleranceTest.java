package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.lmdeploy.ServerStatusListener;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.mock.Fault;
import io.github.introsvg.mock.FaultPlan;
import io.github.introsvg.mock.MockLmdeployServer;
import io.github.introsvg.testing.FakeTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Whole runs against a mock that fails on purpose: every prompt must still finish, and faults must not change results. */
class FaultToleranceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PROMPTS = 12;
  private static final Duration STALL = Duration.ofMillis(400);
  private static final List<Fault> ALL_KINDS = List.of(Fault.httpError(500), Fault.httpError(503),
      Fault.connectionReset(), Fault.stall(STALL), Fault.truncated(), Fault.malformedCritique(), Fault.proxyError(),
      Fault.midStreamError());

  @TempDir Path dir;

  private Path prompts() throws Exception {
    StringBuilder csv = new StringBuilder("id,desc\n");
    for (int i = 0; i < PROMPTS; i++) csv.append("p").append(i).append(",a small icon of thing ").append(i).append('\n');
    return Files.writeString(dir.resolve("prompts.csv"), csv);
  }

  private static IntroSvg client(MockLmdeployServer mock, ServerStatusListener listener) {
    FakeTime time = new FakeTime(); // backoff and probe pauses pass without a real sleep
    return IntroSvg.builder().renderInProcess().server(mock.baseUrl()).policy(Policy.REFERENCE).concurrency(4)
        .idleTimeout(Duration.ofMillis(200))
        .retries(8, Duration.ofMillis(5), Duration.ofMillis(50))
        .serverStatusListener(listener)
        .clock(time).sleeper(time)
        .build();
  }

  private BatchSummary run(MockLmdeployServer mock, Path out) throws Exception {
    try (IntroSvg introSvg = client(mock, new ServerStatusListener() {})) {
      BatchSummary summary = introSvg.runBatch(prompts(), out, BatchListener.NONE);
      long faults = mock.requests().stream().filter(r -> r.fault().isPresent()).count();
      System.out.printf("fault run %s: %d faults injected, %d retries, %d ok, %d failed of %d%n",
          out.getFileName(), faults, introSvg.retries(), summary.ok(), summary.failed(), PROMPTS);
      return summary;
    }
  }

  @Test
  @Timeout(120)
  void tenAndThirtyPercentFaultsOfEveryKindStillFinishEveryPrompt() throws Exception {
    for (double rate : new double[] {0.1, 0.3}) {
      Path out = dir.resolve("faults-" + rate);
      try (MockLmdeployServer mock = MockLmdeployServer.builder().faults(FaultPlan.random(rate, 11, ALL_KINDS)).start()) {
        BatchSummary summary = run(mock, out);

        assertThat(mock.requests().stream().filter(r -> r.fault().isPresent()).count()).isPositive();
        assertThat(summary.ok() + summary.failed()).isEqualTo(PROMPTS);
        assertThat(resultLines(out)).allSatisfy(line ->
            assertThat(line.get("status").asText().equals("ok") || !line.get("error").asText().isEmpty()).isTrue());
        assertThat(summary.ok()).isEqualTo(PROMPTS);
      }
    }
  }

  @Test
  @Timeout(120)
  void transportFaultsLeaveEveryKeptSvgAsAFaultFreeRunHasIt() throws Exception {
    Map<String, String> clean;
    try (MockLmdeployServer mock = MockLmdeployServer.builder().seed(5).start()) {
      run(mock, dir.resolve("clean"));
      clean = keptSvgs(dir.resolve("clean"));
    }
    try (MockLmdeployServer mock = MockLmdeployServer.builder().seed(5)
        .faults(FaultPlan.random(0.3, 12, Fault.transportOnly(STALL))).start()) {
      run(mock, dir.resolve("faulty"));

      assertThat(mock.requests().stream().filter(r -> r.fault().isPresent()).count()).isGreaterThan(10);
      assertThat(keptSvgs(dir.resolve("faulty"))).hasSize(PROMPTS).isEqualTo(clean);
    }
  }

  private static Map<String, String> keptSvgs(Path out) throws Exception {
    try (Stream<Path> files = Files.list(out.resolve("final_svgs"))) {
      return files.filter(f -> f.toString().endsWith(".svg")).collect(Collectors.toMap(
          f -> f.getFileName().toString(), f -> read(f), (a, b) -> a, TreeMap::new));
    }
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<JsonNode> resultLines(Path out) throws Exception {
    return Files.readAllLines(out.resolve("results.jsonl")).stream().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (Exception e) {
        throw new AssertionError(l, e);
      }
    }).toList();
  }
}
