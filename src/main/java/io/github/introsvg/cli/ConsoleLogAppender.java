package io.github.introsvg.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The CLI's log appender (installed by {@link LogbackSetup}): while a command shows a progress line, log lines
 * go through its {@link Console}, so a warning never lands glued onto that line; otherwise straight to stderr.
 */
public final class ConsoleLogAppender extends AppenderBase<ILoggingEvent> {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
  private static volatile Console console;

  /** Routes log lines through {@code c} until {@link #release} is called with it. */
  static void routeTo(Console c) {
    console = c;
  }

  static void release(Console c) {
    if (console == c) console = null;
  }

  @Override
  protected void append(ILoggingEvent event) {
    String name = event.getLoggerName();
    StringBuilder line = new StringBuilder()
        .append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(' ')
        .append(String.format(Locale.ROOT, "%-5s", event.getLevel())).append(' ')
        .append(name.substring(name.lastIndexOf('.') + 1)).append(" - ").append(event.getFormattedMessage());
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      line.append(" (").append(t.getClassName()).append(": ").append(t.getMessage()).append(')');
    }
    Console c = console;
    if (c != null) {
      c.message(line.toString());
    } else {
      PrintWriter err = new PrintWriter(System.err, true);
      err.println(line);
    }
  }
}
