package io.github.introsvg.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.batch.BatchListener;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveReportTest {

  @Test
  void passesEveryBatchEventOnToTheListenerItWraps() throws Exception {
    // A listener method LiveReport doesn't override would reach the run's own listener as a silent no-op.
    List<String> notForwarded = Arrays.stream(BatchListener.class.getDeclaredMethods())
        .filter(Method::isDefault)
        .filter(m -> {
          try {
            return LiveReport.class.getDeclaredMethod(m.getName(), m.getParameterTypes()) == null;
          } catch (NoSuchMethodException e) {
            return true;
          }
        })
        .map(Method::getName)
        .toList();

    assertThat(notForwarded).isEmpty();
  }
}
