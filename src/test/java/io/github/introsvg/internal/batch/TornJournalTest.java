package io.github.introsvg.internal.batch;

import static io.github.introsvg.testing.Journals.json;
import static io.github.introsvg.testing.Journals.seedsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.batch.BatchListener;
import io.github.introsvg.batch.BatchSummary;
import io.github.introsvg.batch.DamagedRunFileException;
import io.github.introsvg.internal.lmdeploy.LmdeployClient;
import io.github.introsvg.internal.loop.RefinementLoop;
import io.github.introsvg.internal.render.JsvgRenderer;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.mock.MockLmdeployServer;
import io.github.introsvg.mock.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A crash can cut the journal's (or results.jsonl's) last line anywhere; resuming must still finish every prompt. */
@Timeout(60)
class TornJournalTest {

  private static final String UNICODE_ID = "icône-日本-03";
  private static final int TURNS = 4 * 8;

  @TempDir Path dir;
  private MockLmdeployServer mock;
  private LmdeployClient client;
  private Path csv;
  private Path out;
  private Path journal;
  private final List<String> notes = new CopyOnWriteArrayList<>();
  private final BatchListener listener = new BatchListener() {
    @Override
    public void note(String message) {
      notes.add(message);
    }
  };

  @BeforeEach
  void start() throws Exception {
    mock = MockLmdeployServer.builder().seed(3).start();
    client = LmdeployClient.builder().baseUrl(mock.baseUrl()).maxConnections(4).build();
    csv = Files.writeString(dir.resolve("p.csv"),
        "id,desc\na,a red apple\nb,a blue cup\n" + UNICODE_ID + ",a green tree\nd,a sun\n", StandardCharsets.UTF_8);
    out = dir.resolve("out");
    journal = out.resolve(RunJournal.FILE);
  }

  @AfterEach
  void stop() {
    client.close();
    mock.close();
  }

  private BatchSummary run(boolean forceNew) {
    LoopSettings settings = LoopSettings.builder().policy(Policy.REFERENCE).build();
    RefinementLoop loop = new RefinementLoop(client, new JsvgRenderer(), mock.model(), settings, Clock.systemUTC());
    return new BatchRunner(loop, 2, Map::of, Clock.systemUTC()).run(csv, out, listener, forceNew);
  }

  @Test
  void journalTornInsideAMultiByteCharacterResumesAndFinishesEveryPrompt() throws Exception {
    run(false);
    List<byte[]> lines = byteLines(journal);
    // A turn of the non-ASCII prompt, cut after the first of the three bytes of '日'.
    int tornAt = indexOf(lines, l -> new String(l, StandardCharsets.UTF_8).contains("\"type\":\"turn\",\"id\":\"" + UNICODE_ID), 6);
    byte[] torn = lines.get(tornAt);
    byte[] cut = Arrays.copyOf(torn, indexOf(torn, "日".getBytes(StandardCharsets.UTF_8)) + 1);
    List<String> kept = crashAt(lines, tornAt, cut);
    mock.clearRequests();

    BatchSummary resumed = run(false);

    assertThat(resumed.ok()).isEqualTo(4);
    assertThat(notes).singleElement().asString()
        .contains("dropped the torn last line of " + journal + " (" + cut.length + " bytes")
        .contains("will be asked again");
    assertEveryLineParses();
    int keptTurns = (int) kept.stream().filter(l -> l.contains("\"type\":\"turn\"")).count();
    assertThat(chatSeeds()).hasSize(TURNS - keptTurns).doesNotContainAnyElementsOf(seedsOf(kept, out));
    System.out.printf("journal torn inside a UTF-8 character: %d bytes dropped, %d turns kept, %d asked again, "
        + "%d of 4 prompts ok%n", cut.length, keptTurns, chatSeeds().size(), resumed.ok());
  }

  @Test
  void journalTornInsideAJsonStringResumesAndFinishesEveryPrompt() throws Exception {
    run(false);
    List<byte[]> lines = byteLines(journal);
    int tornAt = indexOf(lines, l -> new String(l, StandardCharsets.UTF_8).contains("\"type\":\"turn\""), 10);
    byte[] torn = lines.get(tornAt);
    byte[] cut = Arrays.copyOf(torn, indexOf(torn, "\"content\":\"".getBytes(StandardCharsets.UTF_8)) + 30);
    List<String> kept = crashAt(lines, tornAt, cut);
    mock.clearRequests();

    BatchSummary resumed = run(false);

    assertThat(resumed.ok()).isEqualTo(4);
    assertThat(notes).singleElement().asString().contains("(" + cut.length + " bytes");
    assertEveryLineParses();
    int keptTurns = (int) kept.stream().filter(l -> l.contains("\"type\":\"turn\"")).count();
    assertThat(chatSeeds()).hasSize(TURNS - keptTurns).doesNotContainAnyElementsOf(seedsOf(kept, out));
  }

  @Test
  void resultsTornInsideAMultiByteCharacterAreDroppedAndThatPromptFinishesFromTheJournal() throws Exception {
    run(false);
    List<byte[]> lines = byteLines(journal);
    // The crash came while the non-ASCII prompt's result line was written: its turns are all journaled, its done line is not.
    int doneAt = indexOf(lines, l -> new String(l, StandardCharsets.UTF_8).contains("\"type\":\"done\",\"id\":\"" + UNICODE_ID), 0);
    List<String> kept = crashAt(lines, doneAt, new byte[0]);
    List<String> results = Files.readAllLines(out.resolve("results.jsonl"));
    ByteArrayOutputStream tornResults = new ByteArrayOutputStream();
    for (String line : results) {
      String id = json(line).get("id").asText();
      boolean wasDone = kept.stream().anyMatch(l -> l.contains("\"type\":\"done\",\"id\":\"" + id + "\""));
      if (wasDone) tornResults.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }
    byte[] unicodeLine = results.stream().filter(l -> l.contains(UNICODE_ID)).findFirst().orElseThrow().getBytes(StandardCharsets.UTF_8);
    byte[] cut = Arrays.copyOf(unicodeLine, indexOf(unicodeLine, "本".getBytes(StandardCharsets.UTF_8)) + 2);
    tornResults.write(cut);
    Files.write(out.resolve("results.jsonl"), tornResults.toByteArray());
    mock.clearRequests();

    BatchSummary resumed = run(false);

    assertThat(resumed.ok()).isEqualTo(4);
    assertThat(notes).singleElement().asString()
        .contains("dropped the torn last line of " + out.resolve("results.jsonl") + " (" + cut.length + " bytes");
    // The prompt whose result line was torn asks nothing: all its turns were journaled.
    int keptTurns = (int) kept.stream().filter(l -> l.contains("\"type\":\"turn\"")).count();
    assertThat(chatSeeds()).hasSize(TURNS - keptTurns).doesNotContainAnyElementsOf(seedsOf(kept, out));
    assertEveryLineParses();
  }

  @Test
  void loneTornHeaderLineStartsAfreshWithANote() throws Exception {
    Files.createDirectories(out);
    String torn = "{\"type\":\"run\",\"format\":1,\"mod";
    Files.writeString(journal, torn);

    BatchSummary summary = run(false);

    assertThat(summary.ok()).isEqualTo(4);
    assertThat(notes).singleElement().asString().contains("(" + torn.length() + " bytes").contains("the run starts afresh");
    assertThat(chatSeeds()).hasSize(TURNS);
    assertEveryLineParses();
  }

  @Test
  void damageBeforeTheLastLineIsRefusedAndTheFileIsLeftAsItWasUntilForceNewSetsItAside() throws Exception {
    run(false);
    List<byte[]> lines = byteLines(journal);
    byte[] bad = lines.get(4);
    bad[bad.length / 2] = (byte) 0xff; // not UTF-8: a disk error or another writer, not a crash
    long offset = 0;
    for (int i = 0; i < 4; i++) offset += lines.get(i).length + 1;
    byte[] damaged = join(lines, lines.size());
    Files.write(journal, damaged);
    mock.clearRequests();

    assertThatThrownBy(() -> run(false))
        .isInstanceOfSatisfying(DamagedRunFileException.class, e -> {
          assertThat(e.line()).isEqualTo(5);
          assertThat(e.file()).isEqualTo(journal);
        })
        .hasMessageContaining("line 5 (byte " + offset + "): not UTF-8")
        .hasMessageContaining("left as it is")
        .hasMessageContaining("--force-new");
    assertThat(Files.readAllBytes(journal)).isEqualTo(damaged);
    assertThat(chatSeeds()).isEmpty();

    assertThat(run(true).ok()).isEqualTo(4);
    Path aside;
    try (Stream<Path> files = Files.list(out)) {
      aside = files.filter(p -> p.getFileName().toString().startsWith("previous-")).findFirst().orElseThrow();
    }
    assertThat(Files.readAllBytes(aside.resolve(RunJournal.FILE))).isEqualTo(damaged);
  }

  /** Leaves the journal as a crash would: its first {@code upTo} lines, then the bytes {@code cut}. */
  private List<String> crashAt(List<byte[]> lines, int upTo, byte[] cut) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(join(lines, upTo));
    bytes.write(cut);
    Files.write(journal, bytes.toByteArray());
    List<String> kept = new ArrayList<>();
    for (byte[] line : lines.subList(0, upTo)) kept.add(new String(line, StandardCharsets.UTF_8));
    return kept;
  }

  private static byte[] join(List<byte[]> lines, int count) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] line : lines.subList(0, count)) {
      bytes.write(line);
      bytes.write('\n');
    }
    return bytes.toByteArray();
  }

  private static List<byte[]> byteLines(Path file) throws Exception {
    byte[] all = Files.readAllBytes(file);
    List<byte[]> lines = new ArrayList<>();
    int from = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == '\n') {
        lines.add(Arrays.copyOfRange(all, from, i));
        from = i + 1;
      }
    }
    return lines;
  }

  /** The first line at or after {@code from} that matches. */
  private static int indexOf(List<byte[]> lines, java.util.function.Predicate<byte[]> matches, int from) {
    for (int i = from; i < lines.size(); i++) {
      if (matches.test(lines.get(i))) return i;
    }
    throw new AssertionError("no such line");
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) continue outer;
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  private void assertEveryLineParses() throws Exception {
    for (Path file : List.of(journal, out.resolve("results.jsonl"))) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(json(l).isObject()).isTrue());
    }
    assertThat(Files.readAllLines(out.resolve("results.jsonl")).stream().map(l -> json(l).get("id").asText()))
        .containsExactlyInAnyOrder("a", "b", UNICODE_ID, "d");
  }

  private List<Long> chatSeeds() {
    return mock.requests().stream().filter(r -> r.path().equals("/v1/chat/completions") && r.status() == 200)
        .map(RecordedRequest::body).map(b -> json(b).get("seed").asLong()).toList();
  }
}
