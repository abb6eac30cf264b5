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
 * {@link ClientGapEvent}s a JFR recording collected: percentiles of the whole gap and medians of its parts.
 *
 * @param count gaps seen (one per request that followed a reply)
 * @param other the part of each gap no part accounts for: waiting for a thread, a connection or a permit, parsing
 */
public record ClientGaps(
    int count, Duration p50, Duration p90, Duration renderWaitP50, Duration renderP50, Duration encodeP50,
    Duration journalP50, Duration otherP50) {

  /** Records gaps from now until {@link #stop}. */
  public static Recorder record() {
    return new Recorder();
  }

  /** A running JFR recording of {@link ClientGapEvent} only. */
  public static final class Recorder implements AutoCloseable {
    private final Recording recording = new Recording();

    private Recorder() {
      recording.enable(ClientGapEvent.NAME).withoutThreshold().withoutStackTrace();
      recording.setToDisk(true);
      recording.start();
    }

    /** Stops recording and sums up what it saw. */
    public ClientGaps stop() {
      recording.stop();
      Path file = null;
      try {
        file = Files.createTempFile("introsvg-gaps", ".jfr");
        recording.dump(file);
        return of(RecordingFile.readAllEvents(file));
      } catch (IOException e) {
        throw new UncheckedIOException("can't read the JFR recording of client gaps: " + e.getMessage(), e);
      } finally {
        recording.close();
        if (file != null) file.toFile().delete();
      }
    }

    @Override
    public void close() {
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
    return new ClientGaps(n, percentile(gap, 0.5), percentile(gap, 0.9), percentile(wait, 0.5), percentile(render, 0.5),
        percentile(encode, 0.5), percentile(journal, 0.5), percentile(other, 0.5));
  }

  private static Duration percentile(long[] values, double p) {
    if (values.length == 0) return Duration.ZERO;
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return Duration.ofNanos(sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)]);
  }
}
