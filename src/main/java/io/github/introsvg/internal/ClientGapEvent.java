package io.github.introsvg.internal;

import java.util.Arrays;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * A Java Flight Recorder event for each request that follows a reply on the same thread, i.e. a prompt's next
 * turn: how long the client took from the reply's last byte to sending that request, and what of it went where.
 * While no recording enables it, the cost per turn is a thread-local array update and one disabled-event check.
 * {@code bench} records it; {@code java -XX:StartFlightRecording ...} shows it in any run.
 *
 * <p>A prompt runs its turns one after the other on one thread (the HTTP call is synchronous), so the parts
 * are summed in a thread-local since the last reply.
 */
@Name(ClientGapEvent.NAME)
@Label("Reply to next request")
@Category("IntroSVG")
@Description("Client time between a reply and the same prompt's next request")
@StackTrace(false)
public final class ClientGapEvent extends Event {

  public static final String NAME = "io.github.introsvg.ClientGap";

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

  @Label("Gap") @Timespan(Timespan.NANOSECONDS) long gap;
  @Label("Render wait") @Timespan(Timespan.NANOSECONDS) long renderWait;
  @Label("Render") @Timespan(Timespan.NANOSECONDS) long render;
  @Label("Encode") @Timespan(Timespan.NANOSECONDS) long encode;
  @Label("Journal") @Timespan(Timespan.NANOSECONDS) long journal;

  private static final ClientGapEvent PROBE = new ClientGapEvent();
  // [reply arrived at (0: none), then nanos per Part]
  private static final ThreadLocal<long[]> SINCE_REPLY = ThreadLocal.withInitial(() -> new long[1 + Part.values().length]);

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
    if (!PROBE.isEnabled()) return;
    ClientGapEvent e = new ClientGapEvent();
    e.gap = gap;
    e.renderWait = t[1 + Part.RENDER_WAIT.ordinal()];
    // The loop times the whole render call; the renderer's wait for a worker is inside it.
    e.render = t[1 + Part.RENDER.ordinal()] - e.renderWait;
    e.encode = t[1 + Part.ENCODE.ordinal()];
    e.journal = t[1 + Part.JOURNAL.ordinal()];
    e.commit();
  }

}
