package io.github.introsvg.internal.render;

/** Java agent for a worker JVM that delays its start-up by {@code args} milliseconds: a worker booting on a loaded box. */
public final class SlowStartAgent {

  private SlowStartAgent() {}

  public static void premain(String args) throws InterruptedException {
    Thread.sleep(Long.parseLong(args)); // runs in the child JVM before RenderWorker.main
  }
}
