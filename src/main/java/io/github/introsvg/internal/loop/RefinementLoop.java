package io.github.introsvg.internal.loop;

import io.github.introsvg.internal.GapTimer;
import io.github.introsvg.internal.lmdeploy.ChatClient;
import io.github.introsvg.internal.lmdeploy.ChatReply;
import io.github.introsvg.internal.lmdeploy.ChatRequest;
import io.github.introsvg.internal.prompt.CritiqueParser;
import io.github.introsvg.internal.prompt.PromptTemplates;
import io.github.introsvg.internal.prompt.ReplyParseException;
import io.github.introsvg.internal.prompt.SvgExtractor;
import io.github.introsvg.lmdeploy.LmdeployException;
import io.github.introsvg.lmdeploy.Sampling;
import io.github.introsvg.loop.Candidate;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.loop.PromptInterruptedException;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.loop.Role;
import io.github.introsvg.loop.Turn;
import io.github.introsvg.loop.TurnListener;
import io.github.introsvg.prompt.Critique;
import io.github.introsvg.render.SvgRenderException;
import io.github.introsvg.render.SvgRenderer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IntroSVG's generate -> render -> critique -> refine loop for one prompt at a time; thread-safe, so one
 * instance serves every prompt of a batch.
 */
public final class RefinementLoop {

  private static final Logger log = LoggerFactory.getLogger(RefinementLoop.class);

  private final ChatClient chat;
  private final SvgRenderer renderer;
  private final String model;
  private final LoopSettings settings;
  private final PromptTemplates templates = PromptTemplates.reference();
  private final Clock clock;

  public RefinementLoop(ChatClient chat, SvgRenderer renderer, String model, LoopSettings settings, Clock clock) {
    this.chat = Objects.requireNonNull(chat, "chat == null");
    this.renderer = Objects.requireNonNull(renderer, "renderer == null");
    this.model = Objects.requireNonNull(model, "model == null");
    this.settings = Objects.requireNonNull(settings, "settings == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
  }

  /** The served model name every request goes to. */
  public String model() {
    return model;
  }

  public LoopSettings settings() {
    return settings;
  }

  /**
   * Runs the whole loop for one prompt. Bad replies, failed renders and failed calls are retried within the
   * settings' attempts and recorded in the trace; they never throw.
   *
   * @throws LmdeployException.Unauthorized, {@link LmdeployException.UnknownModel} or {@link
   *     LmdeployException.ServerUnavailable} when no prompt can succeed against this server, so the caller
   *     stops the whole run
   */
  public PromptResult run(String id, String description) {
    return run(id, description, TurnJournal.NONE, () -> false);
  }

  /**
   * Runs the loop for one prompt, replaying the turns {@code journal} already holds and recording every new
   * answered turn in it before using its reply.
   *
   * @param stop checked before every request; also honoured: the calling thread's interrupt flag (which HTTP
   *     libraries may clear when they abort a read, hence the explicit check)
   * @throws PromptInterruptedException when stopped; nothing of the prompt is returned
   */
  public PromptResult run(String id, String description, TurnJournal journal, BooleanSupplier stop) {
    return run(id, description, journal, stop, TurnListener.NONE);
  }

  /** As {@link #run(String, String, TurnJournal, BooleanSupplier)}, telling {@code listener} of every turn. */
  public PromptResult run(String id, String description, TurnJournal journal, BooleanSupplier stop,
      TurnListener listener) {
    Objects.requireNonNull(journal, "journal == null");
    Objects.requireNonNull(stop, "stop == null");
    Objects.requireNonNull(listener, "listener == null");
    return new Run(id, description, journal, stop, listener).execute();
  }

  /** The mutable state of one prompt's loop. */
  private final class Run {
    private final String id;
    private final String description;
    private final TurnJournal journal;
    private final BooleanSupplier stop;
    private final Instant started = clock.instant();
    private final List<Candidate> candidates = new ArrayList<>();
    private final List<Turn> turns = new ArrayList<>();
    private String lastFailure = "";

    private final TurnListener listener;

    Run(String id, String description, TurnJournal journal, BooleanSupplier stop, TurnListener listener) {
      this.listener = listener;
      this.id = id;
      this.description = description;
      this.journal = journal;
      this.stop = stop;
    }

    PromptResult execute() {
      Optional<Candidate> draft = produce(Role.GENERATE, "draft", templates.generate(description),
          settings.generate(), settings.draftAttempts(), 0);
      if (draft.isEmpty()) {
        return failed("no usable draft in " + settings.draftAttempts() + " attempts: " + lastFailure);
      }
      candidates.add(draft.get());
      String note = "";
      for (int round = 1; round <= settings.rounds(); round++) {
        Candidate current = last();
        Optional<Critique> critique = critique(current, "critique-" + round, settings.critique());
        if (critique.isEmpty()) return withoutVerdictOn(current);
        if (satisfied(critique.get())) break;
        String prompt = templates.refine(description, current.svg(), critique.get().critique(), critique.get().suggestions());
        Optional<Candidate> refined = produce(Role.REFINE, "refine-" + round, prompt, settings.refine(),
            settings.refineAttempts(), round);
        if (refined.isEmpty()) {
          // The previous candidate is complete and critiqued: deliver it rather than fail the prompt.
          note = "stopped refining in round " + round + " after " + settings.refineAttempts() + " failed attempts: " + lastFailure;
          break;
        }
        candidates.add(refined.get());
      }
      if (last().critique().isEmpty()) {
        Optional<Critique> verdict = critique(last(), "critique-final", settings.finalCritique());
        if (verdict.isEmpty()) return withoutVerdictOn(last());
      }
      return delivered(keptIndex(), note);
    }

    private boolean satisfied(Critique critique) {
      return settings.policy() == Policy.INTROSPECTIVE
          && (critique.score() >= settings.stopScore() || critique.saysNoChangeNeeded());
    }

    /** The last critiqued candidate (reference) or the best-scoring one, the later on a tie (introspective). */
    private int keptIndex() {
      int kept = -1;
      for (int i = 0; i < candidates.size(); i++) {
        Candidate c = candidates.get(i);
        if (c.critique().isEmpty()) continue;
        if (kept < 0 || settings.policy() == Policy.REFERENCE || c.score() >= candidates.get(kept).score()) kept = i;
      }
      return kept;
    }

    /**
     * The critic gave no usable verdict on {@code candidate}: deliver the candidate kept among those already
     * critiqued, with a note, or fail when there is none (the draft's critique failed).
     */
    private PromptResult withoutVerdictOn(Candidate candidate) {
      String reason = critiqueFailure(candidate);
      int kept = keptIndex();
      return kept < 0 ? failed(reason) : delivered(kept, reason + "; delivered candidate " + (kept + 1));
    }

    /** Requests SVGs until one extracts, is complete and renders; empty when the attempts are spent. */
    private Optional<Candidate> produce(Role role, String label, String prompt, Sampling sampling, int attempts, int index) {
      for (int attempt = 1; attempt <= attempts; attempt++) {
        long seed = Seeds.of(id, label, attempt);
        Optional<ChatReply> reply = call(ChatRequest.text(model, prompt, sampling, seed), label, role, attempt, seed);
        if (reply.isEmpty()) continue;
        ChatReply r = reply.get();
        if (r.truncated()) {
          record(label, role, attempt, seed, sampling, r, Turn.Outcome.TRUNCATED,
              "reply cut at max_tokens " + sampling.maxTokens() + "; an incomplete SVG is never kept", OptionalDouble.empty());
          continue;
        }
        String svg;
        try {
          svg = SvgExtractor.extract(r.content());
        } catch (ReplyParseException e) {
          record(label, role, attempt, seed, sampling, r, Turn.Outcome.UNPARSEABLE, e.getMessage(), OptionalDouble.empty());
          continue;
        }
        byte[] png;
        long rendering = System.nanoTime();
        try {
          png = renderer.renderPng(svg);
          GapTimer.spent(GapTimer.Part.RENDER, System.nanoTime() - rendering);
        } catch (SvgRenderException e) {
          record(label, role, attempt, seed, sampling, r, Turn.Outcome.UNRENDERABLE,
              "render " + e.reason().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage(), OptionalDouble.empty());
          continue;
        }
        record(label, role, attempt, seed, sampling, r, Turn.Outcome.OK, "", OptionalDouble.empty());
        return Optional.of(new Candidate(index, svg, png, Optional.empty()));
      }
      return Optional.empty();
    }

    /** Asks the critic about {@code candidate} until a reply parses; stores the verdict on the candidate. */
    private Optional<Critique> critique(Candidate candidate, String label, Sampling sampling) {
      String prompt = templates.critique(description);
      long encoding = System.nanoTime();
      String png = Base64.getEncoder().encodeToString(candidate.png());
      GapTimer.spent(GapTimer.Part.ENCODE, System.nanoTime() - encoding);
      for (int attempt = 1; attempt <= settings.critiqueAttempts(); attempt++) {
        long seed = Seeds.of(id, label, attempt);
        Optional<ChatReply> reply = call(ChatRequest.withPng(model, prompt, png, sampling, seed), label, Role.CRITIQUE, attempt, seed);
        if (reply.isEmpty()) continue;
        ChatReply r = reply.get();
        try {
          Critique critique = CritiqueParser.parse(r.content());
          record(label, Role.CRITIQUE, attempt, seed, sampling, r, Turn.Outcome.OK, "", OptionalDouble.of(critique.score()));
          candidates.set(candidate.index(), new Candidate(candidate.index(), candidate.svg(), candidate.png(), Optional.of(critique))); // a candidate's index is its position
          return Optional.of(critique);
        } catch (ReplyParseException e) {
          Turn.Outcome outcome = r.truncated() ? Turn.Outcome.TRUNCATED : Turn.Outcome.UNPARSEABLE;
          record(label, Role.CRITIQUE, attempt, seed, sampling, r, outcome, e.getMessage(), OptionalDouble.empty());
        }
      }
      return Optional.empty();
    }

    private Optional<ChatReply> call(ChatRequest request, String label, Role role, int attempt, long seed) {
      Optional<ChatReply> replayed = journal.replay(id, label, attempt);
      if (replayed.isPresent()) return replayed;
      if (stopped()) throw new PromptInterruptedException(id);
      try {
        ChatReply reply = chat.complete(request);
        long journaling = System.nanoTime();
        journal.record(id, label, attempt, reply);
        GapTimer.spent(GapTimer.Part.JOURNAL, System.nanoTime() - journaling);
        return Optional.of(reply);
      } catch (LmdeployException.Interrupted e) {
        throw new PromptInterruptedException(id);
      } catch (LmdeployException.Unauthorized | LmdeployException.UnknownModel | LmdeployException.ServerUnavailable fatal) {
        throw fatal;
      } catch (LmdeployException e) {
        if (stopped()) throw new PromptInterruptedException(id);
        add(new Turn(label, role, attempt, seed, request.sampling(), "", "", 0, 0, 0,
            Turn.Outcome.CALL_FAILED, e.getMessage(), OptionalDouble.empty()));
        lastFailure = label + ": " + e.getMessage();
        log.debug("{} {} attempt {} failed: {}", id, label, attempt, e.getMessage());
        return Optional.empty();
      }
    }

    private boolean stopped() {
      return stop.getAsBoolean() || Thread.currentThread().isInterrupted();
    }

    private void record(String label, Role role, int attempt, long seed, Sampling sampling, ChatReply reply,
        Turn.Outcome outcome, String detail, OptionalDouble score) {
      add(new Turn(label, role, attempt, seed, sampling, reply.content(), reply.finishReason(),
          reply.usage().promptTokens(), reply.usage().completionTokens(), reply.latency().toMillis(), outcome, detail, score));
      if (outcome != Turn.Outcome.OK) {
        lastFailure = label + ": " + detail;
        log.debug("{} {} attempt {} not usable: {}", id, label, attempt, detail);
      }
    }

    private void add(Turn turn) {
      turns.add(turn);
      try {
        listener.turn(id, turn);
      } catch (RuntimeException e) {
        log.warn("turn listener failed", e);
      }
    }

    private String critiqueFailure(Candidate candidate) {
      // Candidates are numbered from 1 for people: the draft is candidate 1.
      return "no usable critique of candidate " + (candidate.index() + 1) + " in " + settings.critiqueAttempts()
          + " attempts: " + lastFailure;
    }

    private Candidate last() {
      return candidates.get(candidates.size() - 1);
    }

    private PromptResult delivered(int kept, String note) {
      return new PromptResult(id, description, PromptResult.Status.OK, kept, candidates, turns, note, elapsed());
    }

    private PromptResult failed(String reason) {
      return new PromptResult(id, description, PromptResult.Status.FAILED, -1, candidates, turns, reason, elapsed());
    }

    private Duration elapsed() {
      return Duration.between(started, clock.instant());
    }
  }
}
