package io.github.introsvg.internal;

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
 * {@link GapTimer} measures it and commits it only while a recording runs. {@code bench} records it;
 * {@code java -XX:StartFlightRecording ...} shows it in any run.
 */
@Name(ClientGapEvent.NAME)
@Label("Reply to next request")
@Category("IntroSVG")
@Description("Client time between a reply and the same prompt's next request")
@StackTrace(false)
public final class ClientGapEvent extends Event {

  public static final String NAME = "io.github.introsvg.ClientGap";

  @Label("Gap") @Timespan(Timespan.NANOSECONDS) long gap;
  @Label("Render wait") @Timespan(Timespan.NANOSECONDS) long renderWait;
  @Label("Render") @Timespan(Timespan.NANOSECONDS) long render;
  @Label("Encode") @Timespan(Timespan.NANOSECONDS) long encode;
  @Label("Journal") @Timespan(Timespan.NANOSECONDS) long journal;

  private static final ClientGapEvent PROBE = new ClientGapEvent();

  /** Commits one gap, in nanoseconds, if a recording enables this event. */
  static void commit(long gap, long renderWait, long render, long encode, long journal) {
    if (!PROBE.isEnabled()) return;
    ClientGapEvent e = new ClientGapEvent();
    e.gap = gap;
    e.renderWait = renderWait;
    e.render = render;
    e.encode = encode;
    e.journal = journal;
    e.commit();
  }
}
