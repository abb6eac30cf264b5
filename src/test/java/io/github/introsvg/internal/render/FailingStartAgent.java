package io.github.introsvg.internal.render;

/** Java agent for a worker JVM that prints {@code args} numbered lines to stderr and exits 1: a worker that can't start. */
public final class FailingStartAgent {

  private FailingStartAgent() {}

  public static void premain(String args) {
    for (int i = 1; i <= Integer.parseInt(args); i++) System.err.println("failing start line " + i);
    System.exit(1);
  }
}
