package io.github.introsvg.internal.render;

import io.github.introsvg.render.SvgRenderer;
import java.util.Objects;
import java.util.concurrent.Semaphore;

/**
 * Lets at most {@code permits} renders run at once, whatever the number of prompts in flight: rendering is
 * pure CPU, so more renders than cores only add heap (each holds a 200x200 raster and its PNG) and latency.
 */
public final class BoundedRenderer implements SvgRenderer {

  private final SvgRenderer delegate;
  private final Semaphore permits;

  public BoundedRenderer(SvgRenderer delegate, int permits) {
    this.delegate = Objects.requireNonNull(delegate, "delegate == null");
    if (permits < 1) throw new IllegalArgumentException("permits < 1: " + permits);
    this.permits = new Semaphore(permits, true);
  }

  /** As many concurrent renders as the machine has cores. */
  public static BoundedRenderer perCore(SvgRenderer delegate) {
    return new BoundedRenderer(delegate, Runtime.getRuntime().availableProcessors());
  }

  @Override
  public byte[] renderPng(String svg) {
    permits.acquireUninterruptibly(); // a waiting render is short; interrupts are handled between turns
    try {
      return delegate.renderPng(svg);
    } finally {
      permits.release();
    }
  }
}
