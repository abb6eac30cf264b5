package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.Progress;
import io.github.introsvg.batch.Prompt;
import io.github.introsvg.batch.PromptRow;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.mock.MockLmdeployServer;
import io.github.introsvg.mock.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One client over several api_servers: balanced while all are up, finishing on the survivors when one dies. */
class MultiServerTest {

  private static final int PROMPTS = 16;

  @TempDir Path dir;

  @Test
  @Timeout(60)
  void aRunOverTwoServersFinishesEveryPromptWhenOneIsKilledHalfWay() throws Exception {
    List<Prompt> prompts = IntStream.rangeClosed(1, PROMPTS).mapToObj(i -> new Prompt("p" + i, "icon number " + i)).toList();
    AtomicInteger finished = new AtomicInteger();
    AtomicInteger aBeforeKill = new AtomicInteger();
    AtomicInteger bBeforeKill = new AtomicInteger();
    try (MockLmdeployServer a = MockLmdeployServer.builder().start();
        MockLmdeployServer b = MockLmdeployServer.builder().start();
        IntroSvg introSvg = IntroSvg.builder().renderInProcess().servers(List.of(a.baseUrl(), b.baseUrl())).policy(Policy.REFERENCE)
            .concurrency(4).retries(8, Duration.ofMillis(10), Duration.ofMillis(50)).build()) {
      BatchListener killAHalfWay = new BatchListener() {
        @Override
        public void finished(PromptRow row, PromptResult result, Progress progress) {
          if (finished.incrementAndGet() == PROMPTS / 2) {
            aBeforeKill.set(chatCalls(a));
            bBeforeKill.set(chatCalls(b));
            a.close(); // drops its open connections too: the prompts mid-turn there fail over to b
          }
        }
      };

      BatchSummary summary = introSvg.runBatch(prompts, dir.resolve("out"), killAHalfWay);

      assertThat(summary.ok()).isEqualTo(PROMPTS);
      assertThat(summary.failed()).isZero();
      // Both took a fair share while both were up; b alone answered after the kill.
      int total = aBeforeKill.get() + bBeforeKill.get();
      assertThat(aBeforeKill.get()).isGreaterThanOrEqualTo(total / 4);
      assertThat(bBeforeKill.get()).isGreaterThanOrEqualTo(total / 4);
      assertThat(chatCalls(b)).isGreaterThan(bBeforeKill.get());
      assertThat(Files.readAllLines(dir.resolve("out/results.jsonl"))).hasSize(PROMPTS);
      System.out.printf("two servers, one killed after %d of %d prompts: %d ok; chat calls before the kill a=%d b=%d,"
          + " after it b=%d%n", PROMPTS / 2, PROMPTS, summary.ok(), aBeforeKill.get(),
          bBeforeKill.get(), chatCalls(b) - bBeforeKill.get());
    }
  }

  @Test
  @Timeout(30)
  void serversThatServeDifferentModelsAreRefusedAtTheFirstUseNamingEach() {
    try (MockLmdeployServer a = MockLmdeployServer.builder().model("introsvg").start();
        MockLmdeployServer b = MockLmdeployServer.builder().model("qwen-vl").start();
        IntroSvg introSvg = IntroSvg.builder().renderInProcess().servers(List.of(a.baseUrl(), b.baseUrl())).build()) {

      assertThatThrownBy(introSvg::model)
          .hasMessageContaining("do not serve the same model")
          .hasMessageContaining(a.baseUrl() + " serves [introsvg]")
          .hasMessageContaining(b.baseUrl() + " serves [qwen-vl]");
    }
  }

  private static int chatCalls(MockLmdeployServer server) {
    return (int) server.requests().stream().map(RecordedRequest::path).filter("/v1/chat/completions"::equals).count();
  }
}
