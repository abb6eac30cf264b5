package io.github.introsvg.cli;

/** Every exit code the CLI uses; docs/operations.md lists them for users and scripts. */
final class ExitCodes {
  /** Everything asked for was produced. */
  static final int OK = 0;
  /** The run finished, but some prompts failed or some CSV rows were invalid (see results.jsonl). */
  static final int INCOMPLETE = 1;
  /** Bad command line or unusable input file. */
  static final int USAGE = 2;
  /**
   * The server could not be reached, or kept failing after every retry (5xx, resets, timeouts, garbled replies)
   * for longer than --max-outage; finished prompts are kept and the run resumes.
   */
  static final int SERVER_UNREACHABLE = 3;
  /** The server refused the run as configured: wrong API key, unknown model, a request it rejects (400). */
  static final int SERVER_REFUSED = 4;
  /** An output file could not be written (the message names the cause: no space, file too large, ...). */
  static final int OUTPUT_FAILED = 5;
  /** The SVG given to {@code render} could not be rendered. */
  static final int RENDER_FAILED = 6;
  /** OUT is in use by another run (sysexits EX_TEMPFAIL: try again once it has finished). */
  static final int OUT_BUSY = 75;
  /** A bug: the message says what, {@code --verbose} shows the stack trace. */
  static final int INTERNAL = 70;
  /** Stopped by Ctrl-C or SIGTERM. */
  static final int INTERRUPTED = 130;

  private ExitCodes() {}
}
