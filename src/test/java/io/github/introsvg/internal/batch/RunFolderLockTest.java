package io.github.introsvg.internal.batch;

import static io.github.introsvg.testing.Journals.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.RowProblem;
import io.github.introsvg.batch.RunFolderBusyException;
import io.github.introsvg.internal.lmdeploy.LmdeployClient;
import io.github.introsvg.internal.loop.RefinementLoop;
import io.github.introsvg.internal.render.JsvgRenderer;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.mock.MockLmdeployServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One run per OUT, within one JVM (the process-level case is in cli.RunFolderTest). */
@Timeout(60)
class RunFolderLockTest {

  @TempDir Path dir;
  private MockLmdeployServer mock;
  private LmdeployClient client;
  private Path csv;
  private Path out;

  @BeforeEach
  void start() throws Exception {
    mock = MockLmdeployServer.builder().seed(3).latency(Duration.ofMillis(50)).start();
    client = LmdeployClient.builder().baseUrl(mock.baseUrl()).maxConnections(4).build();
    csv = Files.writeString(dir.resolve("p.csv"), "id,desc\na,a red apple\nb,a blue cup\nc,a green tree\nd,a sun\n");
    out = dir.resolve("out");
  }

  @AfterEach
  void stop() {
    client.close();
    mock.close();
  }

  private BatchRunner runner() {
    LoopSettings settings = LoopSettings.builder().policy(Policy.REFERENCE).build();
    RefinementLoop loop = new RefinementLoop(client, new JsvgRenderer(), mock.model(), settings, Clock.systemUTC());
    return new BatchRunner(loop, 2, Map::of, Clock.systemUTC());
  }

  @Test
  void secondRunOnTheSameOutIsRefusedAtOnceWhileTheFirstFinishesWithEveryJournalLineParsing() throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CompletableFuture<BatchSummary> first = CompletableFuture.supplyAsync(() -> runner().run(csv, out, new BatchListener() {
      @Override
      public void started(int prompts, List<RowProblem> problems, int alreadyDone, int replayableTurns) {
        firstStarted.countDown();
      }
    }, false));
    assertThat(firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
    Path sameOutByAnotherName = Files.createSymbolicLink(dir.resolve("link"), out);

    long t0 = System.nanoTime();
    for (Path o : List.of(out, sameOutByAnotherName)) {
      for (boolean forceNew : List.of(false, true)) {
        assertThatThrownBy(() -> runner().run(csv, o, BatchListener.NONE, forceNew))
            .isInstanceOfSatisfying(RunFolderBusyException.class,
                e -> assertThat(e.holder()).get().extracting(RunFolderBusyException.Holder::pid)
                    .isEqualTo(ProcessHandle.current().pid()))
            .hasMessageContaining("is in use by another run (pid " + ProcessHandle.current().pid() + " on ");
      }
    }
    long refusedMillis = (System.nanoTime() - t0) / 1_000_000 / 4;

    assertThat(first.get(60, TimeUnit.SECONDS).ok()).isEqualTo(4);
    assertThat(first.isDone()).isTrue();
    assertThat(refusedMillis).isLessThan(2_000);
    List<String> journal = Files.readAllLines(out.resolve(RunJournal.FILE));
    assertThat(journal).allSatisfy(line -> assertThat(json(line).isObject()).isTrue());
    assertThat(journal.stream().filter(l -> l.contains("\"type\":\"turn\""))).hasSize(32);
    assertThat(journal.stream().filter(l -> l.contains("\"type\":\"run\""))).hasSize(1);
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("previous-"));
    }
    // Released at the end: the next run goes ahead (and asks nothing, every prompt being done).
    mock.clearRequests();
    assertThat(runner().run(csv, out, BatchListener.NONE, false).ok()).isEqualTo(4);
    assertThat(mock.requests()).noneMatch(r -> r.path().equals("/v1/chat/completions"));
    System.out.printf("second run in the same JVM: refused in %d ms on average (4 tries); first run: 4 of 4 ok,"
        + " %d journal lines, all parse%n", refusedMillis, journal.size());
  }

  @Test
  void forceNewNeverMovesTheLockFileAside() throws Exception {
    assertThat(runner().run(csv, out, BatchListener.NONE, false).ok()).isEqualTo(4);

    assertThat(runner().run(csv, out, BatchListener.NONE, true).ok()).isEqualTo(4);

    assertThat(out.resolve(RunFolderLock.FILE)).exists();
    try (var files = Files.walk(out)) {
      assertThat(files.filter(p -> p.getFileName().toString().equals(RunFolderLock.FILE))).hasSize(1);
    }
  }
}
