package io.github.introsvg.bench;

import io.github.introsvg.internal.ClientGapEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * The client's own time between a reply and the same prompt's next request, over a benchmark level, from the
 * {@link ClientGapEvent}s a JFR recording collected: percentiles of the whole gap, and its mean split into parts
 * (means, because they add up to the mean gap; medians of parts would not add up to anything).
 *
 * @param count gaps seen (one per request that followed a reply)
 * @param otherMean the part no other part accounts for: waiting for a CPU, a connection or a permit; parsing
 */
public record ClientGaps(
    int count, Duration p50, Duration p90, Duration mean, Duration renderWaitMean, Duration renderMean,
    Duration encodeMean, Duration journalMean, Duration otherMean) {

  /** A recorder of gaps, not yet recording: see {@link Recorder#start}. */
  public static Recorder recorder() {
    return new Recorder();
  }

  /** A JFR recording of {@link ClientGapEvent} only. */
  public static final class Recorder implements AutoCloseable {
    private final Recording recording = new Recording();
    private boolean started;

    private Recorder() {
      recording.enable(ClientGapEvent.NAME).withoutThreshold().withoutStackTrace();
      recording.setToDisk(true);
    }

    /**
     * Starts recording (once; later calls do nothing). Starting JFR takes a second of CPU: {@code bench} starts
     * it on its own thread after the first turn, so that it does not delay the first request it measures.
     */
    public synchronized void start() {
      if (started) return;
      started = true;
      recording.start();
    }

    /** Stops recording and sums up what it saw. */
    public synchronized ClientGaps stop() {
      if (!started) return of(List.of());
      recording.stop();
      Path file = null;
      try {
        file = Files.createTempFile("introsvg-gaps", ".jfr");
        recording.dump(file);
        return of(RecordingFile.readAllEvents(file));
      } catch (IOException e) {
        throw new UncheckedIOException("can't read the JFR recording of client gaps: " + e.getMessage(), e);
      } finally {
        if (file != null) file.toFile().delete();
      }
    }

    @Override
    public synchronized void close() {
      started = true; // a start() still on its way must not begin a recording nobody stops
      recording.close();
    }
  }

  static ClientGaps of(List<RecordedEvent> events) {
    int n = events.size();
    long[] gap = new long[n];
    long[] wait = new long[n];
    long[] render = new long[n];
    long[] encode = new long[n];
    long[] journal = new long[n];
    long[] other = new long[n];
    for (int i = 0; i < n; i++) {
      RecordedEvent e = events.get(i);
      gap[i] = e.getDuration("gap").toNanos();
      wait[i] = e.getDuration("renderWait").toNanos();
      render[i] = e.getDuration("render").toNanos();
      encode[i] = e.getDuration("encode").toNanos();
      journal[i] = e.getDuration("journal").toNanos();
      other[i] = Math.max(0, gap[i] - wait[i] - render[i] - encode[i] - journal[i]);
    }
    return new ClientGaps(n, percentile(gap, 0.5), percentile(gap, 0.9), mean(gap), mean(wait), mean(render), mean(encode),
        mean(journal), mean(other));
  }

  private static Duration mean(long[] values) {
    return Duration.ofNanos(values.length == 0 ? 0 : Math.round(Arrays.stream(values).average().orElse(0)));
  }

  private static Duration percentile(long[] values, double p) {
    if (values.length == 0) return Duration.ZERO;
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return Duration.ofNanos(sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)]);
  }
}
