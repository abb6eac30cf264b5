package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.render.SvgRenderException;
import io.github.introsvg.render.SvgRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BoundedRendererTest {

  @Test
  @Timeout(10)
  void neverRunsMoreRendersAtOnceThanPermits() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    SvgRenderer slow = svg -> {
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      running.decrementAndGet();
      return new byte[] {1};
    };
    BoundedRenderer bounded = new BoundedRenderer(slow, 2);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<byte[]>> renders = new ArrayList<>();
      for (int i = 0; i < 8; i++) renders.add(pool.submit(() -> bounded.renderPng("<svg/>")));
      while (running.get() < 2) Thread.onSpinWait();
      release.countDown();
      for (Future<byte[]> f : renders) assertThat(f.get()).containsExactly(1);
      assertThat(most.get()).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void passesFailuresThroughAndFreesThePermit() {
    BoundedRenderer bounded = new BoundedRenderer(svg -> {
      throw new SvgRenderException(SvgRenderException.Reason.MALFORMED, "bad");
    }, 1);
    for (int i = 0; i < 3; i++) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> bounded.renderPng("x")).hasMessage("bad");
    }
  }
}
