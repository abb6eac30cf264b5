package io.github.introsvg.loop;

/**
 * Hears every turn of a prompt as soon as it is decided (answered and judged, or failed), with its role, attempt,
 * latency, tokens and, for a critique, its score; called on the prompt's thread, so it must be quick and
 * thread-safe.
 */
@FunctionalInterface
public interface TurnListener {

  TurnListener NONE = (promptId, turn) -> {};

  void turn(String promptId, Turn turn);
}
