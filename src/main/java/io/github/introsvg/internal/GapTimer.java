package io.github.introsvg.internal;

import java.util.Arrays;
import jdk.jfr.FlightRecorder;

/**
 * Times, per thread, the client's own work between a reply and the same prompt's next request, and reports it as
 * a {@link ClientGapEvent} while Java Flight Recorder runs. A prompt runs its turns one after the other on one
 * thread (the HTTP call is synchronous), so the parts are summed in a thread-local since the last reply.
 *
 * <p>Kept apart from the event class on purpose: loading any JFR event class makes the JVM instrument it,
 * which loads about 85 JFR classes (0.15 s) on the way to a run's first chat request. This class touches the
 * event only once a recording exists ({@code bench}, {@code -XX:StartFlightRecording}, or {@code jcmd JFR.start}).
 */
public final class GapTimer {

  /** Where a part of the gap went. */
  public enum Part {
    /** Waiting for a free render worker. */
    RENDER_WAIT,
    /** The render call (the loop times it); the event reports it less {@link #RENDER_WAIT}. */
    RENDER,
    /** Base64 of the PNG and the request's JSON body. */
    ENCODE,
    /** Appending the turn to the run's journal (a write and an fsync). */
    JOURNAL
  }

  // [reply arrived at (0: none), then nanos per Part]
  private static final ThreadLocal<long[]> SINCE_REPLY = ThreadLocal.withInitial(() -> new long[1 + Part.values().length]);

  private GapTimer() {}

  /** Called when a reply's last byte has been read: starts this thread's gap. */
  public static void replyArrived() {
    long[] t = SINCE_REPLY.get();
    Arrays.fill(t, 0);
    t[0] = System.nanoTime();
  }

  /** Adds {@code nanos} to this thread's gap under {@code part}; no gap open (e.g. a draft's encode) is fine. */
  public static void spent(Part part, long nanos) {
    long[] t = SINCE_REPLY.get();
    if (t[0] != 0) t[1 + part.ordinal()] += nanos;
  }

  /** Called as a request is about to go out: closes this thread's gap, if one is open, as an event. */
  public static void requestSending() {
    long[] t = SINCE_REPLY.get();
    if (t[0] == 0) return;
    long gap = System.nanoTime() - t[0];
    t[0] = 0;
    if (!FlightRecorder.isInitialized()) return;
    long renderWait = t[1 + Part.RENDER_WAIT.ordinal()];
    // The loop times the whole render call; the renderer's wait for a worker is inside it.
    ClientGapEvent.commit(gap, renderWait, t[1 + Part.RENDER.ordinal()] - renderWait, t[1 + Part.ENCODE.ordinal()],
        t[1 + Part.JOURNAL.ordinal()]);
  }
}
