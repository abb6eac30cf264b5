package io.github.introsvg.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The CLI's logging, set up in code (registered in the runnable jar's META-INF/services): warnings and errors
 * through {@link ConsoleLogAppender}, debug for our own loggers with {@code --verbose}. Code, not logback.xml:
 * parsing XML costs a few hundred milliseconds of class loading before the first request. A
 * {@code -Dlogback.configurationFile} still wins.
 */
public final class LogbackSetup extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    ConsoleLogAppender appender = new ConsoleLogAppender();
    appender.setContext(context);
    appender.setName("STDERR");
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(appender);
    context.getLogger("io.github.introsvg").setLevel(Level.toLevel(System.getProperty("INTROSVG_LOG_LEVEL"), Level.WARN));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
