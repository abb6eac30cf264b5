package io.github.introsvg.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Entry point of the runnable jar: builds the command line, runs it, exits with its code. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--verbose")) {
      // Read by logback.xml; must be set before the first logger exists.
      System.setProperty("INTROSVG_LOG_LEVEL", "DEBUG");
    }
    PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(Cli.execute(args, out, err, System.getenv()));
  }
}
