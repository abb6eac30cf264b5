package io.github.introsvg.cli;

import java.io.PrintWriter;
import java.util.Objects;

/**
 * stderr as the user reads it: whole-line messages, and on a terminal one status line redrawn in place below
 * them. A message first clears the status line and then draws it again, so nothing is ever glued onto it.
 */
final class Console {

  private static final String CLEAR_LINE = "\r\033[K";

  private final PrintWriter err;
  private final boolean interactive;
  private String status = "";

  Console(PrintWriter err, boolean interactive) {
    this.err = Objects.requireNonNull(err, "err == null");
    this.interactive = interactive;
  }

  boolean interactive() {
    return interactive;
  }

  /** One line of its own: a note, a warning, an outage pause. */
  synchronized void message(String line) {
    if (!status.isEmpty()) err.print(CLEAR_LINE);
    err.println(line);
    if (!status.isEmpty()) err.print(status);
    err.flush();
  }

  /** On a terminal, replaces the status line; elsewhere, prints it as a line of its own. */
  synchronized void status(String line) {
    if (interactive) {
      err.print(CLEAR_LINE + line);
      status = line;
    } else {
      err.println(line);
    }
    err.flush();
  }

  /** Leaves the status line on screen as it is and moves below it. */
  synchronized void endStatus() {
    if (!status.isEmpty()) err.println();
    status = "";
    err.flush();
  }

  /** "1 prompt", "2 prompts", "0 prompts". */
  static String count(long n, String noun) {
    return count(n, noun, noun + "s");
  }

  /** "1 retry", "2 retries". */
  static String count(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }
}
