package io.github.introsvg.internal.loop;

import static io.github.introsvg.internal.loop.ScriptedChat.critique;
import static io.github.introsvg.internal.loop.ScriptedChat.svg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.internal.lmdeploy.ChatRequest;
import io.github.introsvg.lmdeploy.LmdeployException;
import io.github.introsvg.loop.Candidate;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.loop.PromptInterruptedException;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.loop.Role;
import io.github.introsvg.loop.Turn;
import io.github.introsvg.render.SvgRenderException;
import io.github.introsvg.render.SvgRenderer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefinementLoopTest {

  private static final String NEEDS_WORK = "1. Add a leaf\\n2. Darken the red";
  /** Renders to the SVG's own bytes so tests can see which candidate the critic was shown. */
  private static final SvgRenderer ECHO = svg -> {
    if (svg.contains("BROKEN")) throw new SvgRenderException(SvgRenderException.Reason.MALFORMED, "broken on purpose");
    return svg.getBytes(StandardCharsets.UTF_8);
  };
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  private final ScriptedChat chat = new ScriptedChat();

  private RefinementLoop loop(LoopSettings settings) {
    return new RefinementLoop(chat, ECHO, "m", settings, CLOCK);
  }

  private static LoopSettings policy(Policy policy) {
    return LoopSettings.builder().policy(policy).build();
  }

  @Test
  void referencePolicyMakesTheEightReferenceCallsInOrderAndKeepsTheLast() {
    chat.then(svg("d")).then(critique(9.5, "The overall quality is excellent, no changes are needed."))
        .then(svg("r1")).then(critique(4, NEEDS_WORK))
        .then(svg("r2")).then(critique(5, NEEDS_WORK))
        .then(svg("r3")).then(critique(3, NEEDS_WORK));

    PromptResult result = loop(policy(Policy.REFERENCE)).run("a1", "a red apple");

    assertThat(chat.requests).extracting(r -> r.pngBase64().isPresent())
        .containsExactly(false, true, false, true, false, true, false, true);
    assertThat(chat.requests).extracting(r -> r.sampling().temperature())
        .containsExactly(0.5, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.0);
    assertThat(chat.requests).extracting(r -> r.sampling().maxTokens())
        .containsExactly(6000, 2048, 6000, 2048, 6000, 2048, 6000, 2048);
    assertThat(result.status()).isEqualTo(PromptResult.Status.OK);
    assertThat(result.kept().orElseThrow().svg()).isEqualTo(svg("r3"));
    assertThat(result.finalScore()).isEqualTo(3.0);
    assertThat(result.candidates()).extracting(Candidate::score).containsExactly(9.5, 4.0, 5.0, 3.0);
  }

  @Test
  void criticSeesEachCandidatesRenderAndRefinerGetsTheCritique() {
    chat.then(svg("d")).then(critique(4, NEEDS_WORK)).then(svg("r1")).then(critique(9.1, "fine"));

    loop(policy(Policy.INTROSPECTIVE)).run("a1", "a red apple");

    ChatRequest firstCritique = chat.requests.get(1);
    assertThat(Base64.getDecoder().decode(firstCritique.pngBase64().orElseThrow()))
        .isEqualTo(svg("d").getBytes(StandardCharsets.UTF_8));
    assertThat(firstCritique.text()).contains("**Original Design Prompt**: \"a red apple\"");
    assertThat(chat.requests.get(2).text())
        .contains("```xml\n" + svg("d") + "\n```")
        .contains("an expert critique of this draft is: \"critique at 4.0\"")
        .contains("suggestions are: 1. Add a leaf\n2. Darken the red. Please");
  }

  @Test
  void introspectiveStopsAtStopScoreWithoutFurtherCalls() {
    chat.then(svg("d")).then(critique(9.0, NEEDS_WORK));

    PromptResult result = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x");

    assertThat(chat.requests).hasSize(2);
    assertThat(result.kept().orElseThrow().index()).isZero();
    assertThat(result.finalScore()).isEqualTo(9.0);
  }

  @Test
  void introspectiveStopsWhenSuggestionsSayNoChangeIsNeeded() {
    chat.then(svg("d")).then(critique(4, NEEDS_WORK)).then(svg("r1"))
        .then(critique(7, "The overall quality is excellent, no changes are needed."));

    PromptResult result = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x");

    assertThat(chat.requests).hasSize(4);
    assertThat(result.kept().orElseThrow().svg()).isEqualTo(svg("r1"));
  }

  @Test
  void introspectiveKeepsBestScoringCandidateAndLaterWinsTie() {
    chat.then(svg("d")).then(critique(6, NEEDS_WORK))
        .then(svg("r1")).then(critique(8, NEEDS_WORK))
        .then(svg("r2")).then(critique(5, NEEDS_WORK))
        .then(svg("r3")).then(critique(8, NEEDS_WORK));

    PromptResult result = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x");

    assertThat(chat.requests).hasSize(8);
    assertThat(result.keptIndex()).isEqualTo(3);
    assertThat(result.kept().orElseThrow().svg()).isEqualTo(svg("r3"));
  }

  @Test
  void everyCandidateIsCritiquedExactlyOnce() {
    chat.then(svg("d")).then(critique(6, NEEDS_WORK)).then(svg("r1")).then(critique(7, NEEDS_WORK))
        .then(svg("r2")).then(critique(8, NEEDS_WORK)).then(svg("r3")).then(critique(8.5, NEEDS_WORK));

    PromptResult result = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x");

    assertThat(result.turns().stream().filter(t -> t.role() == Role.CRITIQUE).count())
        .isEqualTo(result.candidates().size());
    assertThat(result.candidates()).allMatch(c -> c.critique().isPresent());
  }

  @Test
  void truncatedOrUnparseableOrUnrenderableDraftIsRegeneratedWithNewSeed() {
    chat.thenTruncated("```xml\n<svg viewBox=\"0 0 200 200\"><path d=\"M0")
        .then("Sorry, I can't.")
        .then("<svg><!-- BROKEN --></svg>");

    PromptResult result = loop(LoopSettings.builder().draftAttempts(3).build()).run("a1", "x");

    assertThat(result.status()).isEqualTo(PromptResult.Status.FAILED);
    assertThat(result.error()).startsWith("no usable draft in 3 attempts").contains("broken on purpose");
    assertThat(result.turns()).extracting(Turn::outcome).containsExactly(
        Turn.Outcome.TRUNCATED, Turn.Outcome.UNPARSEABLE, Turn.Outcome.UNRENDERABLE);
    assertThat(chat.requests).extracting(ChatRequest::seed).doesNotHaveDuplicates();
    assertThat(result.candidates()).isEmpty();
  }

  @Test
  void failedRefinementIsDiscardedAndRetriedFromThePreviousCandidate() {
    chat.then(svg("d")).then(critique(4, NEEDS_WORK))
        .thenTruncated("<svg viewBox=\"0 0 200 200\"><rect")
        .then(svg("r1")).then(critique(9.5, NEEDS_WORK));

    PromptResult result = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x");

    assertThat(chat.requests.get(3).text()).isEqualTo(chat.requests.get(2).text());
    assertThat(chat.requests.get(3).seed()).isNotEqualTo(chat.requests.get(2).seed());
    assertThat(result.candidates()).extracting(Candidate::svg).containsExactly(svg("d"), svg("r1"));
    assertThat(result.kept().orElseThrow().svg()).isEqualTo(svg("r1"));
  }

  @Test
  void spentRefinementAttemptsDeliverTheLastCritiquedCandidate() {
    chat.then(svg("d")).then(critique(4, NEEDS_WORK)).then("no").then("no").then("no");

    PromptResult result = loop(policy(Policy.REFERENCE)).run("a1", "x");

    assertThat(result.status()).isEqualTo(PromptResult.Status.OK);
    assertThat(result.kept().orElseThrow().svg()).isEqualTo(svg("d"));
    assertThat(result.error()).startsWith("stopped refining in round 1 after 3 failed attempts");
    assertThat(chat.requests).hasSize(5);
  }

  @Test
  void unparseableCritiqueIsAskedAgainThenFailsThePromptWithReason() {
    chat.then(svg("d")).then("no json").then("{\"score\": \"high\"}").then("{}");

    PromptResult result = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x");

    assertThat(result.status()).isEqualTo(PromptResult.Status.FAILED);
    assertThat(result.error()).startsWith("no usable critique of candidate 1 in 3 attempts").contains("no \"score\"");
  }

  @Test
  void failedCritiqueOfALaterCandidateDeliversTheLastCritiquedOne() {
    chat.then(svg("d")).then(critique(4, NEEDS_WORK)).then(svg("r1")).then("no json").then("none").then("nothing");

    PromptResult result = loop(policy(Policy.REFERENCE)).run("a1", "x");

    assertThat(result.status()).isEqualTo(PromptResult.Status.OK);
    assertThat(result.kept().orElseThrow().svg()).isEqualTo(svg("d"));
    assertThat(result.error()).startsWith("no usable critique of candidate 2 in 3 attempts").endsWith("; delivered candidate 1");
    assertThat(result.candidates()).hasSize(2);
    assertThat(result.candidates().get(1).critique()).isEmpty();
  }

  @Test
  void serverErrorCountsAsFailedAttemptButUnknownModelOrLongOutageStopsEverything() {
    chat.thenFail(new LmdeployException.ServerError("HTTP 500", 500, "")).then(svg("d")).then(critique(9.5, "ok"));
    assertThat(loop(policy(Policy.INTROSPECTIVE)).run("a1", "x").status()).isEqualTo(PromptResult.Status.OK);

    chat.thenFail(new LmdeployException.UnknownModel("no such model", 404, ""));
    assertThatThrownBy(() -> loop(policy(Policy.INTROSPECTIVE)).run("a2", "x"))
        .isInstanceOf(LmdeployException.UnknownModel.class);

    chat.thenFail(new LmdeployException.ServerUnavailable("unavailable for 30 min", null));
    assertThatThrownBy(() -> loop(policy(Policy.INTROSPECTIVE)).run("a3", "x"))
        .isInstanceOf(LmdeployException.ServerUnavailable.class);
  }

  @Test
  void seedsDependOnlyOnPromptTurnAndAttempt() {
    for (int run = 0; run < 2; run++) {
      chat.then(svg("d")).then(critique(4, NEEDS_WORK)).then(svg("r1")).then(critique(9.5, "ok"));
      loop(policy(Policy.INTROSPECTIVE)).run("a1", "x");
    }
    List<Long> seeds = chat.requests.stream().map(ChatRequest::seed).toList();
    assertThat(seeds.subList(0, 4)).isEqualTo(seeds.subList(4, 8)).doesNotHaveDuplicates();
    assertThat(seeds).allMatch(s -> s >= 0 && s <= Integer.MAX_VALUE);
  }

  @Test
  void zeroRoundsCritiquesTheDraftOnceAtTemperatureZero() {
    chat.then(svg("d")).then(critique(6, NEEDS_WORK));

    PromptResult result = loop(LoopSettings.builder().rounds(0).build()).run("a1", "x");

    assertThat(chat.requests).extracting(r -> r.sampling().temperature()).containsExactly(0.5, 0.0);
    assertThat(result.turns()).extracting(Turn::label).containsExactly("draft", "critique-final");
  }

  @Test
  void replaysJournaledTurnsWithoutAskingTheServerAgain() {
    chat.then(svg("d")).then("not json").then(critique(4, NEEDS_WORK)).then(svg("r1")).then(critique(9.5, "ok"));
    MemoryJournal journal = new MemoryJournal();
    PromptResult first = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x", journal, () -> false);
    int calls = chat.requests.size();

    PromptResult replayed = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x", journal, () -> false);

    assertThat(chat.requests).hasSize(calls);
    assertThat(journal.recorded).hasSize(5);
    assertThat(replayed.candidates()).extracting(Candidate::svg).isEqualTo(first.candidates().stream().map(Candidate::svg).toList());
    assertThat(replayed.turns()).extracting(Turn::outcome).isEqualTo(first.turns().stream().map(Turn::outcome).toList());
  }

  @Test
  void resumesAfterTheLastJournaledTurn() {
    MemoryJournal journal = new MemoryJournal();
    chat.then(svg("d")).thenFail(new LmdeployException.Io("connection reset", null));
    loop(LoopSettings.builder().critiqueAttempts(1).build()).run("a1", "x", journal, () -> false); // "crashes" after the draft
    chat.requests.clear();
    chat.then(critique(9.5, "ok"));

    PromptResult resumed = loop(policy(Policy.INTROSPECTIVE)).run("a1", "x", journal, () -> false);

    assertThat(chat.requests).hasSize(1);
    assertThat(chat.requests.get(0).pngBase64()).isPresent();
    assertThat(resumed.kept().orElseThrow().svg()).isEqualTo(svg("d"));
  }

  @Test
  void interruptedThreadAbandonsThePrompt() {
    chat.then(svg("d"));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> loop(policy(Policy.INTROSPECTIVE)).run("a1", "x", new MemoryJournal(), () -> false))
          .isInstanceOf(PromptInterruptedException.class);
      assertThat(chat.requests).isEmpty();
    } finally {
      Thread.interrupted();
    }
  }

  /** An in-memory journal keyed as the real one is. */
  private static final class MemoryJournal implements TurnJournal {
    final java.util.Map<String, io.github.introsvg.internal.lmdeploy.ChatReply> recorded = new java.util.LinkedHashMap<>();

    @Override
    public java.util.Optional<io.github.introsvg.internal.lmdeploy.ChatReply> replay(String promptId, String label, int attempt) {
      return java.util.Optional.ofNullable(recorded.get(promptId + "/" + label + "/" + attempt));
    }

    @Override
    public void record(String promptId, String label, int attempt, io.github.introsvg.internal.lmdeploy.ChatReply reply) {
      recorded.put(promptId + "/" + label + "/" + attempt, reply);
    }
  }
}
