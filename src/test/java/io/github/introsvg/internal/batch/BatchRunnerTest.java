package io.github.introsvg.internal.batch;

import static io.github.introsvg.testing.Journals.json;
import static io.github.introsvg.testing.Journals.seedsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.batch.BatchInterruptedException;
import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.Progress;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.ResumeConflictException;
import io.github.introsvg.internal.lmdeploy.LmdeployClient;
import io.github.introsvg.internal.loop.RefinementLoop;
import io.github.introsvg.internal.render.JsvgRenderer;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.mock.MockLmdeployServer;
import io.github.introsvg.mock.RecordedRequest;
import io.github.introsvg.testing.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class BatchRunnerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private MockLmdeployServer mock;
  private LmdeployClient client;
  private Path csv;
  private Path out;

  @BeforeEach
  void start() throws Exception {
    mock = MockLmdeployServer.builder().seed(3).port(Ports.free()).start(); // a test starts another on its port
    client = LmdeployClient.builder().baseUrl(mock.baseUrl()).maxConnections(4).build();
    csv = Files.writeString(dir.resolve("p.csv"), "id,desc\na,a red apple\nb,a blue cup\nc,a green tree\nd,a sun\n");
    out = dir.resolve("out");
  }

  @AfterEach
  void stop() {
    client.close();
    mock.close();
  }

  private BatchRunner runner(LoopSettings settings) {
    RefinementLoop loop = new RefinementLoop(client, new JsvgRenderer(), mock.model(), settings, Clock.systemUTC());
    return new BatchRunner(loop, 2, Map::of, Clock.systemUTC());
  }

  private static LoopSettings reference() {
    return LoopSettings.builder().policy(Policy.REFERENCE).build();
  }

  @Test
  void resumesAfterACrashWithoutAskingAnyAnsweredTurnAgain() throws Exception {
    runner(reference()).run(csv, out, BatchListener.NONE, false);
    assertThat(chatBodies()).hasSize(32);
    // Simulate a crash after 13 answered turns: the journal keeps its header and those turns, then a torn line.
    List<String> lines = Files.readAllLines(out.resolve(RunJournal.FILE));
    List<String> kept = lines.stream().filter(l -> !l.contains("\"type\":\"done\"")).limit(14).toList();
    // A later turn line, cut: "done" lines are shorter than the cut, and which line comes 21st depends on timing.
    String torn = lines.stream().filter(l -> l.contains("\"type\":\"turn\"")).skip(13).findFirst().orElseThrow();
    Files.writeString(out.resolve(RunJournal.FILE), String.join("\n", kept) + "\n" + torn.substring(0, 40));
    Files.delete(out.resolve("results.jsonl"));
    Path leftover = Files.writeString(out.resolve("final_svgs/.introsvg-a.svg123.tmp"), "<svg"); // killed between write and rename
    mock.clearRequests();

    BatchSummary summary = runner(reference()).run(csv, out, BatchListener.NONE, false);

    assertThat(chatBodies()).hasSize(32 - 13);
    Set<Long> answeredBeforeCrash = seedsOf(kept, out);
    assertThat(answeredBeforeCrash).hasSize(13);
    assertThat(chatSeeds()).doesNotContainAnyElementsOf(answeredBeforeCrash);
    assertThat(summary.ok()).isEqualTo(4);
    assertThat(Files.readAllLines(out.resolve("results.jsonl"))).hasSize(4);
    assertThat(leftover).doesNotExist();
  }

  @Test
  void rerunOfAFinishedRunAsksNothing() throws Exception {
    runner(reference()).run(csv, out, BatchListener.NONE, false);
    mock.clearRequests();
    List<String> results = Files.readAllLines(out.resolve("results.jsonl"));

    BatchSummary again = runner(reference()).run(csv, out, BatchListener.NONE, false);

    assertThat(chatBodies()).isEmpty();
    assertThat(again.ok()).isEqualTo(4);
    assertThat(again.calls()).isEqualTo(32);
    assertThat(Files.readAllLines(out.resolve("results.jsonl"))).containsExactlyInAnyOrderElementsOf(results);
  }

  @Test
  void refusesToResumeWithOtherSettingsUnlessForcedNew() throws Exception {
    runner(reference()).run(csv, out, BatchListener.NONE, false);

    assertThatThrownBy(() -> runner(reference().toBuilder().rounds(2).build()).run(csv, out, BatchListener.NONE, false))
        .isInstanceOf(ResumeConflictException.class)
        .hasMessageContaining("rounds 3 -> 2")
        .hasMessageContaining("--force-new");
    Files.writeString(csv, "id,desc\na,a red apple\n");
    assertThatThrownBy(() -> runner(reference()).run(csv, out, BatchListener.NONE, false))
        .hasMessageContaining("prompts_sha256");

    mock.clearRequests();
    BatchSummary fresh = runner(reference().toBuilder().rounds(2).build()).run(csv, out, BatchListener.NONE, true);
    assertThat(fresh.ok()).isEqualTo(1);
    assertThat(chatBodies()).hasSize(6);
    Path aside;
    try (var files = Files.list(out)) {
      aside = files.filter(p -> p.getFileName().toString().startsWith("previous-")).findFirst().orElseThrow();
    }
    // The earlier run's files moved aside whole: nothing of it mixes with the new run's.
    assertThat(aside.resolve(RunJournal.FILE)).exists();
    assertThat(aside.resolve("final_svgs/d.svg")).exists();
    assertThat(out.resolve("final_svgs/d.svg")).doesNotExist();
    assertThat(out.resolve("intermediate_files/03_iteration")).doesNotExist();
  }

  @Test
  void journalWhoseHeaderWasTornStartsAfresh() throws Exception {
    Files.createDirectories(out);
    Files.writeString(out.resolve(RunJournal.FILE), "{\"type\":\"run\",\"mod");

    BatchSummary summary = runner(reference()).run(csv, out, BatchListener.NONE, false);

    assertThat(summary.ok()).isEqualTo(4);
    assertThat(json(Files.readAllLines(out.resolve(RunJournal.FILE)).get(0)).get("type").asText()).isEqualTo("run");
    mock.clearRequests();
    assertThat(runner(reference()).run(csv, out, BatchListener.NONE, false).ok()).isEqualTo(4);
    assertThat(chatBodies()).isEmpty();
  }

  @Test
  void interruptStopsTheBatchAndTheRestRunsOnResume() throws Exception {
    mock.close();
    mock = MockLmdeployServer.builder().seed(3).port(mock.port()).latency(Duration.ofMillis(100)).start();
    CountDownLatch firstDone = new CountDownLatch(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread batch = new Thread(() -> {
      try {
        runner(reference()).run(csv, out, new BatchListener() {
          @Override
          public void finished(PromptRow row, PromptResult result, Progress progress) {
            firstDone.countDown();
          }
        }, false);
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    batch.start();
    firstDone.await();
    batch.interrupt();
    batch.join();

    assertThat(thrown.get()).isInstanceOf(BatchInterruptedException.class);
    assertThat(JSON.readTree(out.resolve("summary.json").toFile()).get("status").asText()).isEqualTo("interrupted");
    List<String> journalAtStop = Files.readAllLines(out.resolve(RunJournal.FILE));
    mock.clearRequests();

    BatchSummary resumed = runner(reference()).run(csv, out, BatchListener.NONE, false);

    assertThat(resumed.ok()).isEqualTo(4);
    Set<Long> answeredBeforeStop = seedsOf(journalAtStop, out);
    assertThat(answeredBeforeStop).hasSizeGreaterThanOrEqualTo(8);
    // As a set: a request abandoned at the stop may still reach the mock's log after it was cleared.
    assertThat(Set.copyOf(chatSeeds())).doesNotContainAnyElementsOf(answeredBeforeStop).hasSize(32 - answeredBeforeStop.size());
  }

  private List<String> chatBodies() {
    return mock.requests().stream().filter(r -> r.path().equals("/v1/chat/completions") && r.status() == 200)
        .map(RecordedRequest::body).toList();
  }

  private List<Long> chatSeeds() {
    return chatBodies().stream().map(b -> json(b).get("seed").asLong()).toList();
  }

}
