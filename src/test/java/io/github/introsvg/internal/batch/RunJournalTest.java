package io.github.introsvg.internal.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.introsvg.internal.lmdeploy.ChatReply;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class RunJournalTest {

  @TempDir Path out;

  @Test
  @Timeout(30)
  void turnsRecordedFromManyThreadsAtOnceAreAllReplayedAfterReopening() throws Exception {
    // Appends interleave with the group commit's fsyncs: no line may be lost, torn or glued to another.
    ObjectNode header = new ObjectMapper().createObjectNode().put("type", "run").put("settings", "same");
    int threads = 16;
    int turns = 40;
    try (RunJournal journal = RunJournal.open(out, header.deepCopy(), note -> {})) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String id = "p" + t;
        futures.add(pool.submit(() -> {
          for (int i = 1; i <= turns; i++) journal.record(id, "draft", i, reply(id + " reply " + i + " ✓"));
        }));
      }
      for (Future<?> f : futures) f.get();
      pool.shutdown();
    }

    List<String> notes = new ArrayList<>();
    try (RunJournal reopened = RunJournal.open(out, header.deepCopy(), notes::add)) {
      assertThat(notes).isEmpty();
      for (int t = 0; t < threads; t++) {
        for (int i = 1; i <= turns; i++) {
          assertThat(reopened.replay("p" + t, "draft", i)).get().extracting(ChatReply::content)
              .isEqualTo("p" + t + " reply " + i + " ✓");
        }
      }
    }
  }

  private static ChatReply reply(String content) {
    return new ChatReply(content, "stop", new ChatReply.Usage(10, 20), Duration.ofMillis(5));
  }
}
