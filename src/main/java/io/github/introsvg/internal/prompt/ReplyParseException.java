package io.github.introsvg.internal.prompt;

/** A model reply that does not hold what its turn needs (a complete SVG, or critique JSON). */
public final class ReplyParseException extends RuntimeException {

  public ReplyParseException(String message) {
    super(message);
  }

  public ReplyParseException(String message, Throwable cause) {
    super(message, cause);
  }
}
