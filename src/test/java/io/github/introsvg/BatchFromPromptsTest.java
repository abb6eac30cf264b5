package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.Prompt;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.batch.RowProblem;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.loop.Role;
import io.github.introsvg.loop.Turn;
import io.github.introsvg.mock.MockLmdeployServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A batch of prompts handed over by an application (no CSV): same checks, same files, same resume. */
@Timeout(60)
class BatchFromPromptsTest {

  @TempDir Path dir;

  @Test
  void runsAStreamOfPromptsIntoOutTellsEveryTurnAndResumesWithoutAskingAgain() throws Exception {
    List<Prompt> prompts = List.of(new Prompt("apple", "a red apple"), new Prompt("cup", "a blue cup"),
        new Prompt("apple", "a second apple"), new Prompt("../x", "an unsafe id"), new Prompt("empty", " "));
    List<String> turns = new CopyOnWriteArrayList<>();
    List<RowProblem> problems = new CopyOnWriteArrayList<>();
    BatchListener listener = new BatchListener() {
      @Override
      public void started(int n, List<RowProblem> found, int alreadyDone, int replayableTurns) {
        problems.addAll(found);
      }

      @Override
      public void turn(PromptRow row, Turn turn) {
        turns.add(row.id() + " " + turn.label() + " " + turn.role() + " " + turn.outcome());
      }
    };
    Path out = dir.resolve("out");
    try (MockLmdeployServer mock = MockLmdeployServer.builder().start();
        IntroSvg introSvg = IntroSvg.builder().renderInProcess().server(mock.baseUrl()).policy(Policy.REFERENCE).concurrency(2).build()) {

      BatchSummary summary = introSvg.runBatch(prompts.stream(), out, listener);

      assertThat(summary.ok()).isEqualTo(3);
      assertThat(summary.invalid()).isEqualTo(2);
      assertThat(problems).extracting(RowProblem::line).containsExactly(3L, 4L, 5L); // 4: renamed, still runs
      assertThat(turns).hasSize(3 * 8).contains("apple draft " + Role.GENERATE + " OK");
      assertThat(out.resolve("final_svgs/apple.svg")).exists();
      assertThat(Files.readAllLines(out.resolve("results.jsonl"))).hasSize(5);

      mock.clearRequests();
      BatchSummary again = introSvg.runBatch(Stream.of(prompts.toArray(Prompt[]::new)), out, BatchListener.NONE);

      assertThat(again.ok()).isEqualTo(3);
      assertThat(mock.requests()).noneMatch(r -> r.path().equals("/v1/chat/completions"));
    }
  }
}
