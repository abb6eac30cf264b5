package io.github.introsvg.render;

/** An SVG that could not be rendered; the loop treats it as a failed candidate, never as a crash. */
public final class SvgRenderException extends RuntimeException {

  /** Why the render failed, as a closed set the loop and reports can count. */
  public enum Reason {
    MALFORMED, TOO_LARGE, UNSAFE, FAILED,
    /** The render ran past its wall-clock limit; the default renderer then kills the worker process it ran in. */
    TIMED_OUT
  }

  private final Reason reason;

  public SvgRenderException(Reason reason, String message) {
    this(reason, message, null);
  }

  public SvgRenderException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
