package io.github.introsvg.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Entry point of the runnable jar: builds the command line, runs it, exits with its code. */
public final class Main {

  /** How long Ctrl-C waits for in-flight prompts to be abandoned and the summary written. */
  private static final long STOP_GRACE_SECONDS = 15;

  /** Held strongly: java.util.logging forgets the level of a logger nobody references. */
  private static final Logger JSVG_LOG = Logger.getLogger("com.github.weisj.jsvg");

  private Main() {}

  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--verbose")) {
      // Read by LogbackSetup; must be set before the first logger exists.
      System.setProperty("INTROSVG_LOG_LEVEL", "DEBUG");
    } else {
      // JSVG warns through java.util.logging about every odd CSS rule a model writes: noise on a console.
      JSVG_LOG.setLevel(Level.SEVERE);
    }
    PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    Thread main = Thread.currentThread();
    CountDownLatch finished = new CountDownLatch(1);
    AtomicBoolean signalled = new AtomicBoolean();
    // Ctrl-C / SIGTERM: interrupt the command (a batch then stops cleanly and says how to resume), give it a
    // moment to finish writing, and exit "interrupted".
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (finished.getCount() == 0) return; // an ordinary exit
      signalled.set(true);
      main.interrupt();
      try {
        finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        // exit now
      }
      out.flush();
      err.flush();
      Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
    }, "introsvg-shutdown"));
    int code = Cli.execute(args, out, err, System.getenv());
    finished.countDown();
    if (!signalled.get()) System.exit(code); // during shutdown System.exit would block; the hook halts instead
  }
}
