package io.github.introsvg.internal.loop;

import io.github.introsvg.internal.lmdeploy.ChatReply;
import java.util.Optional;

/**
 * Remembers every answered turn so that a restarted run replays it instead of asking the server again.
 * Turns are identified by (prompt id, turn label, attempt), which also determine the request's seed.
 */
public interface TurnJournal {

  /** Remembers nothing: every turn goes to the server. */
  TurnJournal NONE = new TurnJournal() {
    @Override
    public Optional<ChatReply> replay(String promptId, String label, int attempt) {
      return Optional.empty();
    }

    @Override
    public void record(String promptId, String label, int attempt, ChatReply reply) {}
  };

  /** The reply this turn got in an earlier run, if it finished then. */
  Optional<ChatReply> replay(String promptId, String label, int attempt);

  /** Stores a finished turn durably; returns only once it would survive a crash. */
  void record(String promptId, String label, int attempt, ChatReply reply);
}
